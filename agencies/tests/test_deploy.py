"""The production configuration documented in README.md passes Django's deployment checks."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from auditportal import checks
from tests.fixtures_services import without_test_settings

ROOT = Path(settings.BASE_DIR)

# The environment of README.md's "Running in production", with this test run's database.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "kD9v-3xq_7Lw2pZrT8mYbN4cJfH6sQe1uVaGiOo5RdXl0tEkWzC",
    "ALLOWED_HOSTS": "audits.example.gov.uk",
    "CSRF_TRUSTED_ORIGINS": "https://audits.example.gov.uk",
    "BEHIND_TLS_PROXY": "1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "SITE_URL": "https://audits.example.gov.uk",
    "DEFAULT_FROM_EMAIL": "audits@example.gov.uk",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**without_test_settings(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> Path:
    """STATIC_ROOT after README's `collectstatic`: the hashed files and their manifest."""
    root = tmp_path_factory.mktemp("static")
    result = run_manage("collectstatic", "--noinput", "-v0", env={**PRODUCTION_ENV, "STATIC_ROOT": str(root)})
    assert result.returncode == 0, result.stderr
    return root


def test_check_deploy_passes_with_the_documented_production_environment(collected_static):
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(collected_static)}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_collectstatic_was_not_run(tmp_path, collected_static):
    """Without the manifest every page fails ("Missing staticfiles manifest entry"), /healthz says so."""
    result = run_manage("check", "--deploy", env={**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path)})
    assert result.returncode != 0
    assert "auditportal.E001" in result.stderr and "no static files manifest" in result.stderr
    assert "collectstatic" in result.stderr
    # A static file added since the last collectstatic (an upgrade without it): named.
    stale = tmp_path / "stale"
    shutil.copytree(collected_static, stale)
    manifest = stale / "staticfiles.json"
    data = json.loads(manifest.read_text())
    data["paths"].pop("css/app.css")
    manifest.write_text(json.dumps(data))
    result = run_manage("check", "--deploy", env={**PRODUCTION_ENV, "STATIC_ROOT": str(stale)})
    assert result.returncode != 0
    assert "auditportal.E001" in result.stderr and "1 static files are not in" in result.stderr
    assert "css/app.css" in result.stderr


@pytest.mark.parametrize(
    ("backend", "debug", "warned"),
    [
        ("django.core.mail.backends.smtp.EmailBackend", False, False),
        ("django.core.mail.backends.filebased.EmailBackend", False, False),
        ("django.core.mail.backends.console.EmailBackend", False, True),
        ("django.core.mail.backends.locmem.EmailBackend", False, True),
        ("django.core.mail.backends.dummy.EmailBackend", False, True),
        ("django.core.mail.backends.console.EmailBackend", True, False),  # development
    ],
)
def test_email_backend_check(settings, backend, debug, warned):
    settings.EMAIL_BACKEND, settings.DEBUG = backend, debug
    assert [w.id for w in checks.check_email_backend(None)] == (["auditportal.W003"] if warned else [])


def test_check_deploy_warns_when_e_mail_would_go_to_the_console():
    """EMAIL_BACKEND unset: invitations and password links would be written to the worker's log."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_BACKEND"}
    result = run_manage("check", "--deploy", env=env)
    assert "auditportal.W003" in result.stderr and "console.EmailBackend" in result.stderr


def test_check_deploy_fails_on_an_insecure_configuration():
    env = {**PRODUCTION_ENV, "SECURE_HSTS_SECONDS": "0", "SESSION_COOKIE_SECURE": "0"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W012" in result.stderr + result.stdout


def test_check_deploy_warns_when_e_mails_would_link_to_loopback_from_localhost():
    """Without SITE_URL and DEFAULT_FROM_EMAIL, reminders would link to http://127.0.0.1:8000/…,
    sent from auditportal@localhost."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in {"SITE_URL", "DEFAULT_FROM_EMAIL"}}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "auditportal.W001" in result.stderr and "'http://127.0.0.1:8000'" in result.stderr
    assert "auditportal.W002" in result.stderr and "'auditportal@localhost'" in result.stderr
    # Only `check --deploy`: an ordinary start or `check` says nothing.
    assert "auditportal.W00" not in run_manage("check", env=env).stderr


@pytest.mark.parametrize(
    ("site_url", "debug", "warned"),
    [
        ("https://audits.example.gov.uk", False, False),
        ("http://audits.example.gov.uk", False, True),
        ("https://localhost", False, True),
        ("https://127.0.0.1:8443", False, True),
        ("https://[::1]", False, True),
        ("http://127.0.0.1:8000", True, False),  # development
    ],
)
def test_site_url_check(settings, site_url, debug, warned):
    settings.SITE_URL, settings.DEBUG = site_url, debug
    assert [w.id for w in checks.check_site_url(None)] == (["auditportal.W001"] if warned else [])


@pytest.mark.parametrize(
    ("from_email", "warned"),
    [
        ("audits@example.gov.uk", False),
        ("Safeguarding Partnership <audits@example.gov.uk>", False),
        ("auditportal@localhost", True),
        ("Audits <audits@localhost>", True),
        ("audits@127.0.0.1", True),
    ],
)
def test_default_from_email_check(settings, from_email, warned):
    settings.DEFAULT_FROM_EMAIL = from_email
    assert [w.id for w in checks.check_default_from_email(None)] == (["auditportal.W002"] if warned else [])


def test_production_start_without_secret_key_is_refused():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_demo_loader_is_refused_in_production():
    result = run_manage("load_demo", env=PRODUCTION_ENV)
    assert result.returncode != 0


def test_the_wsgi_application_loads_its_views_and_freezes_them_out_of_the_garbage_collector():
    probe = (
        "import gc, sys\n"
        "import auditportal.wsgi\n"
        "assert 'audits.views.parta' in sys.modules and 'briefings.views' in sys.modules\n"
        "print(gc.get_freeze_count(), len(gc.get_objects()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**without_test_settings(), **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    frozen, tracked = map(int, result.stdout.split())
    # Django, the apps and the base templates: tens of thousands of objects, none left to scan.
    assert frozen > 50_000 and tracked < 1_000


def test_the_demo_configuration_loads_the_demo_and_renders_its_briefing_without_a_broker(tmp_path):
    """What `make demo` runs, in a subprocess: SQLite, no broker, no cache server. The demo's briefing
    is rendered in-process when load_demo commits, and nothing asks for a broker on localhost."""
    env = {
        k: v
        for k, v in without_test_settings().items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "REDIS_URL"}
    }
    env.update(
        DEBUG="1",
        DEMO="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    migrated = manage("migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    loaded = manage("load_demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "its PDF is rendered" in loaded.stdout, loaded.stdout + loaded.stderr
    assert "No hostname was supplied" not in loaded.stderr
    pdfs = list((tmp_path / "private").rglob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF")
