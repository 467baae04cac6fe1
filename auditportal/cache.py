"""The cache backend with CACHE_URL: Django's Redis cache, with one redis-py client per server kept for
the backend's life instead of a new one for every operation.

Django's RedisCacheClient.get_client() builds a redis.Redis on each get, set or delete (it keeps only the
connection pools). Building one fills its table of reply handlers and costs about 0.1 ms of CPU, more on
a busy machine: every signed-in page reads the session and the partnership's settings from the cache, so
two of them a page for nothing. The client holds no connection of its own (they are the pool's, which
redis-py makes anew in a forked process) and is safe to share between threads; Django also gives each
thread its own cache backend. What is sent to Redis, and what an error does, are unchanged.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
