"""What else the retention purge removes (on PostgreSQL, as in production): the Part B session's notes,
which are about the cases discussed."""

import pytest
from django.core.management import call_command
from django.db import connection

from agencies.models import AccessRecord, Partnership
from audits.models import PartBSession
from audits.services.retention import audit_purge_case_detail
from audits.tests.test_retention import closed_audit  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def retention(db):
    assert connection.vendor == "postgresql"
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})


def test_the_purge_clears_the_session_notes_and_counts_them(closed_audit):  # noqa: F811
    PartBSession.objects.create(
        audit=closed_audit, venue="Room 4", chair="Dr Shah", notes="Case 2: mother's new partner not checked."
    )
    result = audit_purge_case_detail(audit=closed_audit)
    session = PartBSession.objects.get(audit=closed_audit)
    assert (session.notes, session.venue, session.chair) == ("", "Room 4", "Dr Shah")
    assert result.session_notes == 1
    record = AccessRecord.objects.get(action="purge", object_id=str(closed_audit.pk))
    assert "the Part B session's notes" in record.summary


def test_the_command_says_how_many_session_notes_it_cleared(closed_audit, capsys):  # noqa: F811
    PartBSession.objects.create(audit=closed_audit, notes="Case 1 discussed at length.")
    call_command("purge_expired")
    assert "1 Part B session notes" in capsys.readouterr().out


def test_the_purge_deletes_the_risk_factor_history_of_the_returns(closed_audit):  # noqa: F811
    """simple-history's m2m history table points at the history rows with no constraint (DO_NOTHING):
    deleting those left every return's risk factors, as each history row held them, behind."""
    from django.apps import apps

    from audits.models import PartAReturn
    from audits.tests.factories import RiskFactorFactory

    risk_history = apps.get_model("audits", "HistoricalPartAReturn_risk_factors")
    for ret in PartAReturn.objects.filter(audit=closed_audit):
        ret.risk_factors.add(RiskFactorFactory())  # one history row per change, with its risk factors
        ret.save()
    return_ids = list(PartAReturn.objects.filter(audit=closed_audit).values_list("pk", flat=True))
    assert risk_history.objects.filter(partareturn_id__in=return_ids).exists()
    other = PartAReturn.objects.exclude(audit=closed_audit).first()
    kept = risk_history.objects.filter(partareturn=other).count() if other else 0

    audit_purge_case_detail(audit=closed_audit)

    assert not risk_history.objects.filter(partareturn_id__in=return_ids).exists()
    assert not risk_history.objects.filter(history__id__in=return_ids).exists()
    if other:
        assert risk_history.objects.filter(partareturn=other).count() == kept


def test_the_dry_run_says_what_each_audit_would_lose_and_changes_nothing(closed_audit, capsys):  # noqa: F811
    from audits.models import Answer, PartAReturn

    PartBSession.objects.create(audit=closed_audit, notes="Case 1 discussed at length.")
    call_command("purge_expired", "--dry-run")
    out = capsys.readouterr().out
    # The fixture: 4 returns with texts and a risk factor each, 4 answers with evidence, 1 judgement
    # with reasons, 1 case with a risk factor; no published full report.
    assert (
        "Would purge: cse-audit (closed " in out
        and "the texts of 4 returns, the evidence of 4 answers, the reasons of 1 consensus judgements, "
        "5 risk factor flags, 1 Part B session notes, 0 earlier versions of findings and recommendations; "
        "0 published full report version(s) to be made again."
        in out
    )
    assert not PartAReturn.objects.filter(audit=closed_audit, strengths="").exists()
    assert not Answer.objects.filter(part_a_return__audit=closed_audit, evidence="").exists()
    assert PartBSession.objects.get(audit=closed_audit).notes

    # What the purge then removes is what the dry run said.
    result = audit_purge_case_detail(audit=closed_audit)
    assert (result.returns, result.answers, result.judgements, result.risk_factors, result.session_notes) == (
        4,
        4,
        1,
        5,
        1,
    )


def test_the_purge_deletes_the_earlier_versions_of_findings_and_recommendations(closed_audit):  # noqa: F811
    """An identifier edited out of a finding stayed in its change history for good."""
    from django.apps import apps

    from audits.models import Finding, Recommendation
    from audits.tests.factories import AuditFactory, FindingFactory, RecommendationFactory, RiskFactorFactory

    finding = FindingFactory(audit=closed_audit, body="Seen at BN1 1AA by the duty team.")
    finding.risk_factors.add(RiskFactorFactory())  # an m2m history row for this version
    finding.body = "Seen at home by the duty team."
    finding.save()
    gone = FindingFactory(audit=closed_audit, body="Her NHS number 943 476 5919 was shared.")
    gone_pk = gone.pk
    gone.delete()
    rec = RecommendationFactory(audit=closed_audit, text="Call 07700 900123 first.")
    rec.text = "Call the MASH first."
    rec.save()
    elsewhere = FindingFactory(audit=AuditFactory(), body="Another audit's first version.")
    elsewhere.body = "Another audit's second version."
    elsewhere.save()
    finding_m2m = apps.get_model("audits", "HistoricalFinding_risk_factors")
    stale_history_ids = list(
        Finding.history.filter(id__in=[finding.pk, gone_pk])
        .exclude(body=finding.body)
        .values_list("history_id", flat=True)
    )
    assert finding_m2m.objects.filter(history_id__in=stale_history_ids).exists()

    result = audit_purge_case_detail(audit=closed_audit)

    texts = set(Finding.history.filter(audit_id=closed_audit.pk).values_list("body", flat=True))
    assert "Seen at home by the duty team." in texts and "Kept after the purge." in texts
    assert not any("BN1" in t or "943" in t for t in texts)
    assert list(Recommendation.history.filter(id=rec.pk).values_list("text", flat=True)) == ["Call the MASH first."]
    assert Finding.history.filter(id=finding.pk).count() == 1  # the current version stays
    assert not finding_m2m.objects.filter(history_id__in=stale_history_ids).exists()
    assert Finding.history.filter(id=elsewhere.pk).count() == 2  # another audit's history is not touched
    assert result.earlier_versions == len(stale_history_ids) + 1  # the recommendation's first version
    assert Finding.objects.get(pk=finding.pk).body == "Seen at home by the duty team."


def test_the_purge_counts_what_held_text_as_the_dry_run_does(closed_audit):  # noqa: F811
    """Returns, answers and judgements with nothing written in them are not counted as texts removed: the
    access log's "Case-level detail removed: …" says what the dry run said it would remove."""
    from audits.models import Answer, CaseJudgement, PartAReturn
    from audits.services.retention import audit_purge_preview

    empty = PartAReturn.objects.filter(audit=closed_audit).first()
    empty.strengths = empty.improvements = ""
    empty.save()
    Answer.objects.filter(part_a_return=empty).update(evidence="")
    case = closed_audit.cases.exclude(pk=CaseJudgement.objects.get().case_id).first()
    CaseJudgement.objects.create(case=case, grade=CaseJudgement.objects.get().grade, reasons="")

    preview = audit_purge_preview(audit=closed_audit)
    assert (preview.returns, preview.answers, preview.judgements) == (3, 3, 1)

    result = audit_purge_case_detail(audit=closed_audit)
    assert (result.returns, result.answers, result.judgements) == (3, 3, 1)
    record = AccessRecord.objects.get(action="purge", object_id=str(closed_audit.pk))
    assert record.summary.startswith("Case-level detail removed: 3 returns, 3 answers, 1 judgements")
