# ruff: noqa: F811 - `audit` is the fixture of test_insights_consistency, imported
"""The consistency checks' identifier rule reads every free text typed about the audit that a check can
reach: the comments left for auditors on their returns, the Part B session's notes and other attendees,
and the briefings' titles and audiences (not only their sections). A purged audit is not reported for
what the purge removed."""

import pytest
from django.urls import reverse

from audits.consistency import IDENTIFIER, consistency_issues
from audits.models import PartAReturn, ReturnStatus
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
