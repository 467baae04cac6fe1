from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from agencies.models import AccessRecord, Partnership
from audits.models import Answer, AuditStatus, CaseJudgement, PartAReturn
from audits.tests.factories import FindingFactory, RiskFactorFactory


@pytest.fixture
def closed_audit(audit):
    """`audit` closed 25 months ago with free text in its returns, answers, judgements and history."""
    risk = RiskFactorFactory(name="Missing episodes", slug="missing")
    grade = audit.tool_version.scale.grades.get(rank=2)
    standard = audit.tool_version.sections.first().standards.first()
    for r in PartAReturn.objects.filter(audit=audit):
        r.strengths = "Prompt strategy meeting after the missing episode."
        r.improvements = "Screening tool not used."
        r.save()
        r.risk_factors.add(risk)
        Answer.objects.create(
            part_a_return=r, standard=standard, grade=grade, evidence="Seen on 3 March by the duty team."
        )
    case = audit.cases.first()
    case.risk_factors.add(risk)
    CaseJudgement.objects.create(case=case, grade=grade, reasons="All agencies agreed.")
    FindingFactory(audit=audit, heading="Timely information sharing", body="Kept after the purge.")
    audit.status = AuditStatus.CLOSED
    audit.closed_at = timezone.now() - timedelta(days=25 * 31)
    audit.save()
    return audit


def test_purge_removes_free_text_and_history_but_keeps_grades_and_findings(closed_audit):
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    call_command("purge_expired")

    closed_audit.refresh_from_db()
    assert closed_audit.purged_at is not None
    returns = PartAReturn.objects.filter(audit=closed_audit)
    assert returns.count() == 4
    assert set(returns.values_list("strengths", "improvements")) == {("", "")}
    assert not PartAReturn.risk_factors.through.objects.filter(partareturn__audit=closed_audit).exists()
    answers = Answer.objects.filter(part_a_return__audit=closed_audit)
    assert set(answers.values_list("evidence", flat=True)) == {""}
    assert answers.filter(grade__rank=2).count() == 4  # aggregates still add up
    assert CaseJudgement.objects.get(case__audit=closed_audit).reasons == ""
    assert not closed_audit.cases.first().risk_factors.exists()
    # Earlier copies of the texts in the change history are gone too.
    assert not PartAReturn.history.filter(audit_id=closed_audit.pk).exists()
    assert not Answer.history.filter(part_a_return__audit=closed_audit).exists()
    assert closed_audit.findings.get().body == "Kept after the purge."
    assert AccessRecord.objects.filter(action="purge", object_id=str(closed_audit.pk)).count() == 1


def test_dry_run_changes_nothing_and_unexpired_audits_are_kept(closed_audit, capsys):
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    call_command("purge_expired", "--dry-run")
    assert "Would purge: cse-audit" in capsys.readouterr().out
    assert PartAReturn.objects.filter(audit=closed_audit, strengths="").count() == 0

    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 36})
    call_command("purge_expired")
    assert "No audit is past its retention period." in capsys.readouterr().out
    closed_audit.refresh_from_db()
    assert closed_audit.purged_at is None


def test_open_audits_are_never_purged(audit):
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 0})
    call_command("purge_expired")
    audit.refresh_from_db()
    assert audit.purged_at is None
