"""The face page's websocket, through the project's ASGI application (origin check,
session auth, routing) and the real Redis channel layer and frame store.

The abuse cases of issue 7 meet the socket here: signing out, frames too large or
not pictures at all, a flood of frames, frames of an earlier attempt replayed.
"""

import asyncio
import functools
import hashlib
import io
import json
import random
import secrets
import struct
import time
import zlib
from datetime import timedelta

import pytest
import pytest_asyncio
import redis.asyncio
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone
from PIL import Image

from config.asgi import application
from faceauth import consumers, engine, frames, messages, tasks
from faceauth.models import VerificationAttempt
from faceauth.push import attempt_push
from faceauth.services.attempts import attempt_decide, attempts_expire_overdue
from faceauth.services.lockout import face_lock_of
from faceauth.signals import attempt_decided
from faceauth.throttle import TokenBucket

from .factories import OBAMA, frame_jpeg

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason

# The origin validator copies ALLOWED_HOSTS when config.asgi is imported, before
# the test environment adds "testserver": use a host the settings allow.
ORIGIN = b"http://localhost"
TIMEOUT = 5  # seconds to wait for a message; generous for a loaded machine
FRAME = b"\xff\xd8\xff\xe0" + b"a small frame standing in for a webcam JPEG"


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def own_redis_keys(redis_namespace):
    """Every test here under a Redis key prefix of its own (conftest.py)."""
    return redis_namespace


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    """Record the verify_frame tasks the consumer sends instead of sending them."""
    calls = []

    def record(attempt_id, *, expires=None, urgent=False):
        calls.append((attempt_id, expires))

    monkeypatch.setattr(consumers, "verify_frame_enqueue", record)
    return calls


def _login(user) -> str:
    return _login_client(user)[1]


def _login_client(user) -> tuple[Client, str]:
    """A browser signed in as `user`, and its session cookie."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}"


@pytest.fixture
def cookie(shopper):
    """The session cookie of the logged-in shopper."""
    return _login(shopper)


def _attempt(user, **fields) -> VerificationAttempt:
    fields.setdefault("deadline", timezone.now() + timedelta(seconds=30))
    return VerificationAttempt.objects.create(
        user=user, purpose="payment", reference="SP-1", **fields
    )


@pytest.fixture
def attempt(shopper):
    """An open face check of the shopper; its Redis keys are deleted afterwards."""
    attempt = _attempt(shopper)
    yield attempt
    frames.attempt_forget(attempt.pk)


@pytest_asyncio.fixture
async def connect():
    """Open sockets to the ASGI application; every one is disconnected afterwards."""
    opened = []

    async def open_socket(attempt, *, cookie=None, origin=ORIGIN):
        headers = []
        if origin is not None:
            headers.append((b"origin", origin))
        if cookie is not None:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(
            application, f"/ws/face/{attempt.public_id}/", headers=headers
        )
        opened.append(communicator)
        connected, detail = await communicator.connect(timeout=TIMEOUT)
        return communicator, connected, detail

    yield open_socket
    for communicator in opened:
        if communicator.future.cancelled():
            continue  # a receive timed out and stopped it: the test failed already
        # Raises what the consumer raised, if anything.
        await communicator.disconnect(timeout=TIMEOUT)


@pytest_asyncio.fixture
async def socket(connect, attempt, cookie):
    """The owner's open socket, past its first message."""
    communicator, connected, _ = await connect(attempt, cookie=cookie)
    assert connected
    first = await communicator.receive_json_from(timeout=TIMEOUT)
    assert first["state"] == "streaming"
    return communicator


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Give each socket's rate limiter a clock that stands still."""
    fake = FakeClock()
    monkeypatch.setattr(
        consumers, "TokenBucket", functools.partial(TokenBucket, clock=fake)
    )
    return fake


# --- helpers --------------------------------------------------------------------


async def _settle(communicator):
    """Wait until the consumer has handled everything sent so far.

    The consumer handles one message at a time, in order: once it answers a text
    message, every frame sent before it has been dealt with.
    """
    await communicator.send_to(text_data="are you done?")
    reply = await communicator.receive_json_from(timeout=TIMEOUT)
    assert reply["type"] == "error"


async def _closed_with(communicator) -> int:
    message = await communicator.receive_output(timeout=TIMEOUT)
    assert message["type"] == "websocket.close", message
    return message.get("code")


async def _refused_with(communicator, connected) -> int:
    """A refused socket is accepted, then closed at once with the refusal's code
    (closed during the handshake, the browser would see only 1006), having been
    told nothing."""
    assert connected
    return await _closed_with(communicator)


async def _reload(attempt) -> VerificationAttempt:
    return await VerificationAttempt.objects.aget(pk=attempt.pk)


# --- who may connect ------------------------------------------------------------


async def test_anonymous_visitor_is_refused(connect, attempt):
    communicator, connected, _ = await connect(attempt)

    assert await _refused_with(communicator, connected) == consumers.CLOSE_UNAUTHORISED


async def test_foreign_origin_is_refused(connect, attempt, cookie):
    _, connected, _ = await connect(
        attempt, cookie=cookie, origin=b"https://evil.example"
    )

    assert not connected


async def test_missing_origin_is_refused(connect, attempt, cookie):
    _, connected, _ = await connect(attempt, cookie=cookie, origin=None)

    assert not connected


async def test_someone_elses_attempt_is_refused(connect, attempt, other_shopper):
    cookie = await sync_to_async(_login)(other_shopper)

    communicator, connected, _ = await connect(attempt, cookie=cookie)

    assert await _refused_with(communicator, connected) == consumers.CLOSE_FORBIDDEN


async def test_unknown_attempt_is_refused(connect, attempt, cookie):
    unknown = VerificationAttempt(public_id="00000000-0000-4000-8000-000000000000")

    communicator, connected, _ = await connect(unknown, cookie=cookie)

    assert await _refused_with(communicator, connected) == consumers.CLOSE_FORBIDDEN


@pytest.mark.parametrize("status", [Status.APPROVED, Status.DECLINED, Status.EXPIRED])
async def test_decided_attempt_is_refused(connect, shopper, cookie, status):
    decided = await database_sync_to_async(_attempt)(
        shopper, status=status, decided_at=timezone.now()
    )

    communicator, connected, _ = await connect(decided, cookie=cookie)

    assert await _refused_with(communicator, connected) == consumers.CLOSE_FORBIDDEN


async def test_attempt_past_its_deadline_is_refused(connect, shopper, cookie):
    overdue = await database_sync_to_async(_attempt)(
        shopper, deadline=timezone.now() - timedelta(seconds=1)
    )

    communicator, connected, _ = await connect(overdue, cookie=cookie)

    assert await _refused_with(communicator, connected) == consumers.CLOSE_FORBIDDEN


async def test_owner_of_an_open_attempt_is_accepted_and_told_to_stream(
    connect, attempt, cookie
):
    communicator, connected, _ = await connect(attempt, cookie=cookie)

    assert connected
    first = await communicator.receive_json_from(timeout=TIMEOUT)
    assert first == {
        "type": "state",
        "state": "streaming",
        "message": first["message"],
        "deadline": attempt.deadline.isoformat(),
        "final": False,
    }
    assert first["message"]


async def test_refused_socket_stops_cleanly_when_the_browser_goes_away(
    connect, attempt
):
    communicator, connected, _ = await connect(attempt)
    assert await _refused_with(communicator, connected) == consumers.CLOSE_UNAUTHORISED

    await communicator.send_input({"type": "websocket.disconnect", "code": 1000})

    # The consumer's channel-layer receive was starting up when it was cancelled:
    # it must stop, not keep a Redis connection polling for a socket long gone.
    done, _ = await asyncio.wait({communicator.future}, timeout=TIMEOUT)
    assert communicator.future in done
    assert communicator.future.exception() is None


async def test_idle_socket_outlives_the_channel_layers_blocking_receive(
    socket, attempt
):
    # The layer waits for pushes with a blocking pop of this many seconds; a client
    # read timeout as short would crash every socket left idle that long.
    await asyncio.sleep(get_channel_layer().brpop_timeout + 1)

    assert not socket.future.done()
    await sync_to_async(attempt_push)(
        attempt.public_id, {"state": "approved", "message": "Yes.", "final": True}
    )
    assert (await socket.receive_json_from(timeout=TIMEOUT))["state"] == "approved"


# --- bad messages ---------------------------------------------------------------


async def test_text_messages_are_refused_and_the_fifth_closes_the_socket(socket):
    for _ in range(consumers.MAX_BAD_MESSAGES):
        await socket.send_to(text_data=json.dumps({"frame": "base64..."}))
        reply = await socket.receive_json_from(timeout=TIMEOUT)
        assert reply["type"] == "error"
        assert reply["message"]

    assert await _closed_with(socket) == consumers.CLOSE_BAD_FRAMES


async def test_oversized_frames_are_skipped_and_the_third_closes_the_socket(
    socket, attempt, enqueued
):
    too_large = FRAME + b"\0" * consumers.MAX_FRAME_BYTES

    for _ in range(3):
        await socket.send_to(bytes_data=too_large)
        reply = await socket.receive_json_from(timeout=TIMEOUT)
        assert reply["type"] == "error"

    assert await _closed_with(socket) == consumers.CLOSE_TOO_LARGE
    assert frames.frame_take(attempt.pk) is None
    assert "received" not in frames.counts(attempt.pk)
    assert enqueued == []


async def test_frame_of_the_largest_size_is_accepted(socket, attempt):
    largest = FRAME + b"\0" * (consumers.MAX_FRAME_BYTES - len(FRAME))

    await socket.send_to(bytes_data=largest)
    await _settle(socket)

    assert frames.frame_take(attempt.pk).data == largest


# --- rate ----------------------------------------------------------------------


async def test_frames_over_the_rate_cap_are_dropped(clock, socket, attempt, enqueued):
    for _ in range(40):
        await socket.send_to(bytes_data=FRAME)
    await _settle(socket)

    counts = frames.counts(attempt.pk)
    assert counts["dropped"] == 40 - consumers.FRAME_BURST
    assert counts["received"] == consumers.FRAME_BURST
    assert len(enqueued) == 1


async def test_frames_flow_again_once_the_bucket_refills(clock, socket, attempt):
    for _ in range(consumers.FRAME_BURST + 1):
        await socket.send_to(bytes_data=FRAME)
    await _settle(socket)
    clock.now += 1.0  # FRAMES_PER_SECOND tokens come back

    for _ in range(consumers.FRAMES_PER_SECOND + 1):
        await socket.send_to(bytes_data=FRAME)
    await _settle(socket)

    counts = frames.counts(attempt.pk)
    assert counts["received"] == consumers.FRAME_BURST + consumers.FRAMES_PER_SECOND
    assert counts["dropped"] == 2


async def test_dropping_more_frames_than_the_allowance_closes_the_socket(
    clock, socket, attempt, enqueued
):
    for _ in range(consumers.FRAME_BURST + consumers.DROP_ALLOWANCE + 1):
        await socket.send_to(bytes_data=FRAME)

    assert await _closed_with(socket) == consumers.CLOSE_TOO_FAST
    assert frames.counts(attempt.pk)["dropped"] == consumers.DROP_ALLOWANCE + 1
    # Whatever the client still sends is ignored.
    await socket.send_to(bytes_data=FRAME)
    assert await socket.receive_nothing(timeout=0.3)
    assert frames.counts(attempt.pk)["received"] == consumers.FRAME_BURST
    assert len(enqueued) == 1


async def test_the_drop_allowance_comes_back_with_time(clock, socket, attempt):
    for _ in range(consumers.FRAME_BURST + consumers.DROP_ALLOWANCE):
        await socket.send_to(bytes_data=FRAME)
    await _settle(socket)
    # As many seconds as it takes both allowances to fill up again.
    clock.now += consumers.DROP_ALLOWANCE / consumers.FRAMES_PER_SECOND

    for _ in range(consumers.FRAME_BURST + consumers.DROP_ALLOWANCE):
        await socket.send_to(bytes_data=FRAME)
    await _settle(socket)  # still open: the reply came

    counts = frames.counts(attempt.pk)
    assert counts["dropped"] == 2 * consumers.DROP_ALLOWANCE
    assert counts["received"] == 2 * consumers.FRAME_BURST


# --- frames by reference ----------------------------------------------------------


async def test_frame_is_stored_in_redis_for_the_task(socket, attempt, enqueued):
    before = time.time()

    await socket.send_to(bytes_data=FRAME)
    await _settle(socket)

    frame = frames.frame_take(attempt.pk)
    assert frame.data == FRAME
    assert frame.seq == 1
    assert before <= frame.received_at <= time.time()
    # The task gets the attempt's id, never the frame, and expires with it.
    assert enqueued == [(attempt.pk, attempt.deadline)]


async def test_newer_frame_replaces_an_unprocessed_one(socket, attempt):
    await socket.send_to(bytes_data=FRAME + b"first")
    await socket.send_to(bytes_data=FRAME + b"second")
    await _settle(socket)

    frame = frames.frame_take(attempt.pk)
    assert frame.data == FRAME + b"second"
    assert frame.seq == 2
    assert frames.frame_take(attempt.pk) is None


async def test_one_task_is_sent_while_one_is_in_flight(socket, attempt, enqueued):
    for index in range(4):
        await socket.send_to(bytes_data=FRAME + bytes([index]))
    await _settle(socket)
    assert len(enqueued) == 1

    # The task takes the newest frame and says it is done.
    assert frames.frame_take(attempt.pk).data == FRAME + bytes([3])
    assert frames.inflight_release(attempt.pk) is False
    await socket.send_to(bytes_data=FRAME)
    await _settle(socket)

    assert len(enqueued) == 2


async def test_task_finishing_with_a_frame_waiting_sends_the_next_itself(
    socket, attempt, enqueued
):
    await socket.send_to(bytes_data=FRAME)
    await socket.send_to(bytes_data=FRAME)
    await _settle(socket)

    # A frame is waiting: the finishing task keeps the flag and sends the next task.
    assert frames.inflight_release(attempt.pk) is True
    await socket.send_to(bytes_data=FRAME)
    await _settle(socket)

    assert len(enqueued) == 1


async def test_frame_after_the_deadline_expires_the_attempt(
    connect, shopper, cookie, enqueued
):
    deadline = timezone.now() + timedelta(seconds=2)
    attempt = await database_sync_to_async(_attempt)(shopper, deadline=deadline)
    communicator, connected, _ = await connect(attempt, cookie=cookie)
    assert connected
    await communicator.receive_json_from(timeout=TIMEOUT)
    while time.time() <= deadline.timestamp():
        await asyncio.sleep(0.05)

    await communicator.send_to(bytes_data=FRAME)

    verdict = await communicator.receive_json_from(timeout=TIMEOUT)
    assert verdict["state"] == Status.EXPIRED
    assert verdict["final"] is True
    assert await _closed_with(communicator) == 1000
    assert (await _reload(attempt)).status == Status.EXPIRED
    assert frames.frame_take(attempt.pk) is None
    assert enqueued == []
    await sync_to_async(frames.attempt_forget)(attempt.pk)


# --- pushes -------------------------------------------------------------------------


async def test_pushed_hint_reaches_the_socket(socket, attempt):
    hint = {"state": "challenge", "message": "Now smile!", "faces": 1, "final": False}

    assert await sync_to_async(attempt_push)(attempt.public_id, hint)

    assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "state", **hint}
    await _settle(socket)  # still open


async def test_pushed_verdict_reaches_the_socket_and_closes_it(socket, attempt):
    verdict = {"state": "approved", "message": "Approved!", "final": True}

    await sync_to_async(attempt_push)(attempt.public_id, verdict)

    assert await socket.receive_json_from(timeout=TIMEOUT) == {
        "type": "state",
        **verdict,
    }
    assert await _closed_with(socket) == 1000


async def test_frames_after_the_verdict_are_ignored(socket, attempt, enqueued):
    await sync_to_async(attempt_push)(
        attempt.public_id, {"state": "declined", "message": "No.", "final": True}
    )
    await socket.receive_json_from(timeout=TIMEOUT)
    assert await _closed_with(socket) == 1000

    await socket.send_to(bytes_data=FRAME)
    await socket.send_to(text_data="hello")

    assert await socket.receive_nothing(timeout=0.3)
    assert frames.frame_take(attempt.pk) is None
    assert enqueued == []


async def test_push_to_another_attempt_does_not_reach_the_socket(
    socket, shopper, attempt
):
    other = await database_sync_to_async(_attempt)(shopper)

    await sync_to_async(attempt_push)(
        other.public_id, {"state": "approved", "message": "Approved!", "final": True}
    )
    await _settle(socket)

    assert await socket.receive_nothing(timeout=0.3)


# --- Redis or the broker unavailable -------------------------------------------------


def _unreachable_redis():
    return redis.asyncio.Redis.from_url(
        "redis://127.0.0.1:1/0", socket_timeout=2, socket_connect_timeout=2
    )


async def test_redis_unavailable_at_connect_says_so_and_closes(
    monkeypatch, connect, attempt, cookie, enqueued
):
    monkeypatch.setattr(frames, "async_client", _unreachable_redis)

    communicator, connected, _ = await connect(attempt, cookie=cookie)

    assert connected
    message = await communicator.receive_json_from(timeout=TIMEOUT)
    assert message["type"] == "state"
    assert message["state"] == "error"
    assert message["final"] is True
    assert await _closed_with(communicator) == consumers.CLOSE_UNAVAILABLE
    assert (await _reload(attempt)).status == Status.OPEN
    assert enqueued == []


async def test_broker_unavailable_for_a_frame_says_so_and_closes(
    monkeypatch, socket, attempt
):
    def broker_down(attempt_id, *, expires=None, urgent=False):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(consumers, "verify_frame_enqueue", broker_down)

    await socket.send_to(bytes_data=FRAME)

    message = await socket.receive_json_from(timeout=TIMEOUT)
    assert (message["state"], message["final"]) == ("error", True)
    assert await _closed_with(socket) == consumers.CLOSE_UNAVAILABLE
    assert (await _reload(attempt)).status == Status.OPEN


# --- signing out ------------------------------------------------------------------


async def test_socket_opened_after_signing_out_is_refused(connect, attempt, shopper):
    client, cookie = await database_sync_to_async(_login_client)(shopper)
    await database_sync_to_async(client.logout)()

    communicator, connected, _ = await connect(attempt, cookie=cookie)

    assert await _refused_with(communicator, connected) == consumers.CLOSE_UNAUTHORISED


async def _change_password(client, user):
    user.set_password("a new password elsewhere")
    await database_sync_to_async(user.save)()


async def _log_out(client, user):
    await database_sync_to_async(client.logout)()


@pytest.mark.parametrize("sign_out", [_log_out, _change_password])
async def test_signing_out_elsewhere_stops_the_attempt_and_closes_the_socket(
    connect, attempt, shopper, enqueued, sign_out
):
    """The session is checked again every SESSION_CHECK_SECONDS: the next frame after
    that stops the attempt (expired, "signed_out", not a failure), is not stored,
    and the socket closes as unauthorised. (A frame taken before the check carries
    its session, and an approval checks it: test_attempts.)"""
    client, cookie = await database_sync_to_async(_login_client)(shopper)
    communicator, connected, _ = await connect(attempt, cookie=cookie)
    assert connected
    await communicator.receive_json_from(timeout=TIMEOUT)
    await sign_out(client, shopper)
    await asyncio.sleep(consumers.SESSION_CHECK_SECONDS)

    await communicator.send_to(bytes_data=FRAME)

    verdict = await communicator.receive_json_from(timeout=TIMEOUT)
    assert verdict["state"] == Status.EXPIRED
    assert verdict["reason"] == Reason.SIGNED_OUT
    assert verdict["message"] == "You signed out, so this face check stopped."
    assert verdict["final"] is True
    assert await _closed_with(communicator) == consumers.CLOSE_UNAUTHORISED
    stored = await _reload(attempt)
    assert (stored.status, stored.reason) == (Status.EXPIRED, Reason.SIGNED_OUT)
    assert frames.frame_take(attempt.pk) is None
    assert enqueued == []
    assert (await database_sync_to_async(face_lock_of)(shopper)).failures == 0
    # The pushed verdict, and any later frame, find the socket closed: silence.
    await communicator.send_to(bytes_data=FRAME)
    assert await communicator.receive_nothing(timeout=0.3)


async def test_frame_is_stored_with_the_session_it_came_through(
    socket, attempt, cookie
):
    await socket.send_to(bytes_data=FRAME)
    await _settle(socket)

    assert frames.frame_take(attempt.pk).session_key == cookie.split("=", 1)[1]


# --- frames too large, or not pictures ----------------------------------------------


@pytest.fixture
def decoded(monkeypatch):
    """The sizes of the frames anything decodes in this test."""
    sizes = []
    real_decode = engine.decode_image

    def decode(data, **kwargs):
        sizes.append(len(data))
        return real_decode(data, **kwargs)

    monkeypatch.setattr(engine, "decode_image", decode)
    return sizes


@pytest.mark.parametrize("size", [2 * 1024 * 1024, 300 * 1024], ids=["2MiB", "300KiB"])
async def test_frames_over_the_cap_are_refused_undecoded_and_the_third_closes(
    socket, attempt, enqueued, decoded, size
):
    too_large = FRAME + secrets.token_bytes(size - len(FRAME))

    for _ in range(3):
        await socket.send_to(bytes_data=too_large)
        reply = await socket.receive_json_from(timeout=TIMEOUT)
        assert reply == {
            "type": "error",
            "message": "A frame was too large and was skipped.",
        }

    assert await _closed_with(socket) == consumers.CLOSE_TOO_LARGE
    await socket.send_to(bytes_data=too_large)
    assert await socket.receive_nothing(timeout=0.3)
    assert frames.frame_take(attempt.pk) is None
    assert frames.counts(attempt.pk) == {}
    assert enqueued == []
    assert decoded == []


def _png_bomb_header() -> bytes:
    """A 100 000 x 100 000 pixel PNG (30 GB once decoded) in under 100 bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


def _junk(kind: str) -> bytes:
    noise = random.Random(kind).randbytes(64 * 1024)
    if kind == "random bytes":
        return noise
    if kind == "truncated JPEG":
        face = frame_jpeg(OBAMA)
        return face[: len(face) // 2]
    if kind == "JPEG header then noise":
        return frame_jpeg(OBAMA)[:600] + noise
    return _png_bomb_header()


@pytest.mark.parametrize(
    "kind",
    ["random bytes", "truncated JPEG", "JPEG header then noise", "PNG bomb header"],
)
async def test_junk_frames_neither_crash_the_socket_nor_approve(
    socket, attempt, enqueued, kind
):
    """The consumer does not look inside frames; the task's decoder refuses junk,
    which counts as a frame without a face."""
    junk = _junk(kind)
    for _ in range(3):
        await socket.send_to(bytes_data=junk)
    await _settle(socket)  # still open: it answered
    assert len(enqueued) == 1

    await database_sync_to_async(tasks.verify_frame)(attempt.pk)

    hint = await socket.receive_json_from(timeout=TIMEOUT)
    assert (hint["state"], hint["cue"], hint["final"]) == (
        "streaming",
        "neutral",
        False,
    )
    assert hint["message"] == messages.HINTS["no_face"]
    stored = await _reload(attempt)
    assert stored.status == Status.OPEN
    assert stored.frames_processed == 1
    assert stored.faces_per_frame == {"0": 1}
    assert frames.frame_take(attempt.pk) is None  # the task took it
    await socket.send_to(bytes_data=junk)
    await _settle(socket)


# --- a flood of frames ----------------------------------------------------------------

FLOOD_PER_SECOND = 100
FLOOD_SECONDS = 10
PAGE_PER_SECOND = 8  # what the face page sends


async def _stream(communicator, *, per_second, seconds, started, frame_of):
    loop = asyncio.get_running_loop()
    for index in range(per_second * seconds):
        await communicator.send_to(bytes_data=frame_of(index))
        await asyncio.sleep(max(0, started + (index + 1) / per_second - loop.time()))


async def test_a_flood_of_frames_is_cut_off_and_other_shoppers_stream_on(
    connect, attempt, cookie, other_shopper, enqueued
):
    """100 frames a second for 10 s on the real clock: the flooding socket keeps at
    most the rate's worth of frames and is closed (4429) once its allowance of
    dropped frames is spent; a shopper streaming at the page's 8 a second at the
    same time has every frame taken."""
    other_attempt = await database_sync_to_async(_attempt)(other_shopper)
    other_cookie = await database_sync_to_async(_login)(other_shopper)
    flood, connected, _ = await connect(attempt, cookie=cookie)
    assert connected
    await flood.receive_json_from(timeout=TIMEOUT)
    calm, connected, _ = await connect(other_attempt, cookie=other_cookie)
    assert connected
    await calm.receive_json_from(timeout=TIMEOUT)
    loop = asyncio.get_running_loop()
    started = loop.time()
    closed = {}

    async def watch_the_flood():
        while flood.output_queue.empty() and loop.time() < started + 2 * FLOOD_SECONDS:
            await asyncio.sleep(0.005)
        closed["after"] = loop.time() - started
        closed["message"] = None
        if not flood.output_queue.empty():
            closed["message"] = flood.output_queue.get_nowait()

    watcher = asyncio.create_task(watch_the_flood())
    await asyncio.gather(
        _stream(
            flood,
            per_second=FLOOD_PER_SECOND,
            seconds=FLOOD_SECONDS,
            started=started,
            frame_of=lambda index: FRAME,
        ),
        _stream(
            calm,
            per_second=PAGE_PER_SECOND,
            seconds=FLOOD_SECONDS,
            started=started,
            frame_of=lambda index: FRAME + b"%d" % index,
        ),
    )
    elapsed = loop.time() - started
    await watcher
    settle_started = loop.time()
    await _settle(calm)
    calm_reply_ms = (loop.time() - settle_started) * 1000

    flooded = frames.counts(attempt.pk)
    streamed = frames.counts(other_attempt.pk)
    flood_tasks = [pk for pk, _ in enqueued if pk == attempt.pk]
    calm_tasks = [pk for pk, _ in enqueued if pk == other_attempt.pk]
    print(
        f"\nflood: {FLOOD_PER_SECOND * FLOOD_SECONDS} frames sent in {elapsed:.1f} s, "
        f"{flooded.get('received', 0)} taken, {flooded.get('dropped', 0)} dropped, "
        f"{len(flood_tasks)} tasks sent, closed {closed['message']} "
        f"after {closed['after']:.2f} s\n"
        f"page-rate shopper: {PAGE_PER_SECOND * FLOOD_SECONDS} frames sent, "
        f"{streamed.get('received', 0)} taken, {streamed.get('dropped', 0)} dropped, "
        f"{len(calm_tasks)} tasks sent, replied in {calm_reply_ms:.0f} ms"
    )
    assert closed["message"] == {
        "type": "websocket.close",
        "code": consumers.CLOSE_TOO_FAST,
    }
    assert closed["after"] < 2
    taken = flooded["received"]
    assert (
        taken <= consumers.FRAME_BURST + consumers.FRAMES_PER_SECOND * (closed["after"])
    )
    # The allowance comes back at the frame rate while it is being spent.
    assert flooded["dropped"] <= consumers.DROP_ALLOWANCE + 1 + (
        consumers.FRAMES_PER_SECOND * closed["after"]
    )
    assert 1 <= len(flood_tasks) <= taken
    # The other shopper: every frame taken, none dropped, the newest one waiting.
    assert streamed == {"received": PAGE_PER_SECOND * FLOOD_SECONDS}
    assert calm_tasks
    newest = FRAME + b"%d" % (PAGE_PER_SECOND * FLOOD_SECONDS - 1)
    assert frames.frame_take(other_attempt.pk).data == newest
    assert calm_reply_ms < 1000
    await sync_to_async(frames.attempt_forget)(other_attempt.pk)


# --- frames of an earlier attempt, replayed ----------------------------------------------

RECORDING = [FRAME + b" neutral", FRAME + b" smiling"]


@pytest.fixture
def decisions():
    """Every attempt_decided announcement, as (pk, status, reason)."""
    heard = []

    def listen(sender, attempt, **kwargs):
        heard.append((attempt.pk, attempt.status, attempt.reason))

    uid = "faceauth.tests.test_consumers.decisions"
    attempt_decided.connect(listen, sender=VerificationAttempt, dispatch_uid=uid)
    yield heard
    attempt_decided.disconnect(sender=VerificationAttempt, dispatch_uid=uid)


async def _stream_into(connect, attempt, cookie, data: list[bytes]):
    """Open a socket to the attempt and send it `data`; the open socket."""
    communicator, connected, _ = await connect(attempt, cookie=cookie)
    assert connected
    await communicator.receive_json_from(timeout=TIMEOUT)
    for frame in data:
        await communicator.send_to(bytes_data=frame)
    await _settle(communicator)
    return communicator


async def _decide(attempt, status=Status.EXPIRED, reason=Reason.TIMED_OUT):
    await database_sync_to_async(attempt_decide)(
        attempt=await _reload(attempt), status=status, reason=reason
    )


def _black_jpeg() -> bytes:
    """What a camera warming up (or behind a shutter) sends: the same bytes each time."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def _make_overdue(attempt):
    await VerificationAttempt.objects.filter(pk=attempt.pk).aupdate(
        deadline=timezone.now() - timedelta(seconds=1)
    )


async def test_frames_of_an_earlier_attempt_replayed_into_a_new_one_are_dropped(
    connect, shopper, cookie, enqueued, decisions
):
    """An exact replay never progresses: every frame is dropped, never stored or
    queued, and the attempt expires as `replayed`, a failure like any other."""
    earlier = await database_sync_to_async(_attempt)(shopper)
    first = await _stream_into(connect, earlier, cookie, RECORDING)
    await _decide(earlier)
    assert (await first.receive_json_from(timeout=TIMEOUT))["final"] is True
    later = await database_sync_to_async(_attempt)(shopper)

    second = await _stream_into(connect, later, cookie, RECORDING * 3)

    assert await second.receive_nothing(timeout=0.2)
    assert frames.counts(later.pk) == {"replayed": 6}
    assert frames.frame_take(later.pk) is None
    assert [pk for pk, _ in enqueued if pk == later.pk] == []
    assert (await _reload(later)).status == Status.OPEN
    # Its deadline passes: the beat task (or the next frame) expires it.
    await _make_overdue(later)
    await database_sync_to_async(attempts_expire_overdue)()
    verdict = await second.receive_json_from(timeout=TIMEOUT)
    assert verdict["state"] == Status.EXPIRED
    assert verdict["reason"] == Reason.REPLAYED
    assert verdict["message"].startswith(
        "This picture was already used; a live camera is needed."
    )
    assert verdict["final"] is True
    assert await _closed_with(second) == 1000
    stored = await _reload(later)
    assert (stored.status, stored.reason) == (Status.EXPIRED, Reason.REPLAYED)
    assert stored.timings["frames_replayed"] == 6
    assert stored.frames_processed == 0
    assert decisions[-1] == (later.pk, Status.EXPIRED, Reason.REPLAYED)
    # A failure like any other: the timed-out earlier attempt and this one.
    assert (await database_sync_to_async(face_lock_of)(shopper)).failures == 2


async def test_a_black_frame_of_an_earlier_attempt_is_dropped_and_the_next_is_taken(
    connect, shopper, cookie, enqueued, decisions
):
    """A shopper's second check within a day starts on the same black frame as the
    first: that frame is lost, nothing else."""
    black = _black_jpeg()
    assert black == _black_jpeg()
    earlier = await database_sync_to_async(_attempt)(shopper)
    await _stream_into(connect, earlier, cookie, [black, frame_jpeg(OBAMA)])
    await _decide(earlier)
    later = await database_sync_to_async(_attempt)(shopper)
    socket, connected, _ = await connect(later, cookie=cookie)
    assert connected
    await socket.receive_json_from(timeout=TIMEOUT)
    live = frame_jpeg(OBAMA, width=480)

    await socket.send_to(bytes_data=black)
    await socket.send_to(bytes_data=live)
    await _settle(socket)

    assert frames.counts(later.pk) == {"replayed": 1, "received": 1}
    assert frames.frame_take(later.pk).data == live
    assert [call for call in enqueued if call[0] == later.pk] == [
        (later.pk, later.deadline)
    ]
    assert (await _reload(later)).status == Status.OPEN
    assert [pk for pk, _, _ in decisions] == [earlier.pk]
    await sync_to_async(frames.attempt_forget)(later.pk)


async def test_a_replayed_frame_neither_rewrites_nor_extends_its_digest(
    connect, shopper, cookie, redis_namespace
):
    earlier = await database_sync_to_async(_attempt)(shopper)
    await _stream_into(connect, earlier, cookie, RECORDING[:1])
    client = frames.sync_client()
    (key,) = client.scan_iter(match=f"{redis_namespace}*:seen:*")
    client.pexpire(key, 60_000)  # as if the earlier attempt was a while ago
    await _decide(earlier)
    later = await database_sync_to_async(_attempt)(shopper)

    await _stream_into(connect, later, cookie, RECORDING[:1] * 3)

    assert frames.counts(later.pk) == {"replayed": 3}
    assert list(client.scan_iter(match=f"{redis_namespace}*:seen:*")) == [key]
    assert client.get(key).decode() == str(earlier.public_id)
    assert 0 < client.pttl(key) <= 60_000


async def test_the_same_frame_again_in_one_attempt_is_no_replay(
    socket, attempt, enqueued
):
    """A fake webcam playing a still sends the very same bytes frame after frame."""
    for _ in range(5):
        await socket.send_to(bytes_data=FRAME)
    await _settle(socket)

    assert frames.counts(attempt.pk) == {"received": 5}
    assert (await _reload(attempt)).status == Status.OPEN
    assert frames.frame_take(attempt.pk).data == FRAME


async def test_a_reconnected_socket_may_send_its_attempts_frames_again(
    connect, attempt, cookie
):
    first = await _stream_into(connect, attempt, cookie, RECORDING)
    await first.disconnect(timeout=TIMEOUT)

    await _stream_into(connect, attempt, cookie, RECORDING)

    assert (await _reload(attempt)).status == Status.OPEN
    assert frames.frame_take(attempt.pk).data == RECORDING[-1]


async def test_the_same_bytes_from_another_user_are_no_replay_of_theirs(
    connect, attempt, cookie, other_shopper
):
    """Digests are kept per user: someone else's bytes are judged by the face match
    (a replay of another person's face is no match), and one user's pictures are
    never linked to another's."""
    await _stream_into(connect, attempt, cookie, RECORDING)
    theirs = await database_sync_to_async(_attempt)(other_shopper)
    their_cookie = await database_sync_to_async(_login)(other_shopper)

    await _stream_into(connect, theirs, their_cookie, RECORDING)

    assert (await _reload(theirs)).status == Status.OPEN
    assert frames.frame_take(theirs.pk).data == RECORDING[-1]
    assert frames.frame_digest(theirs.user_id, FRAME) != frames.frame_digest(
        attempt.user_id, FRAME
    )
    await sync_to_async(frames.attempt_forget)(theirs.pk)


async def test_digests_are_forgotten_after_the_replay_period(
    settings, connect, shopper, cookie, redis_namespace
):
    settings.FACEAUTH_REPLAY_SECONDS = 1
    earlier = await database_sync_to_async(_attempt)(shopper)
    await _stream_into(connect, earlier, cookie, RECORDING)
    client = frames.sync_client()
    seen = list(client.scan_iter(match=f"{redis_namespace}*:seen:*"))
    assert len(seen) == len(RECORDING)
    assert all(0 < client.pttl(key) <= 1000 for key in seen)
    await _decide(earlier)
    await asyncio.sleep(1.1)

    later = await database_sync_to_async(_attempt)(shopper)
    await _stream_into(connect, later, cookie, RECORDING)

    assert (await _reload(later)).status == Status.OPEN
    assert frames.frame_take(later.pk).data == RECORDING[-1]


async def test_the_replay_check_is_off_with_a_replay_period_of_zero(
    settings, connect, shopper, cookie, redis_namespace
):
    settings.FACEAUTH_REPLAY_SECONDS = 0
    earlier = await database_sync_to_async(_attempt)(shopper)
    await _stream_into(connect, earlier, cookie, RECORDING)
    await _decide(earlier)

    later = await database_sync_to_async(_attempt)(shopper)
    await _stream_into(connect, later, cookie, RECORDING)

    assert (await _reload(later)).status == Status.OPEN
    assert (
        list(frames.sync_client().scan_iter(match=f"{redis_namespace}*:seen:*")) == []
    )


async def test_redis_keeps_a_keyed_digest_of_each_frame_never_the_frame(
    socket, attempt, redis_namespace
):
    picture = frame_jpeg(OBAMA)

    await socket.send_to(bytes_data=picture)
    await _settle(socket)

    client = frames.sync_client()
    (key,) = client.scan_iter(match=f"{redis_namespace}*:seen:*")
    value = client.get(key)
    assert value.decode() == str(attempt.public_id)
    assert key.endswith(frames.frame_digest(attempt.user_id, picture).encode())
    # Not a plain hash, which anyone holding the picture could look up.
    assert hashlib.sha256(picture).hexdigest().encode() not in key
    assert picture[:64] not in key + value
