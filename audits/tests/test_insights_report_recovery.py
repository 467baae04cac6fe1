"""An insight report whose worker died mid-render (killed at the hard time limit, an OOM kill, a restart)
does not say "Rendering" for ever: the periodic sweep queues it again, and fails it after
MAX_ATTEMPTS, when the page offers Retry."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditStatus, InsightReport, InsightReportKind, InsightReportStatus
from audits.tasks import requeue_stalled_reports
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in
from briefings.services import MAX_ATTEMPTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


def left_rendering(user, *, attempts: int, ago: dt.timedelta) -> InsightReport:
    """A report as a worker that died while rendering it leaves it."""
    return InsightReport.objects.create(
        kind=InsightReportKind.BOARD,
        requested_by=user,
        status=InsightReportStatus.RENDERING,
        attempts=attempts,
        started_at=timezone.now() - ago,
    )


def test_the_sweep_runs_on_celery_beat():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule.get("audits.tasks.requeue_stalled_reports") == 120


def test_a_report_left_rendering_by_a_dead_worker_is_rendered_again(
    qa_manager, media, django_capture_on_commit_callbacks
):
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit 2026")
    RecommendationFactory(audit=audit, text="Open thing", due_date=timezone.localdate() + dt.timedelta(days=40))
    dead = left_rendering(qa_manager, attempts=1, ago=dt.timedelta(hours=1))
    # Still within the hard time limit: its worker may be rendering it now.
    running = left_rendering(qa_manager, attempts=1, ago=dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT - 10))

    with django_capture_on_commit_callbacks(execute=True):  # the render goes through the outbox (eager here)
        assert requeue_stalled_reports.apply().get() == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == InsightReportStatus.DONE and dead.attempts == 2, dead.error
    running.refresh_from_db()
    assert running.status == InsightReportStatus.RENDERING and running.attempts == 1

    # A second sweep (beat fires twice around a restart) finds nothing more to do.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert requeue_stalled_reports.apply().get() == []
    assert callbacks == []


def test_a_report_that_keeps_dying_is_failed_and_offers_retry(client, qa_manager, media):
    hopeless = left_rendering(qa_manager, attempts=MAX_ATTEMPTS, ago=dt.timedelta(hours=1))
    assert requeue_stalled_reports.apply().get() == []
    hopeless.refresh_from_db()
    assert hopeless.status == InsightReportStatus.FAILED
    assert hopeless.error == f"The report did not finish after {MAX_ATTEMPTS} attempts."

    client.force_login(qa_manager)
    status = client.get(reverse("audits:insights_report_status", args=[hopeless.pk])).content.decode()
    retry = reverse("audits:insights_report_retry", args=[hopeless.pk])
    assert "did not finish" in status and f'action="{retry}"' in status and "hx-trigger" not in status
