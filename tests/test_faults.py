"""Fault tests: Redis stopped in the middle of a run, with a real Celery worker, loses no request."""

import shutil
import socket
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import OutboxMessage
from agencies.outbox import _is_run_once, outbox_flush
from audits.models import AuditStatus, ReminderLog
from briefings.models import BriefingVersion, Edition, RenderStatus
from briefings.services import briefing_create, requeue_stalled_versions
from briefings.tests.support import publish_post
from tests.celery_broker import publish_to
from tests.fixtures_services import mail_texts, wait_for


class PrivateRedis:
    """A Redis server of this test's own, on a fixed loopback port, that the test can stop and start."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(args, cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(self._answers), "timed out waiting for redis to start"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def _outbox_done() -> bool:
    """Every outbox message published, and every e-mail among them (a run_once task) sent."""
    if OutboxMessage.objects.filter(sent_at__isnull=True).exists():
        return False
    return not any(
        _is_run_once(task) for task in OutboxMessage.objects.filter(done_at__isnull=True).values_list("task", flat=True)
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redis_stopped_mid_run_loses_no_chase_and_no_publish(
    celery_worker_process, client, tmp_path, audit, qa_manager, auditor
):
    redis = PrivateRedis(tmp_path)
    redis.start()
    mail = tmp_path / "mail"
    mail.mkdir()
    # The chase e-mails (the briefing's first publication is announced too, once its PDF is done).
    chases = lambda: [t for t in mail_texts(mail) if " is published" not in t]  # noqa: E731
    mails = lambda: len(chases())  # noqa: E731
    worker_env = {
        "CELERY_BROKER_URL": redis.url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
    }
    chase = reverse("audits:chase_auditor", args=[audit.slug, auditor.agency_id])
    try:
        with publish_to(redis.url):
            celery_worker_process.restart(extra_env=worker_env)
            client.force_login(qa_manager)

            # Broker up: the chase reaches the worker, which e-mails the auditor.
            assert client.post(chase).status_code == 302
            assert wait_for(lambda: mails() == 1), "timed out waiting for the first chase e-mail"
            # An hour later (a chase within the hour of the last one sends nothing more).
            ReminderLog.objects.update(sent_at=timezone.now() - timedelta(hours=2))

            # Redis goes down in the middle of the run.
            redis.stop()
            response = client.post(chase, follow=True)
            assert response.status_code == 200
            assert b"Reminder on its way" in response.content
            pending = OutboxMessage.objects.get(sent_at__isnull=True)
            assert pending.task == "audits.tasks.send_chase" and pending.last_error

            audit.status = AuditStatus.REPORTING
            audit.save(update_fields=["status"])
            briefing = briefing_create(audit=audit, edition=Edition.MANAGERS, user=qa_manager)
            publish = reverse("briefings:publish", args=[audit.slug, briefing.edition])
            response = publish_post(client, publish, {"confirm": "yes"}, follow=True)
            assert response.status_code == 200
            version = BriefingVersion.objects.get(briefing=briefing)
            assert version.status == RenderStatus.QUEUED
            assert "will be retried" in version.error
            # Back to Part A (as far as the chase is concerned: it is not sent for an audit past Part A).
            audit.status = AuditStatus.PART_A
            audit.save(update_fields=["status"])

            # Redis comes back; the periodic jobs (called here rather than waiting for beat) catch up.
            redis.start()
            assert wait_for(celery_worker_process.ping), "timed out waiting for the worker to reconnect"
            BriefingVersion.objects.filter(pk=version.pk).update(queued_at=timezone.now() - timedelta(minutes=5))
            assert outbox_flush(older_than=timedelta(0)) == 1
            assert requeue_stalled_versions() == [version.pk]

            assert wait_for(lambda: mails() == 2), "timed out waiting for the chase sent while Redis was down"
            assert wait_for(lambda: BriefingVersion.objects.get(pk=version.pk).status == RenderStatus.DONE), (
                "timed out waiting for the render"
            )
            # The render's commit writes its "published" announcement into the outbox, which the worker
            # publishes right after that commit: a moment after the version reads as done. Each e-mail's
            # message is marked done once its file is written whole (a file read while the worker is still
            # writing it would be counted as a chase: it does not say " is published" yet).
            assert wait_for(_outbox_done), "timed out waiting for the outbox's e-mails to be sent"
            assert BriefingVersion.objects.filter(briefing=briefing).count() == 1
            sent = chases()
            assert len(sent) == 2, sent
            assert all(audit.title in text and auditor.email in text for text in sent)
            # ... and the publication announced to the auditor, once.
            assert len(mail_texts(mail)) == len(sent) + 1
    finally:
        redis.stop()
        celery_worker_process.restart()
