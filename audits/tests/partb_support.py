"""Test data for Part B: audits whose Part A returns have been completed, at any size."""

from __future__ import annotations

from django.utils import timezone

from agencies.tests.factories import AgencyFactory, UserFactory
from audits.models import (
    Answer,
    Audit,
    AuditStatus,
    Grade,
    PartAReturn,
    ReturnStatus,
    Standard,
)
from audits.tests.factories import AuditAgencyFactory, AuditFactory, CaseFactory, make_returns


def complete_return(
    ret: PartAReturn,
    *,
    ranks: list[int] | int = 2,
    status: str = ReturnStatus.SUBMITTED,
    strengths: str = "",
    improvements: str = "",
    evidence: str = "Evidence from the records.",
) -> PartAReturn:
    """Answer every standard of the return's tool (grade by rank, cycling through `ranks`) and submit it."""
    grades = {g.rank: g for g in Grade.objects.filter(scale_id=ret.tool_version.scale_id)}
    standards = list(
        Standard.objects.filter(section__version_id=ret.tool_version_id).order_by("section__order", "order")
    )
    ranks = [ranks] if isinstance(ranks, int) else ranks
    Answer.objects.bulk_create(
        [
            Answer(
                part_a_return=ret, standard=s, grade=grades[ranks[i % len(ranks)]], evidence=f"{evidence} ({s.code})"
            )
            for i, s in enumerate(standards)
        ]
    )
    ret.status = status
    ret.strengths = strengths or f"{ret.agency.short_name} shared information promptly in {ret.case.reference}."
    ret.improvements = improvements or f"{ret.agency.short_name} should record the child's voice."
    ret.overall_grade = grades[ranks[0]]
    ret.submitted_at = timezone.now()
    ret.save()
    return ret


def build_audit(
    *,
    agencies: int,
    cases: int,
    status: str = AuditStatus.PART_B,
    lead_officer=None,
    standards: int = 10,
    slug: str | None = None,
) -> Audit:
    """An audit with `agencies` participants (each with an auditor) and `cases` cases, every return
    submitted with every standard graded."""
    from audits.tests.factories import make_tool_version

    kwargs = {"slug": slug} if slug else {}
    audit = AuditFactory(
        status=status, lead_officer=lead_officer, tool_version=make_tool_version(standards=standards), **kwargs
    )
    for _i in range(agencies):
        agency = AgencyFactory()
        AuditAgencyFactory(audit=audit, agency=agency, auditor=UserFactory(agency=agency))
    for i in range(cases):
        CaseFactory(audit=audit, reference=f"Case {i + 1}", order=i)
    for n, ret in enumerate(make_returns(audit)):
        complete_return(ret, ranks=[1 + n % 4, 2])
    return audit
