# ruff: noqa: F811 - `audit` is the fixture of test_insights_consistency, imported
"""The consistency checks' identifier rule reads every free text typed about the audit that a check can
reach: the comments left for auditors on their returns, the Part B session's notes and other attendees,
and the briefings' titles and audiences (not only their sections). A purged audit is not reported for
what the purge removed."""

import pytest
from django.urls import reverse

from audits.consistency import IDENTIFIER, consistency_issues
from audits.models import PartAReturn, PartBSession, ReturnStatus
from audits.tests.test_insights_consistency import NHS, audit, grade, ret_of  # noqa: F401

pytestmark = pytest.mark.django_db


def identifier_issues(audit):
    return [issue for issue in consistency_issues(audit) if issue.kind == IDENTIFIER]


def test_a_comment_left_for_the_auditor_is_checked_whatever_the_returns_status(audit):
    returned = ret_of(audit, "Case 1", "Police")
    PartAReturn.objects.filter(pk=returned.pk).update(
        status=ReturnStatus.RETURNED, amendment_comment=f"Take out the NHS number {NHS}."
    )
    # Resubmitted and confirmed by its auditor: the confirmation covers the auditor's text, not the comment.
    resubmitted = ret_of(audit, "Case 2", "Health")
    PartAReturn.objects.filter(pk=resubmitted.pk).update(
        amendment_comment="Her mother's mobile is 07700 900123.", identifiers_confirmed=True
    )
    issues = identifier_issues(audit)
    assert [issue.url for issue in issues] == [
        reverse("audits:return_detail", args=[returned.pk]),
        reverse("audits:return_detail", args=[resubmitted.pk]),
    ]
    assert "Comment for the auditor" in issues[0].message and f"“{NHS}”" in issues[0].message
    assert "“07700 900123”" in issues[1].message


def test_the_part_b_sessions_notes_and_other_attendees_are_checked(audit):
    PartBSession.objects.create(
        audit=audit, notes=f"Case 2's NHS number is {NHS}.", other_attendees="Dr Shah, on 07700 900123"
    )
    issues = identifier_issues(audit)
    url = reverse("audits:session", args=[audit.slug])
    assert [issue.url for issue in issues] == [url, url]
    assert f"“{NHS}”" in issues[0].message and "notes" in issues[0].message
    assert "“07700 900123”" in issues[1].message


def test_a_session_without_identifiers_is_not_reported(audit):
    PartBSession.objects.create(audit=audit, notes="Agencies agreed the themes.", other_attendees="Dr Shah, GP")
    assert identifier_issues(audit) == []


def test_a_briefings_title_and_audience_are_checked_like_its_sections(audit):
    from briefings.models import Briefing, BriefingSection

    briefing = Briefing.objects.create(
        audit=audit, edition="managers", title=f"Learning from {NHS}", audience="Managers; call 07700 900123"
    )
    BriefingSection.objects.create(briefing=briefing, key="strengths", heading="Strengths", body="Clean text.")
    issues = identifier_issues(audit)
    url = reverse("briefings:composer", args=[audit.slug, "managers"])
    assert [(issue.url, issue.fixable_when_closed) for issue in issues] == [(f"{url}#id_title", True)]
    assert f"“{NHS}”" in issues[0].message and "“07700 900123”" in issues[0].message
