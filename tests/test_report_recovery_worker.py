"""A real Celery worker picks up an insight report that the periodic sweep queues again after the worker
rendering it died: through the outbox and Redis, into the test database and private storage.

Run through scripts/test_services.py (make test): PostgreSQL, Redis and the worker are real.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from audits.models import AuditStatus, InsightReport, InsightReportKind, InsightReportStatus
from audits.services.insights import insight_reports_requeue_stalled
from audits.tests.factories import RecommendationFactory
from tests.fixtures_services import CeleryWorker, wait_for

pytestmark = pytest.mark.worker


@pytest.fixture
def worker_storage(celery_worker_process: CeleryWorker, settings, tmp_path) -> Iterator[Path]:
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = root
    celery_worker_process.restart({"PRIVATE_MEDIA_ROOT": str(root)})
    yield root
    celery_worker_process.restart()


def test_a_report_whose_worker_died_is_requeued_and_rendered_by_the_worker(
    transactional_db, audit, qa_manager, worker_storage, celery_worker_process
):
    audit.status = AuditStatus.REPORTING
    audit.save()
    RecommendationFactory(audit=audit, text="Rendered at last", due_date=timezone.localdate() + dt.timedelta(days=3))
    # As a worker killed mid-render leaves it (its message acknowledged at the time limit, or gone).
    report = InsightReport.objects.create(
        kind=InsightReportKind.BOARD,
        requested_by=qa_manager,
        status=InsightReportStatus.RENDERING,
        attempts=1,
        started_at=timezone.now() - dt.timedelta(hours=1),
    )
    with transaction.atomic():
        assert insight_reports_requeue_stalled() == [report.pk]
    assert wait_for(lambda: InsightReport.objects.get(pk=report.pk).is_finished), celery_worker_process.log()
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE and report.attempts == 2, report.error
    assert (worker_storage / report.file.name).read_bytes().startswith(b"%PDF")
