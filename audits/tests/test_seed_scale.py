"""seed_scale: the production-shaped data of the benchmark, at toy size."""

from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from agencies.models import Role, User
from audits.models import (
    Answer,
    AnswerType,
    Audit,
    AuditStatus,
    CaseJudgement,
    Finding,
    FindingKind,
    PartAReturn,
    PartBSession,
    Recommendation,
    ReturnStatus,
    RiskFactor,
    Section,
)
from audits.scale import ScaleSpec, seed_scale
from briefings.models import Briefing, BriefingVersion, Edition, RenderStatus

TINY = ScaleSpec(audits=2, agencies=3, cases=5, standards=6, open_audits=1, leads=2, password="tiny-bench-password")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_scale_builds_complete_audits_and_is_idempotent(media: Path):
    summary = seed_scale(TINY)

    audits = list(Audit.objects.order_by("slug"))
    assert [a.slug for a in audits] == ["scale-audit-001", "scale-audit-002", "scale-open-01"]
    completed, open_audit = audits[:2], audits[2]
    assert {a.status for a in completed} <= {AuditStatus.CLOSED, AuditStatus.REPORTING}
    assert open_audit.status == AuditStatus.PART_A
    assert PartAReturn.objects.count() == 3 * TINY.cases * TINY.agencies
    assert summary.created["audits"] == 3

    for audit in completed:
        returns = list(PartAReturn.objects.filter(audit=audit))
        assert {r.status for r in returns} == {ReturnStatus.ACCEPTED}
        for ret in returns:
            answers = Answer.objects.filter(part_a_return=ret)
            if ret.no_involvement:
                assert not answers.exists() and ret.no_involvement_reason
            else:
                assert answers.count() == TINY.standards and ret.overall_grade_id
                for answer in answers.select_related("standard"):
                    assert answer.is_answered
                    assert answer.not_applicable or answer.evidence
                    if answer.standard.answer_type == AnswerType.GRADE and not answer.not_applicable:
                        assert answer.grade_id
        sections = Section.objects.filter(version=audit.tool_version).count()
        assert PartBSession.objects.filter(audit=audit).exists()
        assert CaseJudgement.objects.filter(case__audit=audit).count() == TINY.cases * (sections + 1)
        assert {f.kind for f in Finding.objects.filter(audit=audit)} == set(FindingKind.values)
        assert Recommendation.objects.filter(audit=audit).count() == 5
        assert set(Briefing.objects.filter(audit=audit).values_list("edition", flat=True)) == set(Edition.values)
        for version in BriefingVersion.objects.filter(briefing__audit=audit):
            assert version.status == RenderStatus.DONE and version.pages >= 1
            pdf = Path(version.file.path)
            assert pdf.is_relative_to(media) and pdf.read_bytes().startswith(b"%PDF-")
    # Some agencies had no involvement, somewhere: the shape of real returns.
    assert PartAReturn.objects.filter(no_involvement=True).exists()

    # The open audit: drafts (part-answered, with history for autosave's conflict check) and other states.
    statuses = set(PartAReturn.objects.filter(audit=open_audit).values_list("status", flat=True))
    assert {ReturnStatus.DRAFT, ReturnStatus.NOT_STARTED, ReturnStatus.SUBMITTED} <= statuses
    draft = PartAReturn.objects.filter(audit=open_audit, status=ReturnStatus.DRAFT).first()
    assert 0 < Answer.objects.filter(part_a_return=draft).count() < TINY.standards
    assert PartAReturn.history.filter(id=draft.pk, version=draft.version).exists()
    assert Answer.history.filter(part_a_return_id=draft.pk).count() == draft.answers.count()
    assert not Briefing.objects.filter(audit=open_audit).exists()

    # People: one QA manager, lead officers, an auditor and a manager per agency, one known password.
    assert User.objects.get(username="scale.qa").role == Role.QA_MANAGER
    assert open_audit.participants.filter(auditor__username="scale.auditor.1").exists()
    assert User.objects.filter(username__startswith="scale.lead.").count() == 2
    assert User.objects.filter(username__startswith="scale.manager.").count() == TINY.agencies
    assert User.objects.get(username="scale.auditor.2").check_password(TINY.password)

    # Running it again creates nothing at all.
    before = row_counts()
    again = seed_scale(TINY)
    assert row_counts() == before
    assert not again.created and again.skipped_audits == 3


@pytest.mark.django_db
def test_seed_scale_is_seeded(media: Path):
    """The same seed gives the same data: grades of the first completed audit, in order."""
    seed_scale(ScaleSpec(audits=1, agencies=2, cases=2, standards=4, open_audits=0, seed=7))
    first = list(
        Answer.objects.order_by(
            "part_a_return__case__order", "part_a_return__agency__name", "standard__order"
        ).values_list("grade__code", "evidence")
    )
    Audit.objects.all().delete()
    seed_scale(ScaleSpec(audits=1, agencies=2, cases=2, standards=4, open_audits=0, seed=7))
    second = list(
        Answer.objects.order_by(
            "part_a_return__case__order", "part_a_return__agency__name", "standard__order"
        ).values_list("grade__code", "evidence")
    )
    assert first == second and first


@pytest.mark.django_db
def test_seed_scale_command(media: Path, capsys):
    call_command("seed_scale", audits=1, agencies=2, cases=1, standards=3, open=0, password="another-password")
    assert "Scale partnership seeded" in capsys.readouterr().out
    assert Audit.objects.get().slug == "scale-audit-001"
    call_command("seed_scale", audits=1, agencies=2, cases=1, standards=3, open=0, password="another-password")
    assert "nothing new" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_scale_runs_on_top_of_the_demo(media: Path, settings):
    """The demo has "Drug and alcohol misuse" under another slug than seed_scale's: seed_scale uses
    it instead of failing on the unique name."""
    settings.DEMO = True
    call_command("load_demo", stdout=StringIO())
    demo_factor = RiskFactor.objects.get(name="Drug and alcohol misuse")

    seed_scale(ScaleSpec(audits=1, agencies=2, cases=1, standards=3, open_audits=0))

    assert RiskFactor.objects.get(name="Drug and alcohol misuse") == demo_factor
    assert Audit.objects.filter(slug="scale-audit-001").exists()
