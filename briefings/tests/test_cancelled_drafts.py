"""A briefing drafted in Part B of an audit then cancelled is kept as it stood: shown, never changed
or published, and no longer listed among the briefings being composed."""

import html
import re

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
    assert html.count("This audit was cancelled") == 1  # by the notice, not again where Publish would be
    assert reverse("briefings:publish", args=[audit.slug, Edition.MANAGERS]) not in html

    # A page opened before the cancellation posts anyway: refused with the reason (the text typed kept
    # to copy: see below), nothing changed.
    section = _section(cancelled_draft)
    url = reverse("briefings:section_update", args=[audit.slug, Edition.MANAGERS, section.key])
    data = {"heading": section.heading, "body": "Typed after the cancellation", "hidden": ""}
    response = client.post(url, data)
    assert response.status_code == 409 and REFUSAL in response.content.decode()
    htmx = client.post(url, data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 409 and "HX-Redirect" not in htmx
    details = reverse("briefings:details_update", args=[audit.slug, Edition.MANAGERS])
    assert client.post(details, {"title": "Renamed", "audience": "All"}).status_code == 409
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


# --- A save refused as the audit was cancelled keeps what was typed -------------------------------

TYPED_HEADING = "Ofsted's view & ours"
TYPED_BODY = 'Typed on a page opened before the cancellation:\n\n- <b>a point</b> & "another"\n  an indented note'


def kept_field(page: str, kept_id: str, name: str) -> str:
    """The text a kept field shows, as the browser reads it (a textarea's first newline is the markup's)."""
    field_id = f"{kept_id}-{name}"
    textarea = re.search(rf'<textarea id="{field_id}"[^>]*readonly[^>]*>\n(.*?)</textarea>', page, re.S)
    if textarea:
        return html.unescape(textarea.group(1))
    found = re.search(rf'<input type="text" id="{field_id}"[^>]*value="([^"]*)" readonly', page)
    assert found, f"no read-only kept field {field_id}"
    return html.unescape(found.group(1))


def kept_block(page: str, kept_id: str) -> str:
    block = re.search(
        rf'<div class="[^"]*section-kept" id="{kept_id}".*?</div>\s*(?=<(?:fieldset|form|section))', page, re.S
    )
    assert block, f"no kept text {kept_id}"
    return block.group(0)


def section_url(briefing, section) -> str:
    return reverse("briefings:section_update", args=[briefing.audit.slug, briefing.edition, section.key])


def test_a_section_save_refused_shows_the_text_typed_on_the_read_only_composer(client, cancelled_draft, qa_manager):
    client.force_login(qa_manager)
    section = _section(cancelled_draft)
    stored = (section.heading, section.body)
    data = {"heading": TYPED_HEADING, "body": TYPED_BODY, "hidden": "on", "based_on": section.updated_at.isoformat()}
    response = client.post(section_url(cancelled_draft, section), data)
    assert response.status_code == 409  # not a redirect to a page without the text
    page = response.content.decode()
    kept_id = f"card-{section.key}-kept"
    block = kept_block(page, kept_id)
    # The refusal, said at once, then what was typed, labelled, read-only, exactly as posted.
    assert f'role="alert" data-testid="kept-refusal">{REFUSAL}' in html.unescape(block)
    assert "Your text, not saved:" in block and f"the section “{html.escape(section.heading)}”" in block
    assert f'<label class="form-label" for="{kept_id}-heading">Heading, not saved</label>' in block
    assert f'<label class="form-label" for="{kept_id}-body">Text, not saved</label>' in block
    assert kept_field(page, kept_id, "heading") == TYPED_HEADING
    assert kept_field(page, kept_id, "body") == TYPED_BODY
    # Above the draft's disabled fields (a disabled field's text cannot always be selected to copy).
    assert page.index(kept_id) < page.index('data-testid="draft-fields"')
    # The section's form, read-only as the section stands, marked unsaved: leaving the page asks first.
    card = page[page.index(f'id="card-{section.key}"') :]
    assert re.search(r'<form method="post" class="section-form" data-kept-unsaved', card)
    assert 'class="details-form" data-kept-unsaved' not in page
    section.refresh_from_db()
    assert (section.heading, section.body, section.hidden) == (*stored, False)


def test_a_section_save_refused_by_htmx_answers_the_card_with_the_text_typed(client, cancelled_draft, qa_manager):
    client.force_login(qa_manager)
    section = _section(cancelled_draft)
    stored = section.body
    data = {"heading": TYPED_HEADING, "body": TYPED_BODY, "hidden": "", "based_on": section.updated_at.isoformat()}
    response = client.post(section_url(cancelled_draft, section), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "HX-Redirect" not in response  # briefings.js swaps it in
    page = response.content.decode()
    assert page.lstrip().startswith(f'<section class="card mb-3 section-card" id="card-{section.key}"')
    kept_id = f"card-{section.key}-kept"
    block = kept_block(page, kept_id)
    # Said by briefings.js in the composer's live region (.section-problem), so not an alert of its own.
    assert 'class="alert alert-danger section-problem"' in block and 'role="alert"' not in block
    assert REFUSAL in html.unescape(block) and "Your text, not saved:" in block
    assert 'tabindex="-1" role="group"' in block  # focused after the swap
    assert kept_field(page, kept_id, "heading") == TYPED_HEADING
    assert kept_field(page, kept_id, "body") == TYPED_BODY
    # The card as the section stands, read-only: its buttons and fields disabled, its form marked unsaved.
    assert page.count("<fieldset disabled") == 2
    assert page.index(kept_id) < page.index('<fieldset disabled class="border-0 p-0 m-0">')
    assert 'class="section-form" data-kept-unsaved' in page
    assert "Not saved: see the message above.</span></span>" in page
    body = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S)
    assert html.unescape(body.group(1)) == stored
    section.refresh_from_db()
    assert section.body == stored


def test_a_section_save_with_an_error_on_a_cancelled_audit_keeps_the_text_typed(client, cancelled_draft, qa_manager):
    """A form error could not be put right on the read-only page: the refusal, with what was typed."""
    client.force_login(qa_manager)
    section = _section(cancelled_draft)
    data = {"heading": "", "body": TYPED_BODY}
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(section_url(cancelled_draft, section), data, **headers)
        page = response.content.decode()
        assert response.status_code == 409
        assert kept_field(page, f"card-{section.key}-kept", "body") == TYPED_BODY
        assert REFUSAL in html.unescape(page) and "This field is required" not in page


def test_the_title_and_audience_refused_show_what_was_typed(client, cancelled_draft, qa_manager):
    client.force_login(qa_manager)
    stored = (cancelled_draft.title, cancelled_draft.audience)
    url = reverse("briefings:details_update", args=[cancelled_draft.audit.slug, cancelled_draft.edition])
    typed = {"title": 'Neglect & "us": a briefing', "audience": "Designated leads <all>"}
    response = client.post(url, {**typed, "title_shown": stored[0], "audience_shown": stored[1]})
    assert response.status_code == 409
    page = response.content.decode()
    block = kept_block(page, "details-kept")
    assert 'role="alert"' in block and REFUSAL in html.unescape(block)
    assert "Your text, not saved:</strong> the title and audience" in block
    assert '<label class="form-label" for="details-kept-title">Title, not saved</label>' in block
    assert kept_field(page, "details-kept", "title") == typed["title"]
    assert kept_field(page, "details-kept", "audience") == typed["audience"]
    assert page.index("details-kept") < page.index('data-testid="draft-fields"')
    assert 'class="details-form" data-kept-unsaved' in page
    # The fields show the title and audience as they stand (the typed ones only in the kept block).
    title = re.search(r'<input type="text" name="title" id="id_title"[^>]* value="([^"]*)"', page)
    assert html.unescape(title.group(1)) == stored[0]
    assert Briefing.objects.values_list("title", "audience").get(pk=cancelled_draft.pk) == stored
    # An error (no title) on the read-only page is answered the same way, with what was typed.
    response = client.post(url, {"title": "", "audience": typed["audience"]})
    assert response.status_code == 409
    assert kept_field(response.content.decode(), "details-kept", "audience") == typed["audience"]


@pytest.fixture
def cancelled_while_saving(monkeypatch, findings_audit, qa_manager):
    """The audit cancelled between the composer's loading the page's audit and its save (which then waits
    for the cancellation's lock and is refused: test_cancel_races)."""
    findings_audit.status = AuditStatus.PART_B
    findings_audit.save(update_fields=["status"])
    briefing = services.briefing_create(audit=findings_audit, edition=Edition.MANAGERS, user=qa_manager)

    def cancelled_first(real):
        def save(**kwargs):
            audit_cancel(user=qa_manager, audit=findings_audit, reason="Merged into the neglect audit")
            return real(**kwargs)

        return save

    for name in ("briefing_section_update", "briefing_update_details"):
        monkeypatch.setattr(services, name, cancelled_first(getattr(services, name)))
    return briefing


@pytest.mark.parametrize("htmx", [False, True])
def test_a_section_save_refused_as_the_audit_is_cancelled_shows_it_read_only(
    client, cancelled_while_saving, qa_manager, htmx
):
    client.force_login(qa_manager)
    briefing = cancelled_while_saving
    section = _section(briefing)
    data = {"heading": TYPED_HEADING, "body": TYPED_BODY}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(section_url(briefing, section), data, **headers)
    page = response.content.decode()
    assert response.status_code == 409 and REFUSAL in html.unescape(page)
    assert kept_field(page, f"card-{section.key}-kept", "body") == TYPED_BODY
    # Shown as the audit is now: cancelled, the draft's fields disabled.
    assert "<fieldset disabled" in page.split(f'id="card-{section.key}-kept"')[1]
    if not htmx:
        assert 'data-testid="cancelled-notice"' in page and 'data-testid="draft-fields"' in page
    assert BriefingSection.objects.get(pk=section.pk).body != TYPED_BODY


def test_the_title_refused_as_the_audit_is_cancelled_shows_it_read_only(client, cancelled_while_saving, qa_manager):
    client.force_login(qa_manager)
    briefing = cancelled_while_saving
    url = reverse("briefings:details_update", args=[briefing.audit.slug, briefing.edition])
    response = client.post(url, {"title": "Typed as it was cancelled", "audience": "All"})
    page = response.content.decode()
    assert response.status_code == 409
    assert kept_field(page, "details-kept", "title") == "Typed as it was cancelled"
    assert 'data-testid="cancelled-notice"' in page and 'data-testid="draft-fields"' in page
    assert Briefing.objects.get(pk=briefing.pk).title != "Typed as it was cancelled"
