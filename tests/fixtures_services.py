"""Fixtures for the real back-end services: Celery task mode and a real Celery worker.

Loaded as a pytest plugin (the root conftest.py's `pytest_plugins`, or `-p tests.fixtures_services`).
PostgreSQL and Redis themselves are started outside pytest by scripts/test_services.py, which
exports DATABASE_URL, CELERY_BROKER_URL and REDIS_URL.

- Every test runs Celery tasks eagerly (in the test's own process and transaction), unless it is
  marked `@pytest.mark.worker`: then tasks go through Redis to a real worker process, which is
  connected to pytest-django's test database. Such tests need committed data, so they use
  `transactional_db` or `live_server`.
- `celery_worker_process` is that worker; a test may `.kill()` (SIGKILL) and `.start()` it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
WORKER_START_TIMEOUT = 60.0


def wait_for(condition: Callable[[], bool], timeout: float = 90.0, interval: float = 0.1) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds have passed (False): for what a
    worker or a server does in its own time. Callers assert on the result, with what they waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def without_test_settings() -> dict[str, str]:
    """This test run's environment (its database, Redis…) without what makes the settings the test
    suite's: the base of a production environment for a subprocess."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in {"AUDITPORTAL_TESTING", "DEBUG", "DEMO", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the given Django database settings (PostgreSQL only)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(str(settings_dict['NAME']), safe='')}"


class CeleryWorker:
    """One real `celery worker` subprocess, with its log in test-artifacts/."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.hostname = f"auditportal-test-{os.getpid()}@localhost"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "auditportal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            f"--hostname={self.hostname}",
            # Nothing to synchronise with: one worker, alone on its own broker.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--include=tests.tasks",
        ]

    def start(self, extra_env: dict[str, str] | None = None) -> None:
        """Start the worker (if it is not running) and wait until it answers a control ping."""
        if self.running:
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as out:
            # Same process group as pytest: if pytest is killed, test_services.py ends the worker too.
            self.proc = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env={**self.env, **(extra_env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"the Celery worker exited while starting:\n{self.log()}")
            if " ready." in self.log() and self.ping(timeout=0.5):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the Celery worker was not ready within {WORKER_START_TIMEOUT:.0f}s:\n{self.log()}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ping(self, timeout: float = 1.0) -> bool:
        """True when the worker answers a control ping, sent through the broker."""
        from auditportal.celery import app

        replies = app.control.ping(destination=[self.hostname], timeout=timeout)
        return any(self.hostname in reply for reply in replies)

    def kill(self) -> None:
        """SIGKILL the worker, as a crash or an OOM kill would: no warm shutdown, no acks."""
        if self.proc is not None and self.running:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 15.0) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it takes too long."""
        if self.proc is None or not self.running:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def restart(self, extra_env: dict[str, str] | None = None) -> None:
        self.stop()
        self.start(extra_env)

    def log(self) -> str:
        """What the current (or last) worker process has logged so far."""
        try:
            with self.log_path.open("rb") as f:
                f.seek(self._log_offset)
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, request: pytest.FixtureRequest) -> Iterator[CeleryWorker]:
    """A real Celery worker on the real broker, connected to the test database.

    Depends on django_db_setup, so the test database exists before the worker starts and the
    worker is gone before the test database is dropped.
    """
    from django.conf import settings
    from django.db import connection

    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.fail("worker tests need a broker: run them through scripts/test_services.py (make test)")
    if connection.vendor != "postgresql":
        pytest.fail(f"worker tests need PostgreSQL (the worker shares the test database), not {connection.vendor}")

    env = dict(os.environ)
    # After django_db_setup, NAME is the test database's (test_<name>).
    env["DATABASE_URL"] = database_url(settings.DATABASES["default"])
    # The worker must hold no connection open between tasks, or the test database cannot be
    # flushed by transactional tests, nor dropped at the end.
    env["DATABASE_CONN_MAX_AGE"] = "0"
    env["AUDITPORTAL_TESTING"] = "1"
    # One log per run (several runs may share a checkout); kept only when a test failed.
    worker = CeleryWorker(env, ARTIFACTS / f"celery-worker-{os.getpid()}.log")
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        if request.session.testsfailed == 0:
            worker.log_path.unlink(missing_ok=True)


# The file e-mail backend writes each message, then a line of 79 dashes, appending to a file named by the second and
# the backend's id(): two e-mails sent in the same second may share a file (CPython gives a new backend the id of
# one freed), and a file read while it is being written ends in a message not yet whole.
MAIL_END = b"\n" + b"-" * 79 + b"\n"


def mails(mailbox: Path) -> list[bytes]:
    """Each e-mail written whole in `mailbox` (file_mail_env), however the backend shared its files among them."""
    found: list[bytes] = []
    for path in sorted(mailbox.iterdir()):
        found.extend(path.read_bytes().split(MAIL_END)[:-1])
    return found


def mail_texts(mailbox: Path) -> list[str]:
    return [message.decode() for message in mails(mailbox)]


def file_mail_env(mail: Path) -> dict[str, str]:
    """The worker's settings to write each e-mail it sends as a file in `mail`, for a test to read."""
    return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(mail)}


@pytest.fixture
def mailbox(celery_worker_process: CeleryWorker, tmp_path: Path) -> Iterator[Path]:
    """The real worker, restarted to write its e-mails as files here (file_mail_env); as it was afterwards."""
    mail = tmp_path / "mail"
    mail.mkdir()
    celery_worker_process.restart(file_mail_env(mail))
    yield mail
    celery_worker_process.restart()


@pytest.fixture(autouse=True)
def _celery_task_mode(request: pytest.FixtureRequest) -> Iterator[None]:
    """Eager tasks for ordinary tests; the real worker for tests marked `worker`."""
    from auditportal.celery import app

    uses_worker = request.node.get_closest_marker("worker") is not None
    if uses_worker:
        worker: CeleryWorker = request.getfixturevalue("celery_worker_process")
        worker.start()  # again, if an earlier test killed it
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = not uses_worker
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
