"""A configuration the settings cannot use stops the start with one clear line (README, "Configuration"),
and the log says why a request was refused for its host."""

import io
import logging

import pytest

from agencies.tests.test_deploy import PRODUCTION_ENV, run_manage


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CACHE_URL", "127.0.0.1:6379", "CACHE_URL must be a URL starting with redis:// or rediss:// or unix://"),
        ("CACHE_URL", "http://127.0.0.1:6379/1", "CACHE_URL must be a URL starting with redis://"),
        ("CELERY_BROKER_URL", "127.0.0.1:6379/0", "CELERY_BROKER_URL must be a URL starting with redis://"),
        ("DATABASE_URL", "127.0.0.1:5432/auditportal", "DATABASE_URL must be a database URL"),
        ("SITE_URL", "audits.example.gov.uk", "SITE_URL must be a URL starting with https:// or http://"),
        ("LOG_LEVEL", "verbose", "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not 'VERBOSE'"),
        ("SIGN_IN_LOG_DAYS", "0", "SIGN_IN_LOG_DAYS must be a number of days, 1 or more."),
    ],
)
def test_a_setting_that_cannot_be_used_stops_the_start_with_a_clear_line(name, value, says):
    result = run_manage("check", env={**PRODUCTION_ENV, name: value})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ") and says in last, result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgres://auditportal:S3cr#t@db:5432/auditportal"),  # an unencoded "#"
        ("DATABASE_URL", "mysqlx://auditportal:S3cr#t@db/auditportal"),
        ("CACHE_URL", "redis//:S3cr#t@db:6379/1"),
        ("CELERY_BROKER_URL", "amqp://guest:S3cr#t@db:5672//"),
        ("CACHE_URL", "redis:/db:6379/1?password=S3cr#t"),
    ],
)
def test_a_refused_url_is_named_without_its_password(name, value):
    result = run_manage("check", env={**PRODUCTION_ENV, name: value})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ") and name in last, result.stderr
    assert "S3cr" not in result.stderr and "***" in last


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CELERY_BROKER_URL", "memory://"),
        ("CELERY_BROKER_URL", "sentinel://:secret@127.0.0.1:26379/0"),
        ("CELERY_BROKER_URL", "rediss://:p%40ss@127.0.0.1:6380/0?ssl_cert_reqs=required"),
        ("CACHE_URL", "unix:///run/redis/redis.sock?db=1"),
        ("DATABASE_URL", "postgres://auditportal:p%23ss@127.0.0.1:5432/auditportal"),
    ],
)
def test_urls_that_the_services_accept_still_start(name, value):
    result = run_manage("check", env={**PRODUCTION_ENV, name: value})
    assert "ImproperlyConfigured" not in result.stderr, result.stderr


def test_the_log_level_is_read_in_any_case():
    result = run_manage("shell", "-c", "import logging; print(logging.getLogger().level)", "-v0", env={
        **PRODUCTION_ENV,
        "LOG_LEVEL": "warning",
    })  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(logging.WARNING)


def test_a_request_for_another_host_is_logged_as_one_warning_line(client, db):
    """Behind a proxy that does not pass the Host header on, every request is refused: the log says why,
    in one line (Django's record is an ERROR with a traceback)."""
    logger = logging.getLogger("django.security.DisallowedHost")
    handlers = [h for h in logger.handlers if type(h) is logging.StreamHandler]  # not pytest's own
    assert handlers and not logger.propagate
    stream = io.StringIO()
    saved = [handler.setStream(stream) for handler in handlers]
    try:
        assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000.invalid").status_code == 400
    finally:
        for handler, old in zip(handlers, saved, strict=True):
            handler.setStream(old)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, "\n".join(lines)
    assert " WARNING " in lines[0] and "Invalid HTTP_HOST header: '127.0.0.1:8000.invalid'" in lines[0]


def test_e_mail_over_starttls_and_implicit_tls_at_once_stops_the_start():
    result = run_manage("check", env={**PRODUCTION_ENV, "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured: EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on" in last, result.stderr


def test_key_rotation_implicit_tls_and_the_mail_timeout_are_read_from_the_environment():
    """README, "Configuration": SECRET_KEY_FALLBACKS keeps what the old key signed (sessions, invitation and
    password links) valid while the new one is rolled out; EMAIL_USE_SSL reaches an SMTPS relay on 465 and
    EMAIL_TIMEOUT stops a silent relay from holding a worker."""
    show = "from django.conf import settings as s; print(s.SECRET_KEY_FALLBACKS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT)"
    given = {"SECRET_KEY_FALLBACKS": "old-key-one, old-key-two", "EMAIL_USE_SSL": "1", "EMAIL_TIMEOUT": "12"}
    result = run_manage("shell", "-c", show, env={**PRODUCTION_ENV, **given})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['old-key-one', 'old-key-two'] True 12"
    result = run_manage("shell", "-c", show, env=PRODUCTION_ENV)
    assert result.stdout.strip().splitlines()[-1] == "[] False 30", result.stderr
