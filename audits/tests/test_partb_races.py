"""Two Part B saves at the same moment (the QA manager's two tabs, or the QA manager and the lead
officer): the second waits for the first and then sees it. Neither overwrites the other unseen, and
a list's places stay one each."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from audits.models import Audit, AuditStatus, CaseJudgement, Finding, FindingKind, Grade, Recommendation, Section
from audits.services.partb import (
    CONSENSUS_CONFLICT,
    CONSENSUS_SAVED,
    ConsensusEntry,
    finding_add,
    judgements_record,
    recommendation_add,
)
from audits.tests.concurrency_support import at_once


@pytest.fixture
def in_part_b(audit) -> Audit:
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    return Audit.objects.select_related("tool_version").get(pk=audit.pk)


@pytest.mark.django_db(transaction=True)
def test_two_first_judgements_of_a_stage_at_once_record_one_and_refuse_the_other(in_part_b, qa_manager, lead_officer):
    assert connection.vendor == "postgresql"  # about its row locks
    case = in_part_b.cases.select_related("audit__tool_version").get(reference="Case 1")
    stage = Section.objects.filter(version=in_part_b.tool_version).order_by("order").first()
    grade = Grade.objects.filter(scale_id=in_part_b.tool_version.scale_id).order_by("rank").first()

    def save(user, reasons):
        # Both boards were opened before any judgement of the stage: they showed none ("").
        entry = ConsensusEntry(section=stage, prefix=f"stage-{stage.pk}", label=stage.title, grade=grade, shown="")
        entry.reasons = reasons
        return lambda: judgements_record(user=user, case=case, entries=[entry])[0]

    outcomes = at_once({"qa": save(qa_manager, "The QA manager's reasons."), "lead": save(lead_officer, "The lead's.")})
    by_outcome = {entry.outcome: entry for entry in outcomes.values()}
    assert sorted(by_outcome) == [CONSENSUS_CONFLICT, CONSENSUS_SAVED], outcomes
    # The one recorded is the one said to be saved; the other is kept on its board as typed, not lost.
    assert CaseJudgement.objects.get(case=case, section=stage).reasons == by_outcome[CONSENSUS_SAVED].reasons


@pytest.mark.django_db(transaction=True)
def test_two_findings_added_at_once_take_a_place_each(in_part_b, qa_manager, lead_officer):
    assert connection.vendor == "postgresql"
    kind = FindingKind.KEY_MESSAGE

    def add(user, body):
        return lambda: finding_add(user=user, audit=in_part_b, kind=kind, body=body)

    outcomes = at_once({"qa": add(qa_manager, "Share early."), "lead": add(lead_officer, "Listen to the child.")})
    assert all(isinstance(o, Finding) for o in outcomes.values()), outcomes
    assert sorted(Finding.objects.filter(audit=in_part_b, kind=kind).values_list("order", flat=True)) == [0, 1]


@pytest.mark.django_db(transaction=True)
def test_two_recommendations_added_at_once_take_a_place_each(in_part_b, qa_manager, lead_officer):
    assert connection.vendor == "postgresql"
    due = timezone.localdate() + datetime.timedelta(days=90)

    def add(user, text):
        return lambda: recommendation_add(user=user, audit=in_part_b, text=text, owner="CSE group", due_date=due)

    outcomes = at_once({"qa": add(qa_manager, "Review plans."), "lead": add(lead_officer, "Train staff.")})
    assert all(isinstance(o, Recommendation) for o in outcomes.values()), outcomes
    assert sorted(Recommendation.objects.filter(audit=in_part_b).values_list("order", flat=True)) == [0, 1]
