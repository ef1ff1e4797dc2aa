"""Password and password-reset throttling: counters and lock-outs in the shared cache.

Failures are counted where they come from (docs/security.md, "Password guessing"):

- Anonymous sign-ins (the login form, the admin's, the API's token endpoint) per
  username *and* address (`login_pair`): a stranger guessing from their address
  slows down their own guesses, not the account's owner at theirs. Per address across
  usernames (`login_address`), against one address trying many accounts. Per
  username from everywhere (`login_username`), against a botnet: far more failures
  (NIST SP 800-63B allows 100), lifted by the owner's sign-in or a password reset.
- A signed-in user's password checks (Confirm with password, the password change,
  the step before enrolling a face) per user (`session_user`), apart from the
  anonymous counts: nobody without the session can stop its owner paying.

A limit allows `count` failures in a window; each failure from then on locks the
subject, for `lockout` seconds at first and twice as long each time after, up to
`max_lockout` (progressive, NIST SP 800-63B 5.2.2). A locked subject is refused before
any password is checked, whether or not the account exists, so a lock-out tells an
attacker nothing about which usernames are real.

Checks under way are not failures. Each takes a place in flight while it runs (a
place lasts `INFLIGHT_SECONDS` at most): a subject has as many places as it has
failures left before a lock (one once locks have begun), so guesses sent all at
once get no more checks than guesses sent one by one. Taking a place reads the
failures in the same step (a Redis script), and a failure is counted, and any lock
set, before its place is given back: at every moment failures and places taken add
up to the limit at most. A check with no place waits for one (a few seconds at
most), then looks at the lock again; still without a place, it is refused for a
moment (`AttemptsInFlight`), which counts as nothing and locks nobody.

Subjects are stored as keyed hashes, never as typed (no usernames or emails in
Redis). If the cache is down nothing is counted and nobody is locked out: signing
in matters more than throttling it, and the error is logged.

Settings: `AUTH_THROTTLE = {"login_pair": {"count": 5, ...}, ...}` overrides any
field of the limits below; `AUTH_THROTTLE_PREFIX` namespaces the cache keys.
"""

import contextlib
import dataclasses
import functools
import ipaddress
import logging
import math
import time
import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from redis.commands.core import Script

from core import throttle as window
from core.throttle import window_key

from .exceptions import AttemptsInFlight, TooManyAttempts

logger = logging.getLogger(__name__)

MINUTE = 60


@dataclasses.dataclass(frozen=True)
class Limit:
    name: str
    count: int  # failures allowed in one window before the first lock
    window: int  # seconds
    lockout: int  # seconds of the first lock
    # Each lock after the first twice as long as the one before, up to this; None:
    # every lock is `lockout` long.
    max_lockout: int | None = None

    def lockout_after(self, failures: int) -> int:
        """Seconds of the lock that the `failures`-th failure starts (0: none)."""
        if failures < self.count:
            return 0
        if self.max_lockout is None:
            return self.lockout
        doublings = min(failures - self.count, 16)
        return min(self.lockout * 2**doublings, self.max_lockout)


HOUR = 60 * MINUTE
# 4 wrong passwords are free, then each one waits 1, 2, 4, 8, then 15 minutes:
# about 100 guesses a day.
PROGRESSIVE = {
    "count": 5,
    "window": 24 * HOUR,
    "lockout": MINUTE,
    "max_lockout": 15 * MINUTE,
}
LIMITS = {
    # Guessing one account's password from one address.
    "login_pair": Limit("login-pair", **PROGRESSIVE),
    # One address trying many usernames (credential stuffing). Only failures count:
    # a shop's many customers behind one NAT sign in successfully all day.
    "login_address": Limit(
        "login-addr", count=20, window=15 * MINUTE, lockout=15 * MINUTE
    ),
    # One account guessed from everywhere (a botnet): 100 failures in a day lock
    # anonymous sign-in to it for an hour, except from the addresses it signed in
    # from before (`login_attempt`); the owner's sign-in there, or a password reset,
    # lifts it. Signed-in checks ignore it.
    "login_username": Limit("login-user", count=100, window=24 * HOUR, lockout=HOUR),
    # A signed-in session guessing its user's password (a stolen session): as the
    # pair above, counted per user, and never by anyone without a session.
    "session_user": Limit("session-user", **PROGRESSIVE),
    # Reset emails: every request counts, per address and per target address.
    "reset_address": Limit(
        "reset-addr", count=10, window=60 * MINUTE, lockout=60 * MINUTE
    ),
    "reset_email": Limit(
        "reset-email", count=3, window=60 * MINUTE, lockout=60 * MINUTE
    ),
    # Sign-ups: each sends an e-mail, so the same limits as resets.
    "signup_address": Limit(
        "signup-addr", count=10, window=60 * MINUTE, lockout=60 * MINUTE
    ),
    "signup_email": Limit(
        "signup-email", count=3, window=60 * MINUTE, lockout=60 * MINUTE
    ),
}
# How long a check's place in flight lasts if it never gives it back (a crash).
INFLIGHT_SECONDS = 30
# A check that finds every place taken waits this long for one (the checks under
# way take a password hash's time each), then is refused for a moment.
INFLIGHT_WAIT_SECONDS = 3.0
INFLIGHT_POLL_SECONDS = 0.05
# Take a place in flight (KEYS[2]) if fewer are taken than the failures (KEYS[1])
# leave, one at least; 1 if taken, 0 if not. Atomic: a failure counted meanwhile
# cannot leave a stale number of places.
_TAKE_PLACE = """
local failures = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local places = math.max(1, tonumber(ARGV[1]) - failures)
local taken = redis.call('INCR', KEYS[2])
if taken == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
if taken > places then
    redis.call('DECR', KEYS[2])
    return 0
end
return 1
"""


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


def _failures(limit: Limit, subject: str) -> int:
    return int(cache.get(_bucket(limit, subject)) or 0)


def _lock(limit: Limit, subject: str, seconds: int, failures: int) -> int:
    """Lock `subject` out under `limit` for `seconds`; returns them."""
    cache.set(_key(limit, subject, "lock"), clock() + seconds, timeout=seconds + 1)
    logger.warning(
        "Throttle %s: locked for %s s after %s failures", limit.name, seconds, failures
    )
    return seconds


def _unlock(limit: Limit, subject: str) -> None:
    """Forget `subject`'s failures and any lock in force under `limit`."""
    if subject:
        cache.delete_many([_bucket(limit, subject), _key(limit, subject, "lock")])


def record(limit: Limit, subject: str) -> int:
    """Count one event; return the seconds of the lock-out it starts, else 0."""
    if not subject:
        return 0
    try:
        count = window.count(_bucket(limit, subject), limit.window)
        seconds = limit.lockout_after(count)
        return _lock(limit, subject, seconds, count) if seconds else 0
    except Exception:  # noqa: BLE001 - the cache is down: do not lock anyone out
        logger.warning("Throttle %s: cache unavailable", limit.name, exc_info=True)
        return 0


@dataclasses.dataclass
class _Counter:
    """One subject a password check is counted against."""

    limit: Limit
    subject: str
    forget_on_success: bool  # a right password forgets its failures
    locks: bool = True  # its lock refuses the check (else it only counts)
    place: str | None = None  # the key of the place in flight it holds


class PasswordAttempt:
    """One password check, holding a place in flight while it runs; see
    `login_attempt`."""

    def __init__(self, counters: list[_Counter], *, known_key: str | None = None):
        self._counters = [c for c in counters if c.subject]
        self._known_key = known_key  # set on success: see `login_attempt`
        self._settled = False

    def __enter__(self) -> "PasswordAttempt":
        give_up = time.monotonic() + INFLIGHT_WAIT_SECONDS
        while True:
            self._refuse_if_locked()
            if self._places_taken():
                break
            if time.monotonic() >= give_up:
                raise AttemptsInFlight()
            time.sleep(INFLIGHT_POLL_SECONDS)
        try:
            # A lock set while this check waited: its place was given back after it.
            self._refuse_if_locked()
        except TooManyAttempts:
            self._leave()
            raise
        return self

    def _refuse_if_locked(self) -> None:
        wait = max(
            (locked_for(c.limit, c.subject) for c in self._counters if c.locks),
            default=0,
        )
        if wait:
            raise TooManyAttempts(retry_after=wait)

    def _places_taken(self) -> bool:
        """Take a place in flight under every counter, or none (False)."""
        for counter in self._counters:
            place = _key(counter.limit, counter.subject, "inflight")
            try:
                taken = _take_place(
                    _bucket(counter.limit, counter.subject),
                    place,
                    places=counter.limit.count,
                )
            except Exception:  # noqa: BLE001 - the cache is down: let them try
                logger.warning(
                    "Throttle %s: cache unavailable", counter.limit.name, exc_info=True
                )
                continue
            if not taken:
                self._leave()
                return False
            counter.place = place
        return True

    def fail(self) -> None:
        """Count a wrong password; raise TooManyAttempts if that starts a lock."""
        self._settled = True
        wait = 0
        for c in self._counters:
            try:
                failures = window.count(_bucket(c.limit, c.subject), c.limit.window)
                if seconds := c.limit.lockout_after(failures):
                    wait = max(wait, _lock(c.limit, c.subject, seconds, failures))
            except Exception:  # noqa: BLE001 - the cache is down: lock nobody out
                logger.warning(
                    "Throttle %s: cache unavailable", c.limit.name, exc_info=True
                )
        # Only now: a check waiting for this place must find the failure counted
        # and any lock set.
        self._leave()
        if wait:
            raise TooManyAttempts(retry_after=wait)

    def succeed(self) -> None:
        """A right password: forget the failures of the subjects it vouches for
        (the address keeps its own: one valid account cannot launder a stuffing
        run's)."""
        self._settled = True
        self._leave()
        for c in self._counters:
            if c.forget_on_success:
                _quietly(_unlock, c.limit, c.subject)
        if self._known_key:
            _quietly(cache.set, self._known_key, 1, KNOWN_SECONDS)

    def __exit__(self, exc_type, exc, traceback) -> None:
        if not self._settled:  # no password was checked, or the check broke
            self._leave()

    def _leave(self) -> None:
        """Give back the places in flight."""
        for c in self._counters:
            if c.place is not None:
                _quietly(_give_back, c.place)
                c.place = None


def _take_place(bucket: str, place: str, *, places: int) -> bool:
    """Take a place in flight at the cache key `place` if the failures counted at
    `bucket` leave one (`places` less those failures, one at least)."""
    # Django's Redis cache has no scripts: its client, and its own keys, which hold
    # integers as they are (accounts' counters are integers).
    client = cache._cache.get_client(place, write=True)
    taken = _take_place_script()(
        keys=[cache.make_and_validate_key(bucket), cache.make_and_validate_key(place)],
        args=[places, INFLIGHT_SECONDS * 1000],
        client=client,
    )
    return bool(taken)


@functools.cache
def _take_place_script() -> Script:
    """The script, sent by its digest (EVALSHA) once Redis has it: every password
    check takes a place, and need not send the script's text each time."""
    return Script(None, _TAKE_PLACE.encode())  # the client is given at each call


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
        cache.decr(key)


def _quietly(action, *args) -> None:
    """Do a cache write that may fail without stopping anyone (it is logged)."""
    try:
        action(*args)
    except Exception:  # noqa: BLE001 - the cache is down
        logger.warning("Throttle: cache unavailable", exc_info=True)


# --- the policies the views apply ----------------------------------------------------

# How long an address stays known for a username once it signed in from there.
KNOWN_SECONDS = 30 * 24 * HOUR


def _pair(username: str | None, address: str) -> str:
    return f"{username}\n{address}" if username else ""


def _known_key(username: str, address: str) -> str:
    """Set once `username` signed in from `address`: the username-wide lock then
    spares that address (its owner's, most likely)."""
    return _key(limit_get("login_pair"), _pair(username, address), "known")


def login_attempt(*, username: str | None, address: str) -> PasswordAttempt:
    """Count an anonymous sign-in's password check, as a context manager.

    Entering refuses the check (TooManyAttempts) while the username is locked at
    this address, or the address is, or the username is everywhere (unless the
    username signed in from this address before), or (AttemptsInFlight) while as
    many checks run as failures are left, after waiting a few seconds for one to
    end.
    Inside, call `fail()` after a wrong password (it raises TooManyAttempts if
    this failure starts a lock) or `succeed()` after a right one; an attempt left
    without either, because no password was checked or an error broke out, is not
    counted.

        with throttle.login_attempt(username=username, address=address) as attempt:
            if not user.check_password(password):
                attempt.fail()
                raise WrongPassword
            attempt.succeed()
    """
    known_key = _known_key(username, address) if username else None
    try:
        known = bool(known_key) and bool(cache.get(known_key))
    except Exception:  # noqa: BLE001 - the cache is down
        known = False
    return PasswordAttempt(
        [
            _Counter(limit_get("login_pair"), _pair(username, address), True),
            _Counter(limit_get("login_address"), address or "", False),
            _Counter(limit_get("login_username"), username or "", True, not known),
        ],
        known_key=known_key,
    )


def password_check(*, user, password: str) -> bool:
    """Whether `password` is the signed-in `user`'s own, counted per user apart from
    anonymous sign-ins (a stranger's failures never stop the owner; a stolen
    session's are slowed as a stranger's are). An empty password is not checked and
    does not count. Raises TooManyAttempts if the user's checks are locked, or if
    this wrong password locks them, and AttemptsInFlight as `login_attempt` does."""
    counter = _Counter(limit_get("session_user"), str(user.pk), True)
    with PasswordAttempt([counter]) as attempt:
        if not password:
            return False
        if user.check_password(password):
            attempt.succeed()
            return True
        attempt.fail()
        return False


def password_tries_left(*, user) -> int:
    """How many wrong passwords the signed-in `user` may still enter before their
    password checks have to wait."""
    limit = limit_get("session_user")
    try:
        failed = _failures(limit, str(user.pk))
    except Exception:  # noqa: BLE001 - the cache is down: nobody is locked out
        logger.warning("Throttle %s: cache unavailable", limit.name, exc_info=True)
        return limit.count
    return max(0, limit.count - failed)


def password_reset_done(*, user, address: str) -> None:
    """A password reset proved the user owns the account's email: lift the locks of
    their username everywhere and at this address, and of their signed-in checks."""
    username = user.get_username()
    for name, subject in (
        ("login_username", username),
        ("login_pair", _pair(username, address)),
        ("session_user", str(user.pk)),
    ):
        _quietly(_unlock, limit_get(name), subject)
    logger.info("User #%s: password reset, password locks lifted", user.pk)


def password_reset_check(*, email: str, address: str) -> None:
    """Count one reset request; raise TooManyAttempts if it must not be sent."""
    _mail_request_check("reset", email=email, address=address, action="password reset")


def signup_check(*, email: str, address: str) -> None:
    """Count one sign-up; raise TooManyAttempts if its e-mail must not be sent."""
    _mail_request_check("signup", email=email, address=address, action="sign-up")


def _mail_request_check(kind: str, *, email: str, address: str, action: str) -> None:
    by_address, by_email = limit_get(f"{kind}_address"), limit_get(f"{kind}_email")
    wait = max(locked_for(by_address, address), locked_for(by_email, email))
    if wait:
        raise TooManyAttempts(retry_after=wait, action=action)
    record(by_address, address)
    record(by_email, email)
