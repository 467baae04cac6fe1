"""At-least-once delivery of renders: Redis redelivers a message whose worker died, the requeue sweep
and a double Retry queue the same render twice. Only a queued row is claimed, and a run keeps its
outcome only while the row is still its claim."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from agencies.models import Partnership
from audits.models import AuditStatus
from audits.services.retention import audit_purge_case_detail
from briefings import services
from briefings.models import BriefingVersion, Edition, RenderStatus, briefing_upload_to
from briefings.tasks import render_briefing_version

from .support import pdf_text, render_version_with, squash

pytestmark = pytest.mark.django_db

REASONS = "Good multi-agency response overall."  # a case judgement's consensus reasons (support.add_findings)


def real_render(version: BriefingVersion):
    from briefings.rendering import render_pdf

    return render_pdf(version.content)


def test_a_second_copy_of_the_message_leaves_a_render_in_progress_alone(make_briefing, qa_manager):
    """A redelivered message (its worker died, or was killed by the render itself) or a second Retry
    arrives while the version is claimed: no second render, no second attempt — a render that kills
    its worker is not redelivered for ever; the sweep requeues it and gives up after MAX_ATTEMPTS."""
    version = services.briefing_publish(briefing=make_briefing(), user=qa_manager)
    started = timezone.now()
    BriefingVersion.objects.filter(pk=version.pk).update(status=RenderStatus.RENDERING, attempts=1, started_at=started)

    assert render_briefing_version.apply(args=[version.pk]).get() is None
    version.refresh_from_db()
    assert (version.status, version.attempts, version.started_at, version.file.name) == (
        RenderStatus.RENDERING,
        1,
        started,
        "",
    )
    assert not default_storage.exists(briefing_upload_to(version, "briefing.pdf"))


def test_a_failed_version_is_not_rendered_by_a_stray_copy(make_briefing, qa_manager):
    """A failed render stays failed, with its reason, until somebody presses Retry."""
    version = services.briefing_publish(briefing=make_briefing(), user=qa_manager)
    BriefingVersion.objects.filter(pk=version.pk).update(status=RenderStatus.FAILED, attempts=1, error="It broke.")
    render_briefing_version.apply(args=[version.pk])
    version.refresh_from_db()
    assert (version.status, version.attempts, version.error) == (RenderStatus.FAILED, 1, "It broke.")


def test_a_run_that_lost_its_claim_does_not_fail_the_render_that_took_over(make_briefing, qa_manager):
    version = services.briefing_publish(briefing=make_briefing(), user=qa_manager)
    taken_over = timezone.now() + timedelta(seconds=1)

    def dies(obj: BriefingVersion):
        # Meanwhile the version was queued again and another worker claimed it.
        BriefingVersion.objects.filter(pk=obj.pk).update(attempts=2, started_at=taken_over)
        raise RuntimeError("the first worker's render broke")

    assert render_version_with(version, dies) is None
    version.refresh_from_db()
    assert (version.status, version.attempts, version.error) == (RenderStatus.RENDERING, 2, "")


def test_a_render_overtaken_by_the_retention_purge_stores_nothing_with_the_purged_reasons(
    findings_audit, make_briefing, qa_manager, django_capture_on_commit_callbacks
):
    """The purge takes the consensus reasons out of a full report while a worker is rendering it
    from the content that still holds them: that PDF is never stored; the purge's own render is."""
    with django_capture_on_commit_callbacks(execute=False):
        version = services.briefing_publish(briefing=make_briefing(Edition.FULL_REPORT), user=qa_manager)
    assert REASONS in str(version.content["case_judgements"])
    Partnership.objects.update_or_create(pk=1, defaults={"retention_months": 24})
    findings_audit.status = AuditStatus.CLOSED
    findings_audit.closed_at = timezone.now() - timedelta(days=25 * 31)
    findings_audit.save()

    purge_queued = []

    def overtaken(obj: BriefingVersion):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert audit_purge_case_detail(audit=findings_audit).briefing_versions == 1
        purge_queued.extend(callbacks)
        return real_render(obj)  # the content it was claimed with, reasons included

    assert render_version_with(version, overtaken) is None
    version.refresh_from_db()
    assert version.status == RenderStatus.QUEUED and version.file.name == ""
    assert not default_storage.exists(briefing_upload_to(version, "briefing.pdf"))

    for callback in purge_queued:  # the purge's render, queued once it committed (eager here)
        callback()
    version.refresh_from_db()
    assert version.status == RenderStatus.DONE
    text = squash(pdf_text(Path(version.file.path)))
    assert REASONS not in text and "Case 1" in text
