"""auditportal.cache.RedisCache: Django's Redis cache, building its redis-py client once per server instead
of once per operation (about 0.1 ms of CPU each, two on every signed-in page), with the same answers and
the same errors."""

import socket
import uuid
from unittest import mock

import pytest
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError

from auditportal.cache import RedisCache


def redis_location() -> str:
    location = settings.CACHES["default"].get("LOCATION", "")
    if not str(location).startswith(("redis://", "rediss://", "unix://")):
        pytest.skip("needs the test run's Redis (scripts/test_services.py)")
    return location


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def counting(cache: RedisCache) -> mock.Mock:
    """Counts the redis-py clients the backend builds."""
    built = mock.Mock(wraps=cache._cache._client)
    cache._cache._client = built
    return built


def test_one_client_serves_every_operation():
    cache = RedisCache(redis_location(), {"KEY_PREFIX": f"test-cache-client-{uuid.uuid4()}"})
    built = counting(cache)
    assert cache.get("session") is None
    cache.set("session", {"auth_at": 1.5}, 30)
    assert cache.get("session") == {"auth_at": 1.5}
    assert cache.get_many(["session", "other"]) == {"session": {"auth_at": 1.5}}
    assert cache.add("session-count", 1, 30)
    assert cache.incr("session-count") == 2
    cache.delete_many(["session", "session-count"])
    assert cache.get("session") is None
    assert built.call_count == 1


def test_an_unreachable_redis_still_raises_each_time():
    """What auditportal.sessions and /healthz rely on: a Redis that does not answer is an error on every
    operation, not only the first (the client kept is the pool's, which connects again each time)."""
    cache = RedisCache(f"redis://127.0.0.1:{closed_port()}/1", {})
    for _ in range(2):
        with pytest.raises(RedisConnectionError):
            cache.get("session")
