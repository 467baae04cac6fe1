"""/healthz answers 200 only when the database and the cache (Redis: sessions live there) both do, and the
static files were collected."""

import socket
import time

import pytest
from django.db import connection


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_is_ok_when_the_database_and_the_cache_answer(client, db, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")  # the real Redis of the test run
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "static": "ok", "demo": False}


def test_healthz_says_503_when_the_cache_does_not_answer(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/1",
        }
    }
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error", "static": "ok", "demo": False}
    assert time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
def test_healthz_says_503_when_the_database_does_not_answer(client):
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "cache": "ok", "static": "ok", "demo": False}


def test_healthz_says_503_when_the_cache_does_not_answer_to_a_signed_in_probe(client, db, settings, auditor):
    """With a session cookie (a monitor that signed in, a person's browser): the session is read from the
    database (auditportal.sessions), not a 500 from writing it back to the cache that is down."""
    client.force_login(auditor)
    assert client.get("/healthz").status_code == 200
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/1",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "error"


def test_healthz_answers_over_plain_http_where_pages_are_sent_to_https(client, db, settings):
    """A load balancer probing gunicorn directly speaks HTTP: no redirect for /healthz (still a host in
    ALLOWED_HOSTS)."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz", HTTP_HOST="evil.example").status_code == 400


def test_healthz_says_503_when_the_static_files_were_not_collected(client, db, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["static"] == "error"
