"""A real Celery worker renders the board report and sends an owner's weekly digest, through Redis.

Run through scripts/test_services.py (make test): PostgreSQL, Redis and the worker are real.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from audits.models import (
    AuditStatus,
    InsightReport,
    InsightReportKind,
    InsightReportStatus,
    RecommendationReminder,
)
from audits.services.insights import insight_report_request
from audits.tasks import send_recommendation_reminders
from audits.tests.factories import RecommendationFactory
from tests.fixtures_services import CeleryWorker, wait_for

pytestmark = pytest.mark.worker


@pytest.fixture
def worker_env(celery_worker_process: CeleryWorker, settings, tmp_path) -> Iterator[Path]:
    """The worker and this test share a throwaway PRIVATE_MEDIA_ROOT and a file mailbox."""
    root, mail = tmp_path / "private", tmp_path / "mail"
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = root
    celery_worker_process.restart(
        {
            "PRIVATE_MEDIA_ROOT": str(root),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail),
        }
    )
    yield mail
    celery_worker_process.restart()


def test_the_worker_renders_the_board_report(transactional_db, audit, qa_manager, worker_env):
    audit.status = AuditStatus.REPORTING
    audit.save()
    RecommendationFactory(
        audit=audit, text="Overdue at the worker", due_date=timezone.localdate() - dt.timedelta(days=3)
    )
    with transaction.atomic():
        report = insight_report_request(user=qa_manager, kind=InsightReportKind.BOARD)

    assert wait_for(lambda: InsightReport.objects.get(pk=report.pk).is_finished), "the report was not rendered"
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE, report.error
    with report.file.open("rb") as handle:
        text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(handle.read())).pages)
    assert "Overdue at the worker" in text and "3 days overdue" in text


def test_the_worker_sends_the_reminders(transactional_db, audit, worker_env):
    audit.status = AuditStatus.REPORTING
    audit.save()
    rec = RecommendationFactory(audit=audit, owner_email="owner@example.org", due_date=timezone.localdate())

    send_recommendation_reminders.delay()  # no result backend: wait for its effects

    assert wait_for(lambda: RecommendationReminder.objects.filter(recommendation=rec).exists())
    # The mail file is created before it is written: wait for what it must say, not for the file.
    body = lambda: " ".join("".join(path.read_text() for path in worker_env.glob("*.log")).split())  # noqa: E731 - headers unfolded
    assert wait_for(lambda: "1 recommendation due soon or overdue" in body()), body()
    assert "owner@example.org" in body()
