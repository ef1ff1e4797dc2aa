"""Frames in flight, by reference: the consumer puts, the Celery task takes.

Per attempt, Redis holds a short queue of frames (QUEUE_FRAMES, the oldest dropped
when it overflows), a flag saying a task is on its way, and the counts the audit
needs. While the shopper answers a cue the task judges every frame in order;
otherwise it takes the newest and skips the rest (faceauth/services/checks.py).
Every frame gets a number when it arrives, dropped ones too, so the task knows when
a frame is missing. Every key expires within seconds; `attempt_forget` deletes them
all when the attempt ends. Frames never travel as task arguments or results.

Per user, Redis also remembers which attempt each frame was first sent to, by a
keyed digest of its bytes (never the bytes), for FACEAUTH_REPLAY_SECONDS: the same
bytes sent to another attempt of the same user are a recording played again, or a
blank frame (a camera warming up encodes to the same bytes every time). Either way
the frame is dropped and counted, never judged: the attempt goes on.
"""

import contextlib
import json
import secrets
from dataclasses import dataclass
from functools import cache

import redis
import redis.asyncio
from django.conf import settings
from django.utils.crypto import salted_hmac

FRAME_TTL_MS = 5_000
INFLIGHT_TTL_MS = 5_000  # a task that died frees the attempt after this
JUDGING_TTL_MS = 10_000  # the task's hard time limit: a killed taker's hold ends
COUNTS_TTL_MS = 120_000
# Two seconds of frames at the page's 15 a second while a cue is shown: a worker
# further behind than that loses frames, and the answer is "not seen".
QUEUE_FRAMES = 30
# How long a frame's digest is remembered, unless FACEAUTH_REPLAY_SECONDS says
# otherwise (0 turns the replay check off).
REPLAY_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Frame:
    data: bytes
    received_at: float  # epoch seconds, when the consumer got it
    seq: int  # its number among the frames that arrived, dropped ones included
    # The session the frame came through: an approval checks it is still signed in.
    # Empty for frames made in code rather than received (tests).
    session_key: str = ""

    def pack(self) -> bytes:
        header = {"at": self.received_at, "seq": self.seq, "session": self.session_key}
        return json.dumps(header).encode() + b"\0" + self.data

    @classmethod
    def unpack(cls, packed: bytes) -> "Frame":
        header, _, data = packed.partition(b"\0")
        fields = json.loads(header)
        return cls(
            data=data,
            received_at=float(fields["at"]),
            seq=int(fields["seq"]),
            session_key=fields.get("session", ""),
        )


def _keys(attempt_id: int) -> tuple[str, str, str, str]:
    base = f"{settings.FACEAUTH_REDIS_PREFIX}:attempt:{attempt_id}"
    return (
        f"{base}:frames",
        f"{base}:inflight",
        f"{base}:counts",
        f"{base}:judging",
    )


def async_client(*, timeout: float = 2) -> redis.asyncio.Redis:
    """A client for one websocket connection or one waiting request (close it when
    done); `timeout` must outlast any blocking command it sends."""
    return redis.asyncio.Redis.from_url(
        settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=2
    )


@cache
def sync_client() -> redis.Redis:
    """The process's client for the tasks and other synchronous code."""
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
    """Queue a frame; True if no task is on its way and one must be sent."""
    queue_key, inflight_key, counts_key, _ = _keys(attempt_id)
    seq = await _count(client, attempt_id, "received")
    frame = Frame(data=data, received_at=at, seq=seq, session_key=session_key)
    async with client.pipeline(transaction=True) as pipe:
        pipe.rpush(queue_key, frame.pack())
        pipe.ltrim(queue_key, -QUEUE_FRAMES, -1)
        pipe.pexpire(queue_key, FRAME_TTL_MS)
        pipe.set(inflight_key, 1, nx=True, px=INFLIGHT_TTL_MS)
        results = await pipe.execute()
    return bool(results[-1])


async def frame_dropped(client: redis.asyncio.Redis, attempt_id: int) -> None:
    """Count a frame dropped for coming too fast (its number is then missing)."""
    await _count(client, attempt_id, "dropped")


async def frame_replayed(client: redis.asyncio.Redis, attempt_id: int) -> None:
    """Count a frame dropped for having been sent to another attempt first."""
    await _count(client, attempt_id, "replayed")


async def _count(client: redis.asyncio.Redis, attempt_id: int, field: str) -> int:
    """Count one more frame under `field`; returns the frame's number."""
    _, _, counts_key, _ = _keys(attempt_id)
    async with client.pipeline(transaction=True) as pipe:
        pipe.hincrby(counts_key, "seq", 1)
        pipe.hincrby(counts_key, field, 1)
        pipe.pexpire(counts_key, COUNTS_TTL_MS)
        seq, *_ = await pipe.execute()
    return seq


def frame_take(attempt_id: int, *, in_order: bool = False) -> Frame | None:
    """Take the oldest waiting frame (`in_order`), or the newest, skipping the older
    ones; a second taker gets None."""
    queue_key, _, _, _ = _keys(attempt_id)
    client = sync_client()
    if in_order:
        packed = client.lpop(queue_key)
        return Frame.unpack(packed) if packed else None
    with client.pipeline(transaction=True) as pipe:
        pipe.lrange(queue_key, -1, -1)
        pipe.delete(queue_key)
        newest, _ = pipe.execute()
    return Frame.unpack(newest[0]) if newest else None


# Deletes the key only if it still holds this taker's token (its lease may have
# run out and another taker hold it now).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@contextlib.contextmanager
def judging(attempt_id: int):
    """Hold the attempt's frames for one taker at a time, from taking a frame to
    storing what it showed; yields False (and holds nothing) if another taker does.

    Two tasks of one attempt (a task delivered twice, or sent again after its
    in-flight flag ran out) would otherwise each take a frame, and one of the
    two would be lost: a gap in the middle of a move.
    """
    _, _, _, judging_key = _keys(attempt_id)
    client = sync_client()
    token = secrets.token_hex(8)
    if not client.set(judging_key, token, nx=True, px=JUDGING_TTL_MS):
        yield False
        return
    try:
        yield True
    finally:
        client.eval(_RELEASE, 1, judging_key, token)


def inflight_release(attempt_id: int) -> bool:
    """Say the task is done; True if a frame is waiting and this caller took the
    flag again, so it must send the next task itself."""
    queue_key, inflight_key, _, _ = _keys(attempt_id)
    client = sync_client()
    client.delete(inflight_key)
    if not client.llen(queue_key):
        return False
    return bool(client.set(inflight_key, 1, nx=True, px=INFLIGHT_TTL_MS))


def counts(attempt_id: int) -> dict[str, int]:
    """How many frames were received, dropped for coming too fast, or replayed."""
    _, _, counts_key, _ = _keys(attempt_id)
    raw = sync_client().hgetall(counts_key)
    counted = {key.decode(): int(value) for key, value in raw.items()}
    counted.pop("seq", None)  # the frames' numbering, not a count of the audit
    return counted


def frames_waiting(attempt_id: int) -> int:
    """How many frames are queued for the attempt."""
    queue_key, _, _, _ = _keys(attempt_id)
    return sync_client().llen(queue_key)


def attempt_forget(attempt_id: int) -> None:
    """Delete everything Redis holds for the attempt."""
    sync_client().delete(*_keys(attempt_id))


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
