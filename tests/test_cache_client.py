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


def test_a_refused_connection_starts_no_pause():
    """A Redis that is down refuses at once: nothing to wait out, so the cache is asked again on the next
    operation (Redis back in service is used at once), unlike one that timed out (tests/
    test_cache_not_answering.py)."""
    port = closed_port()
    cache = RedisCache(f"redis://127.0.0.1:{port}/1", {})
    with pytest.raises(RedisConnectionError) as first:
        cache.get("session")
    with pytest.raises(RedisConnectionError) as second:
        cache.get("session")
    assert "did not answer a moment ago" not in str(second.value)
    assert str(first.value) == str(second.value)


def test_each_operation_has_a_socket_timeout():
    """A Redis that takes connections but does not answer would hold each operation for ever (redis-py's
    default): every connection the cache makes waits CACHE_SOCKET_TIMEOUT at most."""
    cache = RedisCache(redis_location(), {"KEY_PREFIX": f"test-cache-client-{uuid.uuid4()}"})
    cache.get("session")
    pool = cache._cache._get_connection_pool(False)
    assert pool.connection_kwargs["socket_timeout"] == settings.CACHE_SOCKET_TIMEOUT
    assert pool.connection_kwargs["socket_connect_timeout"] == settings.CACHE_SOCKET_TIMEOUT
