"""/healthz answers 200 only when the database and the cache (Redis: sessions live there) both do."""

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
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "demo": False}


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
    assert response.json() == {"status": "error", "database": "ok", "cache": "error", "demo": False}
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
    assert response.json() == {"status": "error", "database": "error", "cache": "ok", "demo": False}
