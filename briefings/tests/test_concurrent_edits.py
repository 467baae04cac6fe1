"""Two composers on one draft: neither overwrites what the other saved without having seen it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from agencies.models import AccessAction, AccessRecord
from briefings import services
from briefings.models import Briefing, Edition

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
