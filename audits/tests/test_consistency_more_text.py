# ruff: noqa: F811 - `audit` is the fixture of test_insights_consistency, imported
"""The consistency checks' identifier rule reads every free text typed about the audit that a check can
reach: the comments left for auditors on their returns, the Part B session's notes and other attendees,
and the briefings' titles and audiences (not only their sections). A purged audit is not reported for
what the purge removed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.consistency import DIVERGENCE, IDENTIFIER, NO_EVIDENCE, consistency_issues
from audits.models import Answer, AuditStatus, CaseJudgement, PartAReturn, PartBSession, ReturnStatus
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


def test_a_purged_audit_is_not_reported_for_what_the_purge_removed(audit):
    """Evidence and consensus reasons blanked by the purge are not "graded without evidence" or
    "divergence without reasons" for every answer and judgement of the audit."""
    case1 = audit.cases.order_by("order").first()
    Answer.objects.filter(part_a_return__audit=audit).update(evidence="")
    PartAReturn.objects.filter(audit=audit, case=case1).update(overall_grade=grade(audit, 1))
    CaseJudgement.objects.create(case=case1, section=None, grade=grade(audit, 4), reasons="")
    assert {NO_EVIDENCE, DIVERGENCE} <= {issue.kind for issue in consistency_issues(audit)}

    audit.purged_at = timezone.now()
    audit.save(update_fields=["purged_at"])
    assert {issue.kind for issue in consistency_issues(audit)} & {NO_EVIDENCE, DIVERGENCE} == set()


def test_after_the_real_purge_no_answer_is_graded_without_evidence(audit):
    from audits.services.retention import audit_purge_case_detail

    audit.status, audit.closed_at = AuditStatus.CLOSED, timezone.now()
    audit.save()
    audit_purge_case_detail(audit=audit)
    audit.refresh_from_db()
    assert NO_EVIDENCE not in {issue.kind for issue in consistency_issues(audit)}


def test_an_email_address_or_social_media_name_without_a_digit_is_checked_too(audit):
    """The checks skip text that cannot hold an identifier: text without a digit was skipped, so an
    e-mail address or a social media name without one was never flagged."""
    PartBSession.objects.create(audit=audit, notes="Her Snapchat is @jessyb and her mother's is mum@example.org.")
    [issue] = identifier_issues(audit)
    assert "“@jessyb”" in issue.message and "“mum@example.org”" in issue.message
