"""A real Celery worker picks up an insight report that the periodic sweep queues again after the worker
rendering it died, or after Redis lost its message: through the outbox and Redis, into the test database
and private storage.

Run through scripts/test_services.py (make test): PostgreSQL, Redis and the worker are real.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from agencies.models import OutboxMessage
from audits.models import AuditStatus, InsightReport, InsightReportKind, InsightReportStatus
from audits.services.insights import insight_report_request, insight_reports_requeue_stalled
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


def test_a_report_whose_message_redis_lost_is_queued_again_and_rendered_by_the_worker(
    transactional_db, audit, qa_manager, worker_storage, celery_worker_process
):
    audit.status = AuditStatus.REPORTING
    audit.save()
    RecommendationFactory(audit=audit, text="Rendered at last", due_date=timezone.localdate() + dt.timedelta(days=3))
    # Asked for while the worker is away; then Redis loses what it held (flushed, or restarted without its
    # data): the report was saved queued and its message published, but no worker will ever receive it.
    celery_worker_process.stop()
    with transaction.atomic():
        report = insight_report_request(user=qa_manager, kind=InsightReportKind.BOARD)
    assert OutboxMessage.objects.get(task="audits.tasks.render_insight_report", args=[report.pk]).sent_at
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    assert broker.llen("celery") == 1
    broker.flushdb()
    celery_worker_process.start({"PRIVATE_MEDIA_ROOT": str(worker_storage)})
    assert not wait_for(lambda: InsightReport.objects.get(pk=report.pk).status != InsightReportStatus.QUEUED, 3)

    # Too soon for the sweep: the message may still be on its way.
    assert insight_reports_requeue_stalled() == []
    # Two minutes on, the periodic sweep (called here rather than waiting for beat) queues it again.
    InsightReport.objects.filter(pk=report.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=3))
    with transaction.atomic():
        assert insight_reports_requeue_stalled() == [report.pk]
    assert wait_for(lambda: InsightReport.objects.get(pk=report.pk).is_finished), celery_worker_process.log()
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE and report.attempts == 1, report.error
    assert (worker_storage / report.file.name).read_bytes().startswith(b"%PDF")
