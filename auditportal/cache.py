"""The cache backend with CACHE_URL: Django's Redis cache, with one redis-py client per server kept for
the backend's life instead of a new one for every operation, and a bound on what a Redis that does not
answer costs a page.

Django's RedisCacheClient.get_client() builds a redis.Redis on each get, set or delete (it keeps only the
connection pools). Building one fills its table of reply handlers and costs about 0.1 ms of CPU, more on
a busy machine: every signed-in page reads the session and the partnership's settings from the cache, so
two of them a page for nothing. The client holds no connection of its own (they are the pool's, which
redis-py makes anew in a forked process) and is safe to share between threads; Django also gives each
thread its own cache backend. What is sent to Redis, and what an error does, are unchanged.

A Redis that takes connections but does not answer (its process stopped, the machine swapping, a failover
under way) made every cache operation wait for ever (redis-py's default: no socket timeout), so every page
hung until gunicorn killed its worker. Each operation now waits CACHE_SOCKET_TIMEOUT at most (connecting
or reading), and once one has timed out, this process leaves that server alone for CACHE_SKIP_SECONDS:
its operations fail at once with a ConnectionError, as on a Redis that is down, which every reader of the
cache already takes as "read the database" (sessions, the partnership's settings, the password-link
limits). Without that pause a page reading the cache three times would wait three timeouts. A refused
connection (Redis down) fails at once anyway and starts no pause, so the cache is used again as soon as
Redis is back; after a timeout it is used again after the pause.
"""

import logging
import threading
import time
from contextlib import contextmanager

import redis as redis_lib
from django.conf import settings
from django.core.cache.backends import redis

logger = logging.getLogger(__name__)

# Server URL -> time.monotonic() until which this process does not ask it (shared by every thread).
_silent_until: dict[str, float] = {}
_lock = threading.Lock()


def _silent(url: str) -> bool:
    until = _silent_until.get(url)
    return until is not None and time.monotonic() < until


def _mark_silent(url: str, error: Exception) -> None:
    seconds = settings.CACHE_SKIP_SECONDS
    with _lock:
        already = _silent(url)
        _silent_until[url] = time.monotonic() + seconds
    if not already:
        logger.error("cache: %s did not answer (%r); not asked again for %s s", _safe(url), error, seconds)


def _safe(url: str) -> str:
    """The URL without a password, for the log."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        rest = "…@" + rest.rpartition("@")[2]
    return scheme + sep + rest


@contextmanager
def _noting_timeouts(url: str):
    """A timeout on the server `url` starts the pause above (and is raised on)."""
    try:
        yield
    except redis_lib.exceptions.TimeoutError as error:
        _mark_silent(url, error)
        raise


class _Pipeline(redis_lib.client.Pipeline):
    """A pipeline (set_many, with a timeout) noting a timeout on its server, as _Client does."""

    _server_url = ""

    def execute(self, *args, **options):
        with _noting_timeouts(self._server_url):
            return super().execute(*args, **options)


class _Client(redis_lib.Redis):
    """redis.Redis noting a timeout on its server (the pause above), its own commands' and its pipelines'."""

    _server_url = ""

    def execute_command(self, *args, **options):
        with _noting_timeouts(self._server_url):
            return super().execute_command(*args, **options)

    def pipeline(self, transaction=True, shard_hint=None):
        pipe = _Pipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe._server_url = self._server_url
        return pipe


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, servers, **options) -> None:
        timeout = settings.CACHE_SOCKET_TIMEOUT
        options.setdefault("socket_timeout", timeout)
        options.setdefault("socket_connect_timeout", timeout)
        super().__init__(servers, **options)
        self._client = _Client
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        url = self._servers[index]
        if _silent(url):
            raise redis_lib.exceptions.ConnectionError(f"cache: {_safe(url)} did not answer a moment ago")
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            client._server_url = url
            self._clients[index] = client
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
