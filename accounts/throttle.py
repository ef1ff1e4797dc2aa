"""Sign-in and password-reset throttling: counters and lock-outs in the shared cache.

A `Limit` counts events about one subject (a username, a client address, an email)
in fixed windows of `window` seconds; the event that brings the count to `count`
locks the subject for `lockout` seconds. A locked subject is refused before any
password is checked, whether or not the account exists, so a lock-out tells an
attacker nothing about which usernames are real.

A sign-in is counted before its password is checked (`login_attempt`), atomically
in the cache: checks under way fill the count as failures do, so guesses sent all
at once get no more checks than guesses sent one by one.

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

from core import throttle as window
from core.throttle import window_key

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


def lock_keys_pattern() -> str:
    """The pattern of the cache's Redis keys of every lock in force, whatever the
    limit and subject (for the metrics): `<cache prefix>:<prefix>:<limit>:*:lock`."""
    prefix = getattr(settings, "AUTH_THROTTLE_PREFIX", "auth-throttle")
    return cache.make_key(f"{prefix}:*:lock")


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


def _bucket(limit: Limit, subject: str) -> str:
    """The key counting `subject`'s events of the current window."""
    return window_key(_key(limit, subject, "n"), limit.window, clock())


def _lock(limit: Limit, subject: str, count: int) -> int:
    """Lock `subject` out under `limit`; return the seconds of the lock-out."""
    cache.set(
        _key(limit, subject, "lock"),
        clock() + limit.lockout,
        timeout=limit.lockout + 1,
    )
    logger.warning(
        "Throttle %s: locked for %s s after %s events", limit.name, limit.lockout, count
    )
    return limit.lockout


def record(limit: Limit, subject: str) -> int:
    """Count one event; return the seconds of the lock-out it starts, else 0."""
    if not subject:
        return 0
    try:
        count = window.count(_bucket(limit, subject), limit.window)
        return _lock(limit, subject, count) if count >= limit.count else 0
    except Exception:  # noqa: BLE001 - the cache is down: do not lock anyone out
        logger.warning("Throttle %s: cache unavailable", limit.name, exc_info=True)
        return 0


@dataclasses.dataclass(frozen=True)
class _Counted:
    """One attempt's share of a counter."""

    limit: Limit
    subject: str
    bucket: str
    count: int  # the counter's value once this attempt was added
    forget_on_success: bool  # else a success gives back only its own share


class LoginAttempt:
    """One password check, counted before it runs: see `login_attempt`."""

    def __init__(self, *, username: str | None, address: str):
        self._subjects = [
            (limit_get("login_username"), username or "", True),
            (limit_get("login_address"), address or "", False),
        ]
        self._counted: list[_Counted] = []
        self._settled = False

    def __enter__(self) -> "LoginAttempt":
        wait = max(locked_for(limit, subject) for limit, subject, _ in self._subjects)
        if wait:
            raise TooManyAttempts(retry_after=wait)
        for limit, subject, forget_on_success in self._subjects:
            if not subject:
                continue
            bucket = _bucket(limit, subject)
            try:
                count = window.count(bucket, limit.window)
            except Exception:  # noqa: BLE001 - the cache is down: let them try
                logger.warning(
                    "Throttle %s: cache unavailable", limit.name, exc_info=True
                )
                continue
            self._counted.append(
                _Counted(limit, subject, bucket, count, forget_on_success)
            )
        # Failures and checks under way fill the count: this one is one too many.
        over = [c for c in self._counted if c.count > c.limit.count]
        if over:
            _give_back(self._counted)
            raise TooManyAttempts(retry_after=_lock_all(over))
        return self

    def fail(self) -> None:
        """Keep the counts (a wrong password); raise TooManyAttempts if that
        reaches a limit, starting its lock-out."""
        self._settled = True
        wait = _lock_all([c for c in self._counted if c.count >= c.limit.count])
        if wait:
            raise TooManyAttempts(retry_after=wait)

    def succeed(self) -> None:
        """Forget the username's failures (its owner knew the password) and give
        back the address's share: the address limit counts failures only.

        The address keeps its earlier failures, so one valid account cannot launder
        those of a stuffing run.
        """
        self._settled = True
        _forget([c for c in self._counted if c.forget_on_success])
        _give_back([c for c in self._counted if not c.forget_on_success])

    def __exit__(self, exc_type, exc, traceback) -> None:
        if not self._settled:  # no password was checked, or the check broke
            _give_back(self._counted)


def _lock_all(counted: list[_Counted]) -> int:
    """Lock out each subject of `counted`; the longest wait, 0 without a cache."""
    wait = 0
    for c in counted:
        try:
            wait = max(wait, _lock(c.limit, c.subject, c.count))
        except Exception:  # noqa: BLE001 - the cache is down: do not lock anyone out
            logger.warning(
                "Throttle %s: cache unavailable", c.limit.name, exc_info=True
            )
    return wait


def _give_back(counted: list[_Counted]) -> None:
    """Take one attempt's share back out of each counter."""
    for c in counted:
        try:
            cache.decr(c.bucket)
            # Had the bucket just been forgotten, decr made it anew without expiry.
            cache.touch(c.bucket, c.limit.window + 1)
        except ValueError:  # forgotten or expired: nothing to give back
            pass
        except Exception:  # noqa: BLE001 - the cache is down
            logger.warning(
                "Throttle %s: cache unavailable", c.limit.name, exc_info=True
            )


def _forget(counted: list[_Counted]) -> None:
    """Drop the whole count of each counter (not a lock-out)."""
    for c in counted:
        try:
            cache.delete(c.bucket)
        except Exception:  # noqa: BLE001 - nothing to forget without a cache
            logger.warning(
                "Throttle %s: cache unavailable", c.limit.name, exc_info=True
            )


# --- the policies the views apply ----------------------------------------------------


def login_attempt(*, username: str | None, address: str) -> LoginAttempt:
    """Count a sign-in attempt before its password is checked, as a context manager.

    Entering counts the attempt against the username and the address ("" for none)
    and raises TooManyAttempts if either is locked, or already has as many checks
    under way or failed as its limit allows (that starts its lock-out): parallel
    guesses get no more checks than sequential ones. Inside, call `fail()` after a
    wrong password (it raises TooManyAttempts if this failure starts a lock-out) or
    `succeed()` after a right one; an attempt left without either, because no
    password was checked or an error broke out, is not counted.

        with throttle.login_attempt(username=username, address=address) as attempt:
            if not user.check_password(password):
                attempt.fail()
                raise WrongPassword
            attempt.succeed()
    """
    return LoginAttempt(username=username, address=address)


def password_check(*, user, password: str) -> bool:
    """Whether `password` is the signed-in `user`'s own, checked on the username's
    sign-in count (no address: the session already says who asks), so that a stolen
    session cannot guess the password here instead of at the login form. An empty
    password is not checked and does not count. Raises TooManyAttempts if the
    username is locked, or if this wrong password locks it."""
    with login_attempt(username=user.get_username(), address="") as attempt:
        if not password:
            return False
        if user.check_password(password):
            attempt.succeed()
            return True
        attempt.fail()
        return False


def password_tries_left(*, user) -> int:
    """How many wrong passwords the signed-in `user` may still enter, at sign-in or
    at a confirmation, before the username is locked out."""
    limit = limit_get("login_username")
    try:
        failed = cache.get(_bucket(limit, user.get_username())) or 0
    except Exception:  # noqa: BLE001 - the cache is down: nobody is locked out
        logger.warning("Throttle %s: cache unavailable", limit.name, exc_info=True)
        return limit.count
    return max(0, limit.count - int(failed))


def password_reset_check(*, email: str, address: str) -> None:
    """Count one reset request; raise TooManyAttempts if it must not be sent."""
    by_address, by_email = limit_get("reset_address"), limit_get("reset_email")
    wait = max(locked_for(by_address, address), locked_for(by_email, email))
    if wait:
        raise TooManyAttempts(retry_after=wait, action="password reset")
    record(by_address, address)
    record(by_email, email)
