"""Migration 0010 marks the findings promoted before it (test_partb_promote_per_text checks what it marks)
in a few queries whatever the number of findings and of the returns' history rows: it read each finding's
first text, and every history row of each return it cites (an autosave writes one each time, hundreds a
return), one finding at a time, and wrote each finding marked by an UPDATE of its own: on a production
database, thousands of queries reading the text of every draft ever saved."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.models import Audit, AuditStatus, Finding, FindingKind, PartAReturn
from audits.selectors.partb import edit_marker
from audits.services.partb import finding_promote
from audits.tests.partb_support import complete_return

pytestmark = pytest.mark.django_db

migration = importlib.import_module("audits.migrations.0010_finding_promoted_text")


def queries_to_mark(findings: list[Finding]) -> int:
    Finding.objects.filter(pk__in=[f.pk for f in findings]).update(promoted_from=None, promoted_marker="")
    with CaptureQueriesContext(connection) as queries:
        migration.promoted_texts(apps, None)
    return len(queries)


def test_the_migration_reads_a_few_queries_however_many_findings(audit, qa_manager):
    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    returns = list(PartAReturn.objects.filter(audit=audit).select_related("case", "agency").order_by("pk"))
    findings = []
    for n, ret in enumerate(returns):
        complete_return(ret, ranks=1, strengths=f"Shared the referral at once ({n}).")
        for draft in range(3):  # saves in between, as autosaves write history rows
            ret.improvements = f"Draft {draft}"
            ret.save()
        finding, _created = finding_promote(
            user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH
        )
        findings.append(finding)
    assert len(findings) == 4

    one = queries_to_mark(findings[:1])
    every = queries_to_mark(findings)

    assert every == one
    for finding, ret in zip(findings, returns, strict=True):
        finding.refresh_from_db()
        assert (finding.promoted_from_id, finding.promoted_marker) == (ret.pk, edit_marker(ret.strengths))


def test_the_migration_runs_with_the_models_as_of_it(audit, qa_manager):
    """With the models as the migration sees them (its historical state), not today's."""
    from django.db.migrations.executor import MigrationExecutor

    Audit.objects.filter(pk=audit.pk).update(status=AuditStatus.PART_B)
    ret = PartAReturn.objects.select_related("case", "agency").filter(audit=audit).order_by("pk").first()
    complete_return(ret, ranks=1, strengths="Shared the referral at once.")
    finding, _created = finding_promote(
        user=qa_manager, part_a_return=ret, field="strengths", kind=FindingKind.STRENGTH
    )
    Finding.objects.filter(pk=finding.pk).update(promoted_from=None, promoted_marker="")
    state = MigrationExecutor(connection).loader.project_state(("audits", "0010_finding_promoted_text"))

    migration.promoted_texts(state.apps, None)

    finding.refresh_from_db()
    assert (finding.promoted_from_id, finding.promoted_marker) == (ret.pk, edit_marker(ret.strengths))
