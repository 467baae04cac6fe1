"""Rules the models own: database constraints, allowed status transitions, and the one place that
decides whose Part A returns a user may read (`PartAReturn.objects.visible_to`)."""

from itertools import product

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import AccessAction, AccessRecord
from audits.models import (
    Answer,
    Audit,
    AuditStatus,
    FindingKind,
    PartAReturn,
    RecommendationStatus,
    ReturnStatus,
)
from audits.tests.factories import (
    AuditAgencyFactory,
    AuditFactory,
    CaseFactory,
    FindingFactory,
    PartAReturnFactory,
    RecommendationFactory,
    make_returns,
)


def refused():
    """The database refuses the write; the atomic block keeps the test's transaction usable."""
    return pytest.raises(IntegrityError)


# --- Constraints -----------------------------------------------------------------------------


def test_one_return_per_case_and_agency(audit, agency_a):
    case = audit.cases.get(reference="Case 1")
    assert PartAReturn.objects.filter(case=case, agency=agency_a).count() == 1
    with refused(), transaction.atomic():
        PartAReturnFactory(case=case, agency=agency_a)


@pytest.fixture
def a_return(audit, agency_a) -> PartAReturn:
    return PartAReturn.objects.get(audit=audit, agency=agency_a, case__reference="Case 1")


@pytest.fixture
def standard(audit):
    return audit.tool_version.sections.order_by("order").first().standards.order_by("order").first()


@pytest.fixture
def good(audit):
    return audit.tool_version.scale.grades.get(code="good")


def test_one_answer_per_standard(a_return, standard, good):
    Answer.objects.create(part_a_return=a_return, standard=standard, grade=good)
    with refused(), transaction.atomic():
        Answer.objects.create(part_a_return=a_return, standard=standard, not_applicable=True)


def test_an_answer_is_a_grade_or_not_applicable_never_both(a_return, standard, good):
    with refused(), transaction.atomic():
        Answer.objects.create(part_a_return=a_return, standard=standard, grade=good, not_applicable=True)
    answer = Answer.objects.create(part_a_return=a_return, standard=standard, not_applicable=True)
    assert answer.is_answered
    answer.not_applicable = False
    answer.grade = good
    answer.save()
    assert Answer.objects.get().grade == good


def test_a_return_uses_its_audits_case_and_tool_version(audit, a_return, other_audit):
    a_return.tool_version = other_audit.tool_version
    with pytest.raises(ValidationError, match="tool version"):
        a_return.clean()
    a_return.tool_version = audit.tool_version
    a_return.case = other_audit.cases.get()
    with pytest.raises(ValidationError, match="another audit"):
        a_return.clean()


def test_a_closed_recommendation_needs_evidence_of_impact(audit):
    with refused(), transaction.atomic():
        RecommendationFactory(audit=audit, status=RecommendationStatus.CLOSED, impact_evidence="")
    closed = RecommendationFactory(
        audit=audit, status=RecommendationStatus.CLOSED, impact_evidence="Re-audit: screening tool used in 5 of 5."
    )
    assert closed.rag == "green"


def test_a_recommendation_needs_an_owner_group_or_agency(audit, agency_a):
    with refused(), transaction.atomic():
        RecommendationFactory(audit=audit, owner="", owner_agency=None)
    owned = RecommendationFactory(audit=audit, owner="", owner_agency=agency_a)
    assert owned.owner_name == "Sussex Police"


@pytest.mark.parametrize("kind", [FindingKind.AGENCY_STRENGTH, FindingKind.AGENCY_IMPROVEMENT])
def test_agency_findings_name_their_agency(audit, agency_a, kind):
    with refused(), transaction.atomic():
        FindingFactory(audit=audit, kind=kind, agency=None)
    assert FindingFactory(audit=audit, kind=kind, agency=agency_a).agency == agency_a


def test_partnership_findings_name_no_agency(audit, agency_a):
    with refused(), transaction.atomic():
        FindingFactory(audit=audit, kind=FindingKind.STRENGTH, agency=agency_a)


def test_a_finding_is_never_empty(audit):
    with refused(), transaction.atomic():
        FindingFactory(audit=audit, heading="", body="")


def test_access_records_are_append_only(db):
    record = AccessRecord.objects.create(
        username="qa", action=AccessAction.VIEW, object_type="audits.partareturn", object_id="7"
    )
    record.summary = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        record.save()
    assert AccessRecord.objects.get().summary == ""


# --- Status transitions --------------------------------------------------------------------
# Written out here rather than read from the models, so that a change to the models' tables
# has to be made on purpose in both places.

AUDIT_MOVES = {
    AuditStatus.PLANNING: {AuditStatus.PART_A},
    AuditStatus.PART_A: {AuditStatus.PART_B, AuditStatus.PLANNING},
    AuditStatus.PART_B: {AuditStatus.REPORTING, AuditStatus.PART_A},
    AuditStatus.REPORTING: {AuditStatus.CLOSED, AuditStatus.PART_B},
    AuditStatus.CLOSED: set(),
    # Cancelled is final, and reached only through its own page (audit_cancel), not a move.
    AuditStatus.CANCELLED: set(),
}

RETURN_MOVES = {
    ReturnStatus.NOT_STARTED: {ReturnStatus.DRAFT, ReturnStatus.SUBMITTED},
    ReturnStatus.DRAFT: {ReturnStatus.SUBMITTED},
    ReturnStatus.SUBMITTED: {ReturnStatus.RETURNED, ReturnStatus.ACCEPTED},
    ReturnStatus.RETURNED: {ReturnStatus.SUBMITTED},
    ReturnStatus.ACCEPTED: {ReturnStatus.RETURNED},
}


@pytest.mark.parametrize("source,target", list(product(AuditStatus.values, repeat=2)))
def test_audit_can_move_to(source, target):
    assert Audit(status=source).can_move_to(target) is (target in AUDIT_MOVES[source])


@pytest.mark.parametrize("source,target", list(product(ReturnStatus.values, repeat=2)))
def test_return_can_move_to(source, target):
    assert PartAReturn(status=source).can_move_to(target) is (target in RETURN_MOVES[source])


def test_editable_returns_are_exactly_the_unsubmitted_ones():
    editable = {s for s in ReturnStatus.values if PartAReturn(status=s).is_editable}
    assert editable == {ReturnStatus.NOT_STARTED, ReturnStatus.DRAFT, ReturnStatus.RETURNED}


# --- Whose returns a user may read ---------------------------------------------------------
# The cast's world (conftest.py): `audit` (Part A, led by lead_officer) has agencies A (Police) and
# B (CSW) and two cases; `other_audit` (led by other_lead) has agency C (Youth) and one case.
# Agency C is also the lead officers', the manager's and the practitioner's own agency.

AUDIT_A = {f"cse-audit/Case {n}/{agency}" for n in (1, 2) for agency in ("Police", "CSW")}
POLICE = {f"cse-audit/Case {n}/Police" for n in (1, 2)}
CSW = {f"cse-audit/Case {n}/CSW" for n in (1, 2)}
YOUTH = {"neglect-audit/Case 1/Youth"}

VISIBLE_IN_PART_A = {
    "qa_manager": AUDIT_A | YOUTH,
    "lead_officer": AUDIT_A | YOUTH,
    "other_lead": YOUTH,
    "auditor": POLICE,
    "colleague": POLICE,
    "other_auditor": CSW,
    "manager": YOUTH,
    "practitioner": YOUTH,
    "administrator": set(),
    "anonymous": set(),
}

# In Part B the named auditors see the other agencies' submitted (or accepted) returns side by side,
# never a draft; nobody else gains anything (a colleague who is not the named auditor still sees only
# their agency's). The tests below submit Case 1's returns and leave Case 2's not started.
VISIBLE_IN_PART_B = VISIBLE_IN_PART_A | {
    "auditor": POLICE | {"cse-audit/Case 1/CSW"},
    "other_auditor": CSW | {"cse-audit/Case 1/Police"},
}


def visible(user) -> set[str]:
    returns = PartAReturn.objects.visible_to(user or AnonymousUser()).select_related("audit", "case", "agency")
    labels = [f"{r.audit.slug}/{r.case.reference}/{r.agency.short_name}" for r in returns]
    assert len(labels) == len(set(labels)), "visible_to returned a return twice"
    return set(labels)


@pytest.mark.parametrize("who", VISIBLE_IN_PART_A)
def test_visible_to_in_part_a(cast, audit, other_audit, who):
    assert visible(cast[who]) == VISIBLE_IN_PART_A[who]


@pytest.mark.parametrize("who", VISIBLE_IN_PART_B)
def test_visible_to_in_part_b(cast, audit, other_audit, who):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    PartAReturn.objects.filter(audit=audit, case__reference="Case 1").update(status=ReturnStatus.SUBMITTED)
    assert visible(cast[who]) == VISIBLE_IN_PART_B[who]


@pytest.mark.parametrize("status", [AuditStatus.REPORTING, AuditStatus.CLOSED])
@pytest.mark.parametrize("who", VISIBLE_IN_PART_A)
def test_visible_to_after_part_b_is_as_in_part_a(cast, audit, other_audit, who, status):
    """The evidence board closes to auditors after Part B (audits.access): so do other agencies' returns."""
    Audit.objects.filter(pk=audit.pk).update(status=status)
    PartAReturn.objects.filter(audit=audit).update(status=ReturnStatus.ACCEPTED)
    assert visible(cast[who]) == VISIBLE_IN_PART_A[who]


def test_a_deactivated_user_sees_nothing(cast, audit, other_audit):
    for who in ("qa_manager", "lead_officer", "auditor"):
        user = cast[who]
        user.is_active = False
        user.save()
        assert visible(user) == set(), who


@pytest.mark.parametrize("status", [AuditStatus.PLANNING, AuditStatus.PART_A])
def test_before_part_b_a_named_auditor_sees_only_their_agency(cast, audit, agency_a, agency_b, status):
    early = AuditFactory(slug="early", status=status)
    AuditAgencyFactory(audit=early, agency=agency_a, auditor=cast["auditor"])
    AuditAgencyFactory(audit=early, agency=agency_b, auditor=cast["other_auditor"])
    CaseFactory(audit=early, reference="Case 9")
    make_returns(early)
    assert visible(cast["auditor"]) == POLICE | {"early/Case 9/Police"}
    assert visible(cast["other_auditor"]) == CSW | {"early/Case 9/CSW"}
