"""Sign-in and password-reset throttling: counters and lock-outs in the shared cache.

A `Limit` counts events about one subject (a username, a client address, an email)
in fixed windows of `window` seconds; the event that brings the count to `count`
locks the subject for `lockout` seconds. A locked subject is refused before any
password is checked, whether or not the account exists, so a lock-out tells an
attacker nothing about which usernames are real.

Subjects are stored as keyed hashes, never as typed (no usernames or emails in
Redis). If the cache is down nothing is counted and nobody is locked out: signing
in matters more than throttling it, and the error is logged.

Settings: `AUTH_THROTTLE = {"login_username": {"count": 5, ...}, ...}` overrides
any field of the limits below; `AUTH_THROTTLE_PREFIX` namespaces the cache keys.
"""

import dataclasses
import ipaddress
import logging
import math
import time
import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from .exceptions import TooManyAttempts

logger = logging.getLogger(__name__)

MINUTE = 60


@dataclasses.dataclass(frozen=True)
class Limit:
    name: str
    count: int  # events allowed in one window; the last of them starts a lock-out
    window: int  # seconds
    lockout: int  # seconds


LIMITS = {
    # Guessing one account's password: 5 wrong passwords in 15 minutes lock that
    # username for 15 minutes, from every address (a botnet gains nothing).
    "login_username": Limit(
        "login-user", count=5, window=15 * MINUTE, lockout=15 * MINUTE
    ),
    # One address trying many usernames (credential stuffing). Only failures count:
    # a shop's many customers behind one NAT sign in successfully all day.
    "login_address": Limit(
        "login-addr", count=20, window=15 * MINUTE, lockout=15 * MINUTE
    ),
    # Reset emails: every request counts, per address and per target address.
    "reset_address": Limit(
        "reset-addr", count=10, window=60 * MINUTE, lockout=60 * MINUTE
    ),
    "reset_email": Limit(
        "reset-email", count=3, window=60 * MINUTE, lockout=60 * MINUTE
    ),
}


def clock() -> float:
    """Now, in seconds since the epoch (tests move it forward)."""
    return time.time()


def limit_get(name: str) -> Limit:
    """The limit called `name`, with any overrides from settings.AUTH_THROTTLE."""
    overrides = getattr(settings, "AUTH_THROTTLE", {}).get(name, {})
    return dataclasses.replace(LIMITS[name], **overrides)


def client_address(request) -> str:
    """The caller's address; an IPv6 caller by its /64, which one host can fill.

    REMOTE_ADDR only: behind a proxy, run Daphne with --proxy-headers so that it is
    the client's. A header the client can set itself must never pick the counter.
    "" when the server does not know (a Unix socket): no address is then counted,
    rather than every caller in one shared count that anyone could lock.
    """
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _normal(subject: str) -> str:
    # As Django normalises usernames, and case-blind: "Ada" and "ada" share a count.
    return unicodedata.normalize("NFKC", subject).strip().casefold()


def _key(limit: Limit, subject: str, suffix: str) -> str:
    prefix = getattr(settings, "AUTH_THROTTLE_PREFIX", "auth-throttle")
    digest = salted_hmac("accounts.throttle", _normal(subject)).hexdigest()[:32]
    return f"{prefix}:{limit.name}:{digest}:{suffix}"


def locked_for(limit: Limit, subject: str) -> int:
    """Seconds `subject` stays locked under `limit`; 0 when it is free."""
    if not subject:
        return 0
    try:
        until = cache.get(_key(limit, subject, "lock"))
    except Exception:  # noqa: BLE001 - the cache is down: do not lock anyone out
        logger.warning("Throttle %s: cache unavailable", limit.name, exc_info=True)
        return 0
    if until is None:
        return 0
    return max(0, math.ceil(until - clock()))


def record(limit: Limit, subject: str) -> int:
    """Count one event; return the seconds of the lock-out it starts, else 0."""
    if not subject:
        return 0
    now = clock()
    bucket = _key(limit, subject, str(int(now // limit.window)))
    try:
        if cache.add(bucket, 1, timeout=limit.window + 1):
            count = 1
        else:
            count = cache.incr(bucket)
        if count < limit.count:
            return 0
        cache.set(
            _key(limit, subject, "lock"), now + limit.lockout, timeout=limit.lockout + 1
        )
    except ValueError:  # the bucket expired between add and incr: a new window
        return 0
    except Exception:  # noqa: BLE001 - the cache is down: do not lock anyone out
        logger.warning("Throttle %s: cache unavailable", limit.name, exc_info=True)
        return 0
    logger.warning(
        "Throttle %s: locked for %s s after %s events", limit.name, limit.lockout, count
    )
    return limit.lockout


def forget(limit: Limit, subject: str) -> None:
    """Drop the count of the current window for `subject` (not a lock-out)."""
    bucket = _key(limit, subject, str(int(clock() // limit.window)))
    try:
        cache.delete(bucket)
    except Exception:  # noqa: BLE001 - nothing to forget without a cache
        logger.warning("Throttle %s: cache unavailable", limit.name, exc_info=True)


# --- the policies the views apply ----------------------------------------------------


def login_check(*, username: str | None, address: str) -> None:
    """Raise TooManyAttempts if this username or address may not sign in now."""
    wait = max(
        locked_for(limit_get("login_address"), address),
        locked_for(limit_get("login_username"), username or ""),
    )
    if wait:
        raise TooManyAttempts(retry_after=wait)


def login_failure_record(*, username: str, address: str) -> None:
    """Count a wrong password; raise TooManyAttempts if it starts a lock-out."""
    wait = max(
        record(limit_get("login_username"), username),
        record(limit_get("login_address"), address),
    )
    if wait:
        raise TooManyAttempts(retry_after=wait)


def login_success_record(*, username: str) -> None:
    """Forget the username's recent failures: its owner knew the password.

    The address keeps its count, so one valid account cannot launder the failures
    of a stuffing run.
    """
    forget(limit_get("login_username"), username)


def password_reset_check(*, email: str, address: str) -> None:
    """Count one reset request; raise TooManyAttempts if it must not be sent."""
    by_address, by_email = limit_get("reset_address"), limit_get("reset_email")
    wait = max(locked_for(by_address, address), locked_for(by_email, email))
    if wait:
        raise TooManyAttempts(retry_after=wait, action="password reset")
    record(by_address, address)
    record(by_email, email)
