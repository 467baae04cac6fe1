"""What a first production deployment gets wrong without noticing, said by `manage.py check` (and
`migrate`) or `check --deploy` (auditportal/checks.py), as README.md's "Running in production" runs them."""

import sqlite3
from contextlib import closing

import pytest

from agencies.tests.test_deploy import PRODUCTION_ENV, run_manage
from auditportal import checks

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """README's `collectstatic`, so that `check --deploy` has only what a test is about to say."""
    root = tmp_path_factory.mktemp("static")
    result = run_manage("collectstatic", "--noinput", "-v0", env={**PRODUCTION_ENV, "STATIC_ROOT": str(root)})
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize(
    ("backend", "refused"),
    [
        (SMTP, False),
        ("django.core.mail.backends.filebased.EmailBackend", False),
        ("smtp", True),
        ("django.core.mail.backends.smtp.EmailBackends", True),
        ("django.core.mail.backends.smtps.EmailBackend", True),
    ],
)
def test_an_e_mail_backend_that_cannot_be_imported_is_an_error(settings, backend, refused):
    settings.EMAIL_BACKEND = backend
    assert [e.id for e in checks.check_email_backend_importable(None)] == (["auditportal.E003"] if refused else [])


def test_check_and_migrate_stop_on_a_misspelt_e_mail_backend():
    """Otherwise the first invitation fails in the worker's log, and every e-mail after it."""
    env = {**PRODUCTION_ENV, "EMAIL_BACKEND": "smtp"}
    for command in (("check",), ("migrate", "--check")):
        result = run_manage(*command, env=env)
        assert result.returncode != 0
        assert "auditportal.E003" in result.stderr and "EMAIL_BACKEND is 'smtp'" in result.stderr


def test_production_without_database_url_stops_before_using_the_demo_sqlite_file(tmp_path):
    """An environment file not read, or DATABASE_URL misspelt: `migrate` would fill an SQLite file and
    gunicorn serve it, an empty portal beside the real database."""
    database = tmp_path / "demo.sqlite3"
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{database}"}
    result = run_manage("migrate", "--noinput", env=env)
    assert result.returncode != 0
    assert "auditportal.E002" in result.stderr and str(database) in result.stderr
    assert "DATABASE_URL" in result.stderr
    # Nothing was migrated into it (the checks' connection may have made the empty file).
    if database.exists():
        with closing(sqlite3.connect(database)) as connection:
            assert connection.execute("SELECT name FROM sqlite_master").fetchall() == []


@pytest.mark.parametrize("mode", [{"DEBUG": "1"}, {"DEBUG": "1", "DEMO": "1"}])
def test_the_demo_and_development_use_sqlite_without_complaint(tmp_path, mode):
    env = {**PRODUCTION_ENV, **mode, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    result = run_manage("check", env=env)
    assert result.returncode == 0, result.stderr
    assert "auditportal.E002" not in result.stderr


@pytest.mark.parametrize(
    ("backend", "port", "use_ssl", "warned"),
    [
        (SMTP, 465, False, True),
        (SMTP, 465, True, False),
        (SMTP, 587, False, False),
        (SMTP, 25, False, False),
        ("django.core.mail.backends.filebased.EmailBackend", 465, False, False),
    ],
)
def test_smtps_port_without_implicit_tls_is_warned(settings, backend, port, use_ssl, warned):
    """Port 465 with the settings' STARTTLS (or nothing): both ends wait for the other, and each e-mail
    hangs a worker until the task's time limit."""
    settings.EMAIL_BACKEND, settings.EMAIL_PORT, settings.EMAIL_USE_SSL = backend, port, use_ssl
    assert [w.id for w in checks.check_smtp_port(None)] == (["auditportal.W004"] if warned else [])


def test_check_deploy_warns_about_port_465(static_root):
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(static_root), "EMAIL_PORT": "465", "EMAIL_USE_TLS": "1"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "auditportal.W004" in result.stderr and "EMAIL_PORT=587" in result.stderr
    assert "System check identified 1 issue" in result.stderr


@pytest.mark.parametrize(
    ("debug", "count", "warned"),
    [(False, 0, True), (False, 1, False), (False, 2, False), (True, 0, False)],
)
def test_no_trusted_proxy_is_warned_in_production(settings, debug, count, warned):
    settings.DEBUG, settings.TRUSTED_PROXY_COUNT = debug, count
    assert [w.id for w in checks.check_trusted_proxy_count(None)] == (["auditportal.W005"] if warned else [])


def test_check_deploy_warns_when_behind_tls_proxy_is_forgotten(static_root):
    """The pages work without it behind nginx (gunicorn trusts X-Forwarded-Proto from loopback), so only
    this says that the lockout and the access log would see the proxy's address for everyone."""
    documented = {**PRODUCTION_ENV, "STATIC_ROOT": str(static_root)}
    env = {k: v for k, v in documented.items() if k != "BEHIND_TLS_PROXY"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "auditportal.W005" in result.stderr and "BEHIND_TLS_PROXY=1" in result.stderr
    assert "System check identified 1 issue" in result.stderr
    # As README documents it, nothing to say.
    assert run_manage("check", "--deploy", "--fail-level", "WARNING", env=documented).returncode == 0


@pytest.mark.parametrize(
    ("debug", "demo", "eager", "warned"),
    [(False, False, True, True), (False, False, False, False), (True, False, True, False), (False, True, True, False)],
)
def test_no_broker_is_warned_in_production(settings, debug, demo, eager, warned):
    settings.DEBUG, settings.DEMO, settings.CELERY_TASK_ALWAYS_EAGER = debug, demo, eager
    assert [w.id for w in checks.check_broker(None)] == (["auditportal.W006"] if warned else [])


def test_check_deploy_warns_when_the_broker_is_not_set(static_root):
    """Tasks run eagerly then: a PDF rendered in the web request, and beat's jobs sent to a broker in its own
    memory, so reminders and the retention purge never run. Nothing else says so."""
    documented = {**PRODUCTION_ENV, "STATIC_ROOT": str(static_root)}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env={**documented, "CELERY_BROKER_URL": ""})
    assert result.returncode != 0
    assert "auditportal.W006" in result.stderr and "System check identified 1 issue" in result.stderr
