"""auditportal.cache.RedisCache: Django's Redis cache, building its redis-py client once per server instead
of once per operation (about 0.1 ms of CPU each, two on every signed-in page), with the same answers and
the same errors."""

import socket
import time
import uuid
from unittest import mock

import pytest
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

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


@pytest.fixture
def silent_server():
    """A port that takes connections (the kernel's backlog) but never answers: a Redis whose process is
    stopped."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/1"


def test_a_timed_out_set_many_starts_the_pause_as_a_get_does(silent_server, settings):
    """set_many sends its commands in one pipeline, not through execute_command: its timeout too leaves the
    server alone for CACHE_SKIP_SECONDS, so the page's next operations fail at once instead of each waiting
    CACHE_SOCKET_TIMEOUT again."""
    settings.CACHE_SOCKET_TIMEOUT = 0.3
    settings.CACHE_SKIP_SECONDS = 30
    cache = RedisCache(silent_server, {})
    with pytest.raises(RedisTimeoutError):
        cache.set_many({"a": 1, "b": 2}, 30)
    started = time.monotonic()
    with pytest.raises(RedisConnectionError, match="did not answer a moment ago"):
        cache.get("a")
    assert time.monotonic() - started < settings.CACHE_SOCKET_TIMEOUT


def test_a_timed_out_get_starts_the_pause(silent_server, settings):
    settings.CACHE_SOCKET_TIMEOUT = 0.3
    settings.CACHE_SKIP_SECONDS = 30
    cache = RedisCache(silent_server, {})
    with pytest.raises(RedisTimeoutError):
        cache.get("a")
    with pytest.raises(RedisConnectionError, match="did not answer a moment ago"):
        cache.set_many({"a": 1}, 30)
