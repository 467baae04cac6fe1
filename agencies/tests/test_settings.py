"""Settings read from the environment: each case starts Django in a fresh process, as a server would."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Everything the settings read, so that the test runner's own environment cannot leak in.
SETTINGS_VARIABLES = ("SECRET_KEY", "DEBUG", "DEMO", "AUDITPORTAL_TESTING", "DATABASE_URL", "ALLOWED_HOSTS")
SHOW_DATABASE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({k: db[k] for k in ('ENGINE', 'NAME', 'USER', 'HOST', 'PORT')}))"
)


def start_django(code: str = "import django; django.setup()", **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environ.update(DJANGO_SETTINGS_MODULE="auditportal.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=environ, capture_output=True, text=True, timeout=60
    )


def test_production_start_without_a_secret_key_is_refused():
    result = start_django(DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_production_start_with_a_secret_key_succeeds():
    # The control for the test above: the refusal is about SECRET_KEY, not something else.
    result = start_django(DEBUG="0", SECRET_KEY="a-long-random-production-secret-for-this-test")
    assert result.returncode == 0, result.stderr


def test_development_start_needs_no_secret_key():
    assert start_django(DEBUG="1").returncode == 0


def test_a_boolean_that_is_not_one_is_refused():
    result = start_django(DEBUG="maybe", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG must be a boolean" in result.stderr and "'maybe'" in result.stderr


def test_database_url_is_honoured():
    result = start_django(
        SHOW_DATABASE, DEBUG="1", DATABASE_URL="postgres://portal:s3cret@db.internal:6543/auditportal_prod"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "auditportal_prod",
        "USER": "portal",
        "HOST": "db.internal",
        "PORT": 6543,
    }


def test_without_database_url_the_demo_uses_sqlite():
    result = start_django(SHOW_DATABASE, DEBUG="1")
    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].endswith("demo.sqlite3")
