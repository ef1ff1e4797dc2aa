"""The face page's websocket, through the project's ASGI application (origin check,
session auth, routing) and the real Redis channel layer and frame store."""

import asyncio
import functools
import json
import secrets
import time
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

from config.asgi import application
from faceauth import consumers, frames
from faceauth.models import VerificationAttempt
from faceauth.push import attempt_push
from faceauth.throttle import TokenBucket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

Status = VerificationAttempt.Status

# The origin validator copies ALLOWED_HOSTS when config.asgi is imported, before
# the test environment adds "testserver": use a host the settings allow.
ORIGIN = b"http://localhost"
TIMEOUT = 5  # seconds to wait for a message; generous for a loaded machine
FRAME = b"\xff\xd8\xff\xe0" + b"a small frame standing in for a webcam JPEG"


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def redis_namespace(monkeypatch):
    """Keep this test's frame keys apart from other runs sharing the Redis db.

    Attempt primary keys restart at 1 in every test database, so two runs at once
    would otherwise read and delete each other's frames.
    """
    prefix = f"test-{secrets.token_hex(6)}:"
    real_keys = frames._keys
    monkeypatch.setattr(
        frames,
        "_keys",
        lambda attempt_id: tuple(prefix + key for key in real_keys(attempt_id)),
    )
    yield prefix
    client = frames._client()
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    """Record the verify_frame tasks the consumer sends instead of sending them."""
    calls = []

    def record(attempt_id, *, expires=None):
        calls.append((attempt_id, expires))

    monkeypatch.setattr(consumers, "verify_frame_enqueue", record)
    return calls


def _login(user) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


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


async def _reload(attempt) -> VerificationAttempt:
    return await VerificationAttempt.objects.aget(pk=attempt.pk)


# --- who may connect ------------------------------------------------------------


async def test_anonymous_visitor_is_refused(connect, attempt):
    _, connected, code = await connect(attempt)

    assert not connected
    assert code == consumers.CLOSE_UNAUTHORISED


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

    _, connected, code = await connect(attempt, cookie=cookie)

    assert not connected
    assert code == consumers.CLOSE_FORBIDDEN


async def test_unknown_attempt_is_refused(connect, attempt, cookie):
    unknown = VerificationAttempt(public_id="00000000-0000-4000-8000-000000000000")

    _, connected, code = await connect(unknown, cookie=cookie)

    assert not connected
    assert code == consumers.CLOSE_FORBIDDEN


@pytest.mark.parametrize("status", [Status.APPROVED, Status.DECLINED, Status.EXPIRED])
async def test_decided_attempt_is_refused(connect, shopper, cookie, status):
    decided = await database_sync_to_async(_attempt)(
        shopper, status=status, decided_at=timezone.now()
    )

    _, connected, code = await connect(decided, cookie=cookie)

    assert not connected
    assert code == consumers.CLOSE_FORBIDDEN


async def test_attempt_past_its_deadline_is_refused(connect, shopper, cookie):
    overdue = await database_sync_to_async(_attempt)(
        shopper, deadline=timezone.now() - timedelta(seconds=1)
    )

    _, connected, code = await connect(overdue, cookie=cookie)

    assert not connected
    assert code == consumers.CLOSE_FORBIDDEN


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
    assert not connected

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


async def test_too_many_dropped_frames_in_a_row_close_the_socket(
    clock, socket, attempt
):
    for _ in range(consumers.FRAME_BURST + consumers.MAX_DROPPED_IN_A_ROW):
        await socket.send_to(bytes_data=FRAME)

    assert await _closed_with(socket) == consumers.CLOSE_TOO_FAST
    assert frames.counts(attempt.pk)["dropped"] == consumers.MAX_DROPPED_IN_A_ROW


async def test_an_accepted_frame_resets_the_dropped_frames_count(
    clock, socket, attempt
):
    for _ in range(consumers.FRAME_BURST + consumers.MAX_DROPPED_IN_A_ROW - 1):
        await socket.send_to(bytes_data=FRAME)
    await _settle(socket)
    clock.now += 1.0
    await socket.send_to(bytes_data=FRAME)  # accepted: the count starts again
    for _ in range(consumers.FRAMES_PER_SECOND - 1):
        await socket.send_to(bytes_data=FRAME)

    for _ in range(consumers.MAX_DROPPED_IN_A_ROW - 1):
        await socket.send_to(bytes_data=FRAME)
    await _settle(socket)  # still open: the reply came

    assert frames.counts(attempt.pk)["dropped"] == 2 * (
        consumers.MAX_DROPPED_IN_A_ROW - 1
    )


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
    def broker_down(attempt_id, *, expires=None):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(consumers, "verify_frame_enqueue", broker_down)

    await socket.send_to(bytes_data=FRAME)

    message = await socket.receive_json_from(timeout=TIMEOUT)
    assert (message["state"], message["final"]) == ("error", True)
    assert await _closed_with(socket) == consumers.CLOSE_UNAVAILABLE
    assert (await _reload(attempt)).status == Status.OPEN
