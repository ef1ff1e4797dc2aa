"""One Redis connection pool per process for Django's cache.

Under ASGI (Daphne), Django makes a new cache object for every request (caches are
context-local), and each object opened a pool of its own: a new Redis connection
per request that touches the cache. This pool class hands every cache object of
the process the same pool (per URL and options); redis-py pools are thread-safe
and start afresh in a forked child.
"""

import threading

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: dict = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url, **kwargs):
        key = (url, repr(sorted(kwargs.items())))
        with cls._lock:
            pool = cls._shared.get(key)
            if pool is None:
                pool = cls._shared[key] = super().from_url(url, **kwargs)
            return pool
