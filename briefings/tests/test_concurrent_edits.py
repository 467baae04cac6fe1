"""Two composers on one draft: neither overwrites what the other saved without having seen it."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from agencies.models import AccessAction, AccessRecord
from briefings import services
from briefings.content import build_content, content_fingerprint
from briefings.models import Briefing, BriefingVersion, Edition

from .support import publish_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefing(make_briefing) -> Briefing:
    return make_briefing(Edition.MANAGERS)


def shown(briefing: Briefing) -> dict[str, str]:
    return {"title": briefing.title, "audience": briefing.audience}


# --- Title and audience -------------------------------------------------------------------------


def test_two_editors_changing_one_detail_each_both_keep_theirs(briefing, qa_manager, lead_officer):
    page = shown(briefing)  # both opened the composer now
    services.briefing_update_details(
        briefing=briefing, title="QA's title", audience=page["audience"], shown=page, user=qa_manager
    )
    services.briefing_update_details(
        briefing=briefing, title=page["title"], audience="Lead's audience", shown=page, user=lead_officer
    )
    briefing.refresh_from_db()
    assert (briefing.title, briefing.audience) == ("QA's title", "Lead's audience")
    assert briefing.details_updated_by == lead_officer


def test_a_detail_changed_by_someone_else_since_the_page_showed_it_is_refused(briefing, qa_manager, lead_officer):
    page = shown(briefing)
    services.briefing_update_details(
        briefing=briefing, title="QA's title", audience=page["audience"], shown=page, user=qa_manager
    )
    records = AccessRecord.objects.count()
    with pytest.raises(services.DetailsConflict) as refused:
        services.briefing_update_details(
            briefing=briefing, title="Lead's title", audience="Lead's audience", shown=page, user=lead_officer
        )
    assert refused.value.fields == ["title"]
    assert refused.value.current.title == "QA's title"
    assert str(qa_manager.get_full_name()) in str(refused.value) and "the title" in str(refused.value)
    briefing.refresh_from_db()
    # Nothing written: not the title, and not the audience saved with it either.
    assert (briefing.title, briefing.audience) == ("QA's title", page["audience"])
    assert AccessRecord.objects.count() == records

    # Having seen theirs, a save based on it goes through.
    services.briefing_update_details(
        briefing=briefing, title="Lead's title", audience="Lead's audience", shown=shown(briefing), user=lead_officer
    )
    briefing.refresh_from_db()
    assert (briefing.title, briefing.audience) == ("Lead's title", "Lead's audience")


def test_the_same_change_by_both_is_no_conflict_and_an_unchanged_save_writes_nothing(
    briefing, qa_manager, lead_officer
):
    page = shown(briefing)
    for user in (qa_manager, lead_officer):
        services.briefing_update_details(
            briefing=briefing, title="Agreed title", audience=page["audience"], shown=page, user=user
        )
    briefing.refresh_from_db()
    assert briefing.title == "Agreed title" and briefing.details_updated_by == qa_manager
    records = AccessRecord.objects.count()
    services.briefing_update_details(
        briefing=briefing, title="Agreed title", audience=page["audience"], shown=shown(briefing), user=lead_officer
    )
    briefing.refresh_from_db()
    assert briefing.details_updated_by == qa_manager and AccessRecord.objects.count() == records


def test_details_saved_over_someone_elses_change_are_refused_on_the_page_with_the_input_kept(
    client, briefing, qa_manager, lead_officer
):
    composer = reverse("briefings:composer", kwargs={"slug": briefing.audit.slug, "edition": "managers"})
    url = reverse("briefings:details_update", kwargs={"slug": briefing.audit.slug, "edition": "managers"})
    client.force_login(lead_officer)
    page = client.get(composer).content.decode()
    assert f'name="title_shown" value="{escape(briefing.title)}"' in page
    original = shown(briefing)

    services.briefing_update_details(
        briefing=briefing, title="QA's title", audience=briefing.audience, shown=shown(briefing), user=qa_manager
    )
    post = {
        "title": "Lead's title",
        "audience": "Lead's audience",
        "title_shown": briefing.title,
        "audience_shown": briefing.audience,
    }
    response = client.post(url, post)
    assert response.status_code == 409
    html = response.content.decode()
    assert "after you opened this page" in html and "Nothing was saved" in html
    assert 'value="Lead&#x27;s title"' in html and 'value="Lead&#x27;s audience"' in html  # theirs kept in the form
    assert "QA&#x27;s title" in html  # the other editor's, shown
    assert 'name="title_shown" value="QA&#x27;s title"' in html  # the next save is over what is now shown
    assert "data-kept-unsaved" in html  # leaving the page asks first
    briefing.refresh_from_db()
    assert (briefing.title, briefing.audience) == ("QA's title", original["audience"])

    # Only the audience changed on this page: saved, and the other editor's title is kept.
    response = client.post(url, {**post, "title": "QA's title", "title_shown": "QA's title"})
    assert response.status_code == 302
    briefing.refresh_from_db()
    assert (briefing.title, briefing.audience) == ("QA's title", "Lead's audience")
    assert AccessRecord.objects.filter(
        action=AccessAction.CHANGE, object_id=str(briefing.pk), summary="Details changed: audience"
    ).exists()


# --- Publishing what was checked ----------------------------------------------------------------


def fingerprint(briefing: Briefing) -> str:
    return content_fingerprint(build_content(Briefing.objects.get(pk=briefing.pk)))


def test_publishing_what_the_preview_showed_goes_through(briefing, qa_manager, django_capture_on_commit_callbacks):
    checked, at = fingerprint(briefing), timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        version = services.briefing_publish(briefing=briefing, user=qa_manager, checked=checked, checked_at=at)
    assert version.number == 1 and content_fingerprint(version.content) == checked


@pytest.mark.parametrize("change", ["section", "details", "move", "hide"])
def test_a_draft_changed_since_the_preview_is_not_published(briefing, qa_manager, lead_officer, change):
    checked, at = fingerprint(briefing), timezone.now()
    section = briefing.sections.get(key="why")
    if change == "section":
        services.briefing_section_update(
            section=section, heading=section.heading, body="The lead's late change.", hidden=False, user=lead_officer
        )
    elif change == "details":
        services.briefing_update_details(
            briefing=briefing,
            title="Lead's title",
            audience=briefing.audience,
            shown=shown(briefing),
            user=lead_officer,
        )
    elif change == "hide":
        services.briefing_section_update(
            section=section, heading=section.heading, body=section.body, hidden=True, user=lead_officer
        )
    else:
        services.briefing_section_move(section=section, direction="down", user=lead_officer)
    with pytest.raises(services.DraftChanged) as refused:
        services.briefing_publish(briefing=briefing, user=qa_manager, checked=checked, checked_at=at)
    assert not BriefingVersion.objects.exists()
    message = str(refused.value)
    assert "The draft changed since you checked the preview" in message
    if change == "move":  # a move is not kept with a name
        assert refused.value.changed_by == [] and "(by" not in message
    else:
        assert refused.value.changed_by == [lead_officer.get_full_name()]
        assert f"(by {lead_officer.get_full_name()})" in message


def test_publish_refused_for_a_changed_draft_shows_the_new_preview_and_publishes_it_once_checked(
    client, briefing, qa_manager, lead_officer, django_capture_on_commit_callbacks
):
    slug = briefing.audit.slug
    client.force_login(qa_manager)
    preview = client.get(reverse("briefings:preview", args=[slug, "managers"]))
    link = re.search(r'href="(/briefings/[^"]*/publish/\?[^"]*)"', preview.content.decode()).group(1)
    query = parse_qs(urlsplit(unescape(link)).query)
    assert query["draft"] == [fingerprint(briefing)]
    page = client.get(unescape(link)).content.decode()
    assert f'name="draft" value="{query["draft"][0]}"' in page

    # The lead officer saves a section while the QA manager ticks "I have checked the preview".
    section = briefing.sections.get(key="why")
    services.briefing_section_update(
        section=section, heading=section.heading, body="The lead's late change.", hidden=False, user=lead_officer
    )
    url = reverse("briefings:publish", args=[slug, "managers"])
    post = {"confirm": "yes", "confirm_issues": "yes", "draft": query["draft"][0], "draft_at": query["draft_at"][0]}
    refused = client.post(url, post)
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "The draft changed since you checked the preview" in html and escape(lead_officer.get_full_name()) in html
    assert "The lead&#x27;s late change." in html  # the new preview
    assert not BriefingVersion.objects.exists()

    # The new preview's Publish link carries what it showed: publishing from it goes through.
    link = re.search(r'href="(/briefings/[^"]*/publish/\?[^"]*)"', html).group(1)
    query = parse_qs(urlsplit(unescape(link)).query)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, {**post, "draft": query["draft"][0], "draft_at": query["draft_at"][0]})
    assert response.status_code == 302
    version = BriefingVersion.objects.get()
    assert "The lead's late change." in [s["body"] for s in version.content["sections"]]


def test_publish_with_a_forged_fingerprint_is_refused(client, briefing, qa_manager):
    client.force_login(qa_manager)
    url = reverse("briefings:publish", args=[briefing.audit.slug, "managers"])
    for forged in ("0" * 64, "not a fingerprint"):
        response = client.post(url, {"confirm": "yes", "confirm_issues": "yes", "draft": forged, "draft_at": "x"})
        assert response.status_code == 409
    assert not BriefingVersion.objects.exists()


def test_publish_without_a_fingerprint_is_refused_with_the_preview_to_check(
    client, briefing, qa_manager, django_capture_on_commit_callbacks
):
    """What was checked is mandatory: a post without it (not from the publish page) publishes nothing and
    is answered as a changed draft is; the publish page's own form goes through."""
    client.force_login(qa_manager)
    url = reverse("briefings:publish", args=[briefing.audit.slug, "managers"])
    for missing in ({}, {"draft": ""}, {"draft_at": timezone.now().isoformat()}):
        response = client.post(url, {"confirm": "yes", "confirm_issues": "yes", **missing})
        assert response.status_code == 409
        html = response.content.decode()
        assert 'data-testid="publish-refused"' in html and "check the preview again below" in html
        assert 'data-testid="briefing-preview"' in html
    assert not BriefingVersion.objects.exists()

    with django_capture_on_commit_callbacks(execute=False):
        response = publish_post(client, url, {"confirm": "yes", "confirm_issues": "yes"})
    assert response.status_code == 302
    assert BriefingVersion.objects.count() == 1
