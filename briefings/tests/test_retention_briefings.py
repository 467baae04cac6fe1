"""Retention reaches the published full reports: the consensus reasons about each case go from
their content and their PDFs, which are made again from what is left."""

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from agencies.models import Partnership
from audits.models import AuditStatus
from audits.services.retention import audit_purge_case_detail
from briefings.models import Edition, RenderStatus

from .support import pdf_text, squash

REASONS = "Good multi-agency response overall."


def test_purge_takes_the_consensus_reasons_out_of_published_full_reports(
    findings_audit, make_briefing, publish_rendered, django_capture_on_commit_callbacks
):
    full = publish_rendered(make_briefing(Edition.FULL_REPORT))
    managers = publish_rendered(make_briefing(Edition.MANAGERS))
    assert full.status == managers.status == RenderStatus.DONE
    assert REASONS in squash(pdf_text(Path(full.file.path)))
    managers_rendered_at = managers.rendered_at

    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    findings_audit.status = AuditStatus.CLOSED
    findings_audit.closed_at = timezone.now() - timedelta(days=25 * 31)
    findings_audit.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = audit_purge_case_detail(audit=findings_audit)

    assert result.briefing_versions == 1
    full.refresh_from_db()
    assert full.status == RenderStatus.DONE and full.attempts == 1
    rows = full.content["case_judgements"]["rows"]
    assert rows and all(row["reasons"] == "" for row in rows)
    assert any(row["overall"] for row in rows)  # the grades stay, as they do in the audit
    text = squash(pdf_text(Path(full.file.path)))
    assert REASONS not in text
    assert "Case 1" in text
    managers.refresh_from_db()
    assert managers.rendered_at == managers_rendered_at  # nothing case-level in it: left as it was

    # A second purge (nothing left to take out) changes nothing.
    assert audit_purge_case_detail(audit=findings_audit).briefing_versions == 0
