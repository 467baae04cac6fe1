"""Prove that the test suite runs against the real components, not stand-ins."""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection

from auditportal.celery import app
from tests.fixtures_browser import axe_check, csp_violations
from tests.fixtures_services import CeleryWorker, wait_for
from tests.tasks import create_group


@pytest.mark.django_db
def test_database_is_a_real_postgresql_test_database() -> None:
    assert connection.vendor == "postgresql", "run the tests through scripts/test_services.py (make test)"
    assert settings.DATABASES["default"]["NAME"].startswith("test_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_redis_answers_ping() -> None:
    url = os.environ.get("REDIS_URL")
    assert url, "REDIS_URL is not set: run the tests through scripts/test_services.py (make test)"
    client = redis.Redis.from_url(url)
    try:
        assert client.ping() is True
    finally:
        client.close()


def test_ordinary_tests_run_tasks_eagerly() -> None:
    assert app.conf.task_always_eager is True


@pytest.mark.worker
def test_worker_answers_a_control_ping_through_redis(celery_worker_process: CeleryWorker) -> None:
    assert app.conf.task_always_eager is False
    replies = app.control.ping(destination=[celery_worker_process.hostname], timeout=5)
    assert replies == [{celery_worker_process.hostname: {"ok": "pong"}}]


@pytest.mark.worker
def test_task_runs_on_the_worker_and_writes_to_the_test_database(
    transactional_db: None, celery_worker_process: CeleryWorker
) -> None:
    name = f"infra-{uuid.uuid4()}"
    result = create_group.delay(name)
    assert wait_for(lambda: Group.objects.filter(name=name).exists()), celery_worker_process.log()
    assert f"Task tests.tasks.create_group[{result.id}] succeeded" in celery_worker_process.log()


@pytest.mark.worker
def test_worker_survives_a_kill_and_restart(transactional_db: None, celery_worker_process: CeleryWorker) -> None:
    celery_worker_process.kill()
    assert not celery_worker_process.running
    assert not celery_worker_process.ping(timeout=0.5)
    celery_worker_process.start()
    assert celery_worker_process.ping()
    name = f"infra-{uuid.uuid4()}"
    create_group.delay(name)
    assert wait_for(lambda: Group.objects.filter(name=name).exists()), celery_worker_process.log()


@pytest.mark.browser
def test_login_page_in_chromium(live_server, page, browser_console) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None and response.ok, response and response.status
    assert "Sign in" in page.title()
    assert not failed, failed  # e.g. a stylesheet or script missing from static/vendor
    assert not csp_violations(browser_console), "\n".join(map(str, browser_console))
    axe_check(page)
