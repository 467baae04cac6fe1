"""An insight report whose worker died mid-render (killed at the hard time limit, an OOM kill, a restart)
does not say "Rendering" for ever, nor one whose message was lost "Queued": the periodic sweep queues it
again, and fails it after MAX_ATTEMPTS, when the page offers Retry; one waiting long offers Retry now."""

import contextlib
import datetime as dt
import re
import socket
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessRecord, OutboxMessage
from audits.models import AuditStatus, InsightReport, InsightReportKind, InsightReportStatus
from audits.services.insights import insight_report_request
from audits.tasks import requeue_stalled_reports
from audits.tests.factories import RecommendationFactory
from audits.tests.insights_support import audit_in
from briefings.services import MAX_ATTEMPTS, QUEUED_STALE_AFTER
from tests.celery_broker import publish_to

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
    audit_in(2026)  # there is an audit to run: the board report is the QA manager's to see
    hopeless = left_rendering(qa_manager, attempts=MAX_ATTEMPTS, ago=dt.timedelta(hours=1))
    assert requeue_stalled_reports.apply().get() == []
    hopeless.refresh_from_db()
    assert hopeless.status == InsightReportStatus.FAILED
    assert hopeless.error == f"The report did not finish after {MAX_ATTEMPTS} attempts."

    client.force_login(qa_manager)
    status = client.get(reverse("audits:insights_report_status", args=[hopeless.pk])).content.decode()
    retry = reverse("audits:insights_report_retry", args=[hopeless.pk])
    assert "did not finish" in status and f'action="{retry}"' in status and "hx-trigger" not in status


# --- A report whose message was lost: it stays queued (Redis down or flushed after it was saved) ------------


def left_queued(user, *, ago: dt.timedelta) -> InsightReport:
    """A report as it is left when its message is lost: saved queued, its task never delivered."""
    return InsightReport.objects.create(
        kind=InsightReportKind.BOARD,
        requested_by=user,
        queued_at=timezone.now() - ago,
        requested_at=timezone.now() - ago,
    )


def test_a_report_is_queued_at_the_time_it_is_asked_for(qa_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = insight_report_request(user=qa_manager, kind=InsightReportKind.BOARD)
    assert report.queued_at is not None and report.queued_at == report.requested_at
    assert report.waiting_seconds < 5 and not report.offers_retry_now


def test_a_report_whose_message_was_lost_is_queued_again_by_the_sweep(
    qa_manager, media, django_capture_on_commit_callbacks
):
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit 2026")
    RecommendationFactory(audit=audit, text="Open thing", due_date=timezone.localdate() + dt.timedelta(days=40))
    lost = left_queued(qa_manager, ago=QUEUED_STALE_AFTER + dt.timedelta(seconds=10))
    # Queued a moment ago: its message may still be on its way to the worker.
    fresh = left_queued(qa_manager, ago=dt.timedelta(seconds=30))

    with django_capture_on_commit_callbacks(execute=True):  # through the outbox (eager here)
        assert requeue_stalled_reports.apply().get() == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == InsightReportStatus.DONE and lost.attempts == 1, lost.error
    fresh.refresh_from_db()
    assert fresh.status == InsightReportStatus.QUEUED and fresh.attempts == 0


def test_a_report_stuck_queued_offers_retry_now_and_its_poll_keeps_the_line_until_then(
    client, qa_manager, media, django_capture_on_commit_callbacks
):
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit 2026")
    RecommendationFactory(audit=audit, text="Open thing", due_date=timezone.localdate() + dt.timedelta(days=40))
    report = left_queued(qa_manager, ago=dt.timedelta(seconds=30))
    client.force_login(qa_manager)
    retry = reverse("audits:insights_report_retry", args=[report.pk])

    page = client.get(reverse("audits:insights_report", args=[report.pk])).content.decode()
    assert "Queued" in page and "Retry now" not in page
    poll = unescape(re.search(r'hx-get="([^"]+)"', page).group(1))
    assert poll.startswith(reverse("audits:insights_report_status", args=[report.pk]) + "?seen=")
    unchanged = client.get(poll)
    assert unchanged.status_code == 204 and not unchanged.content

    # Past the two minutes the briefing versions wait: the line changes, and offers Retry now.
    InsightReport.objects.filter(pk=report.pk).update(queued_at=timezone.now() - dt.timedelta(seconds=150))
    stuck = client.get(poll)
    line = stuck.content.decode()
    assert stuck.status_code == 200 and "Retry now" in line and f'action="{retry}"' in line
    assert client.get(unescape(re.search(r'hx-get="([^"]+)"', line).group(1))).status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert response.status_code == 302 and response["Location"] == reverse("audits:insights_report", args=[report.pk])
    report.refresh_from_db()
    assert report.status == InsightReportStatus.DONE and report.attempts == 1, report.error
    assert AccessRecord.objects.filter(summary__startswith="Report retried:", object_id=str(report.pk)).count() == 1


def test_a_report_left_rendering_too_long_offers_retry_now(client, qa_manager):
    audit_in(2026)  # there is an audit to run: the board report is the QA manager's to see
    report = left_rendering(qa_manager, attempts=1, ago=dt.timedelta(seconds=150))
    client.force_login(qa_manager)
    line = client.get(reverse("audits:insights_report_status", args=[report.pk])).content.decode()
    assert "Rendering" in line and "Retry now" in line
    InsightReport.objects.filter(pk=report.pk).update(started_at=timezone.now())
    line = client.get(reverse("audits:insights_report_status", args=[report.pk])).content.decode()
    assert "Rendering" in line and "Retry now" not in line


def test_a_retry_after_the_last_attempt_is_requeued_by_the_sweep_when_its_message_is_lost(
    client, qa_manager, media, django_capture_on_commit_callbacks
):
    """A person's Retry gives the report a fresh set of attempts: one retried after MAX_ATTEMPTS while the
    broker is down is queued again by the sweep, not failed for the attempts before the Retry."""
    audit = audit_in(2026, status=AuditStatus.REPORTING, title="CSE audit 2026")
    RecommendationFactory(audit=audit, text="Open thing", due_date=timezone.localdate() + dt.timedelta(days=40))
    report = left_rendering(qa_manager, attempts=MAX_ATTEMPTS, ago=dt.timedelta(hours=1))
    requeue_stalled_reports.apply()
    report.refresh_from_db()
    assert report.status == InsightReportStatus.FAILED

    client.force_login(qa_manager)
    with closed_port() as dead, publish_to(dead), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("audits:insights_report_retry", args=[report.pk]))
    report.refresh_from_db()
    assert (report.status, report.attempts) == (InsightReportStatus.QUEUED, 0)
    assert OutboxMessage.objects.get(args=[report.pk], task="audits.tasks.render_insight_report").sent_at is None
    [record] = AccessRecord.objects.filter(summary__startswith="Report retried:", object_id=str(report.pk))
    assert record.summary == f"Report retried: {report} (after {MAX_ATTEMPTS} attempts; attempts start again)"

    InsightReport.objects.filter(pk=report.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stalled_reports.apply().get() == [report.pk]
    report.refresh_from_db()
    assert (report.status, report.attempts) == (InsightReportStatus.DONE, 1), report.error


@contextlib.contextmanager
def closed_port():
    """The address of a Redis that is not there: a real connection refusal."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
