"""Fixed-window counters in the shared cache (Redis): the one way events are counted.

A counter's key names its window (`window_key`); `count` adds one to it atomically
and it lives one window. accounts.throttle builds its sign-in and reset limits on
it; `allow` is the plain "at most N in a window" the face pages use.
"""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

# Now, in epoch seconds (tests keep it still).
clock = time.time


def window_key(key: str, window: int, now: float | None = None) -> str:
    """The key counting `key`'s events in the window of `window` seconds holding
    `now`."""
    now = clock() if now is None else now
    return f"{key}:{int(now // window)}"


def count(bucket: str, window: int) -> int:
    """Add one to the counter `bucket` atomically, creating it to live one window of
    `window` seconds; the new count. Raises whatever the cache raises."""
    if cache.add(bucket, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(bucket)
    except ValueError:  # the counter expired between add and incr: a new window
        cache.add(bucket, 1, timeout=window + 1)
        return 1


def allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one event under `key`; False once `limit` is passed in the window.
    True when the cache is down: the user is not blocked for it (and it is logged)."""
    try:
        events = count(window_key(f"throttle:{key}", window_seconds), window_seconds)
    except Exception:  # noqa: BLE001 - the cache is down: do not block the user
        logger.warning("Throttle %s: cache unavailable, allowing", key, exc_info=True)
        return True
    return events <= limit
