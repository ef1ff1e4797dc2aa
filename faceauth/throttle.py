"""A fixed-window request counter in the shared cache (Redis)."""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)


def allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one event under ``key``; False once ``limit`` is passed in the window."""
    bucket = f"throttle:{key}:{int(time.time() // window_seconds)}"
    try:
        if cache.add(bucket, 1, timeout=window_seconds + 1):
            return True
        return cache.incr(bucket) <= limit
    except ValueError:  # the key expired between add and incr: a new window
        return True
    except Exception:  # noqa: BLE001 - the cache is down: do not block the user
        logger.warning("Throttle %s: cache unavailable, allowing", key, exc_info=True)
        return True


class TokenBucket:
    """`rate` events a second on average, bursts up to `burst` (one per socket)."""

    def __init__(self, *, rate: float, burst: float, clock=time.monotonic):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.clock = clock
        self.updated = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
