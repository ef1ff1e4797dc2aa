"""Frames in flight, by reference: the consumer puts, the Celery task takes.

Per attempt, Redis holds at most one frame (a newer one replaces an unprocessed
one), a flag saying a task is on its way, and the counts the audit needs. Every key
expires within seconds; `attempt_forget` deletes them all when the attempt ends.
Frames never travel as task arguments or results.

Per user, Redis also remembers which attempt each frame was first sent to, by a
keyed digest of its bytes (never the bytes), for FACEAUTH_REPLAY_SECONDS: the same
bytes sent to another attempt of the same user are a recording played again, or a
blank frame (a camera warming up encodes to the same bytes every time). Either way
the frame is dropped and counted, never judged: the attempt goes on.
"""

from dataclasses import dataclass
from functools import cache

import redis
import redis.asyncio
from django.conf import settings
from django.utils.crypto import salted_hmac

FRAME_TTL_MS = 5_000
INFLIGHT_TTL_MS = 5_000  # a task that died frees the attempt after this
COUNTS_TTL_MS = 120_000
# How long a frame's digest is remembered, unless FACEAUTH_REPLAY_SECONDS says
# otherwise (0 turns the replay check off).
REPLAY_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Frame:
    data: bytes
    received_at: float  # epoch seconds, when the consumer got it
    seq: int  # its number among the frames received
    # The session the frame came through: an approval checks it is still signed in.
    # Empty for frames made in code rather than received (tests).
    session_key: str = ""


def _keys(attempt_id: int) -> tuple[str, str, str]:
    base = f"{settings.FACEAUTH_REDIS_PREFIX}:attempt:{attempt_id}"
    return f"{base}:frame", f"{base}:inflight", f"{base}:counts"


def async_client() -> redis.asyncio.Redis:
    """A client for one websocket connection (close it when the socket closes)."""
    return redis.asyncio.Redis.from_url(
        settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
    )


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
    )


async def frame_put(
    client: redis.asyncio.Redis,
    attempt_id: int,
    data: bytes,
    at: float,
    *,
    session_key: str = "",
) -> bool:
    """Store the newest frame; True if no task is on its way and one must be sent."""
    frame_key, inflight_key, counts_key = _keys(attempt_id)
    async with client.pipeline(transaction=True) as pipe:
        pipe.hincrby(counts_key, "received", 1)
        pipe.pexpire(counts_key, COUNTS_TTL_MS)
        results = await pipe.execute()
    seq = results[0]
    async with client.pipeline(transaction=True) as pipe:
        pipe.hset(
            frame_key,
            mapping={"data": data, "at": repr(at), "seq": seq, "session": session_key},
        )
        pipe.pexpire(frame_key, FRAME_TTL_MS)
        pipe.set(inflight_key, 1, nx=True, px=INFLIGHT_TTL_MS)
        results = await pipe.execute()
    return bool(results[-1])


async def frame_dropped(client: redis.asyncio.Redis, attempt_id: int) -> None:
    """Count a frame dropped for coming too fast."""
    await _count(client, attempt_id, "dropped")


async def frame_replayed(client: redis.asyncio.Redis, attempt_id: int) -> None:
    """Count a frame dropped for having been sent to another attempt first."""
    await _count(client, attempt_id, "replayed")


async def _count(client: redis.asyncio.Redis, attempt_id: int, field: str) -> None:
    _, _, counts_key = _keys(attempt_id)
    async with client.pipeline(transaction=True) as pipe:
        pipe.hincrby(counts_key, field, 1)
        pipe.pexpire(counts_key, COUNTS_TTL_MS)
        await pipe.execute()


def frame_take(attempt_id: int) -> Frame | None:
    """Take the waiting frame, if any; a second taker gets None."""
    frame_key, _, _ = _keys(attempt_id)
    with _client().pipeline(transaction=True) as pipe:
        pipe.hgetall(frame_key)
        pipe.delete(frame_key)
        fields, _ = pipe.execute()
    if not fields or b"data" not in fields:
        return None
    return Frame(
        data=fields[b"data"],
        received_at=float(fields[b"at"]),
        seq=int(fields[b"seq"]),
        session_key=fields.get(b"session", b"").decode(),
    )


def inflight_release(attempt_id: int) -> bool:
    """Say the task is done; True if a frame arrived meanwhile and this caller took
    the flag again, so it must send the next task itself."""
    frame_key, inflight_key, _ = _keys(attempt_id)
    client = _client()
    client.delete(inflight_key)
    if not client.exists(frame_key):
        return False
    return bool(client.set(inflight_key, 1, nx=True, px=INFLIGHT_TTL_MS))


def counts(attempt_id: int) -> dict[str, int]:
    _, _, counts_key = _keys(attempt_id)
    raw = _client().hgetall(counts_key)
    return {key.decode(): int(value) for key, value in raw.items()}


def attempt_forget(attempt_id: int) -> None:
    """Delete everything Redis holds for the attempt."""
    _client().delete(*_keys(attempt_id))


# --- replayed frames ---------------------------------------------------------------


def replay_seconds() -> int:
    return getattr(settings, "FACEAUTH_REPLAY_SECONDS", REPLAY_SECONDS)


def frame_digest(user_id: int, data: bytes) -> str:
    """A digest of a frame's bytes, the same for the same bytes of the same user.

    An HMAC-SHA256 under a key derived from SECRET_KEY and the user: without the
    key nobody can tell from a digest which picture it was of, test a picture
    against it, or link the same picture across users.
    """
    return salted_hmac(
        f"faceauth.frames.seen:{user_id}", data, algorithm="sha256"
    ).hexdigest()


def _seen_key(user_id: int, digest: str) -> str:
    return f"{settings.FACEAUTH_REDIS_PREFIX}:seen:{user_id}:{digest}"


async def frame_seen_elsewhere(
    client: redis.asyncio.Redis, *, user_id: int, attempt_public_id, data: bytes
) -> bool:
    """Note that these bytes were sent to the user's attempt; True if they were sent
    to another attempt of the same user first (within the replay period).

    One key per digest, holding the attempt it was first seen in and expiring on
    its own: a hash per user would need a field expiry (Redis 7.4) or keep growing.
    Only the first sending writes (SET NX): a replay neither rewrites the key nor
    extends its life, so a recording played daily is still forgotten on time.
    """
    seconds = replay_seconds()
    if seconds <= 0:
        return False
    attempt = str(attempt_public_id)
    first = await client.set(
        _seen_key(user_id, frame_digest(user_id, data)),
        attempt,
        nx=True,
        get=True,
        ex=seconds,
    )
    return first is not None and first.decode() != attempt
