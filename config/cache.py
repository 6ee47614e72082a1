"""Django's Redis cache, keeping one client per connection pool.

Django builds a new ``redis.Redis`` for every cache call; building one copies its ~170 response callbacks,
which cost more than the Redis round trip itself on the Explore API's hot path (a throttle check and a
count lookup per request). A client holds no state of its own beyond its pool, and is safe to share
between threads, so each pool gets one, built on first use.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    """``get_client`` answers the same client for the same pool."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``SharedClientRedisCacheClient``."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
