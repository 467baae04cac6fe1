"""Retention reaches a briefing draft's title and audience, as it reaches its sections' text: typed by hand and
never published, they may name a case ("What we learnt from Case 3's move to Elm Road"), and would outlive the
purge. Each draft's title and audience go back to those of its newest standing version (what readers have), or,
for a draft never published (or whose every version was withdrawn), to those it was started with (made from the
audit's theme or title). A draft left as published is not touched; the published versions never are. A composer
opened before the purge is told the purge changed them, not "the other editor"."""

import html

import pytest
from django.core.management import call_command
from django.urls import reverse

from agencies.models import AccessRecord
from audits.services.retention import audit_purge_case_detail
from briefings import prefill, services
from briefings.models import Briefing, BriefingVersion, Edition

from .test_retention_drafts import close_past_retention

pytestmark = pytest.mark.django_db

CASE_TITLE = "What we learnt from Case 3's move to 14 Elm Road"
CASE_AUDIENCE = "The Elm Road school's DSL and the family's social worker"


def retitle(briefing: Briefing, user, title: str = CASE_TITLE, audience: str = CASE_AUDIENCE) -> Briefing:
    return services.briefing_update_details(briefing=briefing, title=title, audience=audience, user=user)


def details(briefing: Briefing) -> tuple[str, str]:
    return tuple(Briefing.objects.values_list("title", "audience").get(pk=briefing.pk))


def test_the_purge_sets_unpublished_titles_and_audiences_back_and_says_so(
    findings_audit, make_briefing, publish_rendered, qa_manager, django_capture_on_commit_callbacks, capsys
):
    # Published under its own title, then retitled with a case's detail for the next version.
    managers = make_briefing(Edition.MANAGERS)
    retitle(managers, qa_manager, title="Learning from the CSE audit", audience="Managers in every agency")
    published = publish_rendered(managers)
    as_published = dict(published.content)
    retitle(managers, qa_manager)
    # Never published, with a case's detail in both.
    practitioners = retitle(make_briefing(Edition.PRACTITIONERS), qa_manager)
    # Published and left as published: not touched.
    full = make_briefing(Edition.FULL_REPORT)
    publish_rendered(full)
    full_before = Briefing.objects.values_list("title", "audience", "details_updated_at").get(pk=full.pk)
    close_past_retention(findings_audit)

    call_command("purge_expired", "--dry-run")
    assert "The unpublished title or audience of 2 draft(s) to be set back." in capsys.readouterr().out
    assert details(practitioners) == (CASE_TITLE, CASE_AUDIENCE)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired")

    assert "The unpublished title or audience of 2 draft(s) set back." in capsys.readouterr().out
    assert details(managers) == ("Learning from the CSE audit", "Managers in every agency")
    assert details(practitioners) == (
        prefill.audit_default_title(findings_audit, Edition.PRACTITIONERS),
        prefill.default_audience(Edition.PRACTITIONERS),
    )
    assert not Briefing.objects.filter(title__contains="Elm Road").exists()
    assert not Briefing.objects.filter(audience__contains="Elm Road").exists()
    assert Briefing.objects.values_list("title", "audience", "details_updated_at").get(pk=full.pk) == full_before
    published.refresh_from_db()
    assert published.content == as_published  # the version as published
    [record] = AccessRecord.objects.filter(action="purge", object_id=str(findings_audit.pk))
    assert "the unpublished title or audience of 2 briefing draft(s)" in record.summary
    assert "Elm Road" not in record.summary


def test_a_draft_whose_every_version_was_withdrawn_goes_back_to_how_it_began(
    findings_audit, make_briefing, publish_rendered, qa_manager
):
    managers = retitle(make_briefing(Edition.MANAGERS), qa_manager)
    withdrawn = publish_rendered(managers)  # published under the case's title, then withdrawn
    services.briefing_version_withdraw(version=withdrawn, user=qa_manager, reason="A child's school named.")
    assert BriefingVersion.objects.get(pk=withdrawn.pk).content["title"] == CASE_TITLE
    close_past_retention(findings_audit)

    result = audit_purge_case_detail(audit=findings_audit)

    assert result.draft_details == 1
    assert details(managers) == (
        "Learning together: managers' briefing on child sexual exploitation",
        prefill.default_audience(Edition.MANAGERS),
    )
    assert audit_purge_case_detail(audit=findings_audit).draft_details == 0  # a second run changes nothing


def test_a_save_from_a_composer_opened_before_the_purge_says_the_purge_set_them_back(
    client, findings_audit, make_briefing, qa_manager
):
    briefing = retitle(make_briefing(Edition.PRACTITIONERS), qa_manager)
    close_past_retention(findings_audit)
    audit_purge_case_detail(audit=findings_audit)
    purged = details(briefing)
    assert purged[0] != CASE_TITLE

    client.force_login(qa_manager)
    response = client.post(
        reverse("briefings:details_update", args=[findings_audit.slug, briefing.edition]),
        {
            "title": f"{CASE_TITLE}, again",  # changed on the page, which still shows the case's title
            "audience": CASE_AUDIENCE,
            "title_shown": CASE_TITLE,
            "audience_shown": CASE_AUDIENCE,
        },
    )
    assert response.status_code == 409
    page = " ".join(html.unescape(response.content.decode()).split())
    assert "after you opened this page, the retention purge set the title back to what was published" in page
    assert "Do not put back what was removed" in page
    assert f"As the retention purge left it: <strong>{purged[0]}</strong>" in page
    assert "other editor" not in page and "Someone else" not in page
    assert details(briefing) == purged
