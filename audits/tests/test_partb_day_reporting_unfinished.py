"""The end of the Part B session: the audit moved on to Reporting with the consensus of a case not
complete, or a late return submitted and not yet accepted. Not refused (the consensus is still recorded
in Reporting), but said on the progress page, with what to do, while the room can still settle it."""

import html as html_lib

import pytest
from django.urls import reverse

from audits.models import Audit, AuditStatus, CaseJudgement, Grade, PartAReturn, ReturnStatus
from audits.tests.partb_pages import signed_in
from audits.tests.partb_support import build_audit

pytestmark = pytest.mark.django_db


def judge(case, *, overall: bool = True, stages: int | None = None) -> None:
    grade = Grade.objects.filter(scale_id=case.audit.tool_version.scale_id).order_by("rank").first()
    sections = list(case.audit.tool_version.sections.order_by("order"))
    for section in sections[:stages]:
        CaseJudgement.objects.create(case=case, section=section, grade=grade, reasons="Agreed.")
    if overall:
        CaseJudgement.objects.create(case=case, section=None, grade=grade, reasons="Agreed.")


def test_moving_on_to_reporting_says_which_cases_and_returns_are_left_unfinished(qa_manager):
    audit = build_audit(agencies=2, cases=3)
    case1, case2, case3 = audit.cases.order_by("order")
    judge(case1)  # complete: every stage and the case overall
    judge(case2, overall=False)  # every stage, not the case overall
    judge(case3, stages=1)  # the case overall and one stage
    late = PartAReturn.objects.filter(audit=audit, case=case2).select_related("agency").order_by("agency__name")[0]
    assert late.status == ReturnStatus.SUBMITTED
    PartAReturn.objects.filter(audit=audit).exclude(pk=late.pk).update(status=ReturnStatus.ACCEPTED)

    response = signed_in(qa_manager).post(
        reverse("audits:audit_status", args=[audit.slug]), {"to_status": AuditStatus.REPORTING}, follow=True
    )
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.REPORTING
    page = html_lib.unescape(response.content.decode())
    assert "The audit is now at the Reporting stage." in page
    assert (
        "The consensus is not complete for Case 2, Case 3 (a stage or the case overall not recorded): it can still "
        "be recorded on their evidence boards in Reporting, which the auditors no longer read."
    ) in page
    assert (
        f"1 return was submitted and not accepted (Case 2: {late.agency.name}): a return is accepted only during "
        "Part A or Part B. Go back to Part B to accept it."
    ) in page


def test_nothing_is_said_when_part_b_is_finished(qa_manager):
    audit = build_audit(agencies=2, cases=2)
    for case in audit.cases.all():
        judge(case)
    PartAReturn.objects.filter(audit=audit).update(status=ReturnStatus.ACCEPTED)
    response = signed_in(qa_manager).post(
        reverse("audits:audit_status", args=[audit.slug]), {"to_status": AuditStatus.REPORTING}, follow=True
    )
    page = response.content.decode()
    assert "The audit is now at the Reporting stage." in page
    assert "not complete" not in page
    assert "not accepted" not in page
