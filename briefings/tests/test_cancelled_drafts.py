"""A briefing drafted in Part B of an audit then cancelled is kept as it stood: shown, never changed
or published, and no longer listed among the briefings being composed."""

import pytest
from django.urls import reverse

from audits.models import AuditStatus
from audits.services.partb import audit_cancel
from briefings import services
from briefings.models import Briefing, BriefingSection, BriefingVersion, Edition
from briefings.selectors import audits_composing

pytestmark = pytest.mark.django_db

REFUSAL = "This audit was cancelled: its briefings are not drafted, changed or published."


@pytest.fixture
def cancelled_draft(findings_audit, qa_manager):
    findings_audit.status = AuditStatus.PART_B
    findings_audit.save(update_fields=["status"])
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)
    audit_cancel(user=qa_manager, audit=findings_audit, reason="Merged into the neglect audit")
    briefing.refresh_from_db()
    briefing.audit.refresh_from_db()
    return briefing


def _section(briefing) -> BriefingSection:
    return briefing.sections.select_related("briefing__audit").order_by("order").first()


def test_the_services_refuse_to_change_or_publish_it(cancelled_draft, qa_manager):
    section = _section(cancelled_draft)
    body = section.body
    calls = [
        lambda: services.briefing_section_update(
            section=section, heading="New", body="Changed", hidden=False, user=qa_manager
        ),
        lambda: services.briefing_section_refresh(section=section, user=qa_manager),
        lambda: services.briefing_section_move(section=section, direction="down", user=qa_manager),
        lambda: services.briefing_update_details(
            briefing=cancelled_draft, title="Renamed", audience="All", user=qa_manager
        ),
        lambda: services.briefing_publish(briefing=cancelled_draft, user=qa_manager),
    ]
    for call in calls:
        with pytest.raises(services.BriefingError, match=REFUSAL):
            call()
    section.refresh_from_db()
    assert section.body == body and section.heading != "New"
    assert Briefing.objects.get(pk=cancelled_draft.pk).title != "Renamed"
    assert not BriefingVersion.objects.exists()


def test_the_composer_shows_it_read_only_and_a_stale_save_is_refused(client, cancelled_draft, qa_manager):
    client.force_login(qa_manager)
    audit = cancelled_draft.audit
    composer = reverse("briefings:composer", args=[audit.slug, Edition.MANAGERS])
    html = client.get(composer).content.decode()
    assert 'data-testid="cancelled-notice"' in html and "Merged into the neglect audit" in html
    assert '<fieldset disabled class="border-0 p-0 m-0" data-testid="draft-fields">' in html
    assert REFUSAL in html  # where the Publish button would be
    assert reverse("briefings:publish", args=[audit.slug, Edition.MANAGERS]) not in html

    # A page opened before the cancellation posts anyway: refused with the reason, nothing changed.
    section = _section(cancelled_draft)
    url = reverse("briefings:section_update", args=[audit.slug, Edition.MANAGERS, section.key])
    data = {"heading": section.heading, "body": "Typed after the cancellation", "hidden": ""}
    response = client.post(url, data, follow=True)
    assert REFUSAL in response.content.decode()
    htmx = client.post(url, data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith(composer)
    details = reverse("briefings:details_update", args=[audit.slug, Edition.MANAGERS])
    assert client.post(details, {"title": "Renamed", "audience": "All"}).status_code == 302
    refresh = reverse("briefings:section_refresh", args=[audit.slug, Edition.MANAGERS, section.key])
    assert client.post(refresh).status_code == 302
    section.refresh_from_db()
    assert section.body != "Typed after the cancellation"
    assert Briefing.objects.get(pk=cancelled_draft.pk).title != "Renamed"


def test_it_is_not_listed_among_the_briefings_being_composed(cancelled_draft, qa_manager, client):
    assert cancelled_draft.audit not in audits_composing(qa_manager)
    client.force_login(qa_manager)
    html = client.get(reverse("briefings:library")).content.decode()
    assert reverse("briefings:audit_briefings", args=[cancelled_draft.audit.slug]) not in html


def test_an_edition_never_drafted_says_no_draft_is_kept(client, cancelled_draft, qa_manager):
    client.force_login(qa_manager)
    slug = cancelled_draft.audit.slug
    for url in (
        reverse("briefings:composer", args=[slug, Edition.PRACTITIONERS]),  # not started
        reverse("briefings:audit_briefings", args=[slug]),
    ):
        html = " ".join(client.get(url).content.decode().split())
        assert REFUSAL in html and "The draft is kept" not in html
    with pytest.raises(services.BriefingError, match=REFUSAL):
        services.briefing_create(audit=cancelled_draft.audit, edition=Edition.PRACTITIONERS, user=qa_manager)
