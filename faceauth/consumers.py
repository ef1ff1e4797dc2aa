"""The face page's websocket: JPEG frames in, hints and the verdict out."""

import contextlib
import json
import logging
import time

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext_lazy as _

from . import engine, frames, messages
from .push import attempt_group
from .selectors import attempt_open_for
from .services.attempts import (
    attempt_expire_if_overdue,
    attempt_state,
    attempt_stop_signed_out,
)
from .services.sessions import session_signed_in
from .tasks import verify_frame_enqueue
from .throttle import TokenBucket

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = engine.FRAME_MAX_BYTES  # 256 KiB
FRAMES_PER_SECOND = 16  # the page sends 8, and 15 while a cue is shown
FRAME_BURST = 24
# Close codes (4000-4999 are the application's).
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_FRAMES = 4400
CLOSE_TOO_LARGE = 4413
CLOSE_TOO_FAST = 4429
CLOSE_UNAVAILABLE = 4503
MAX_BAD_MESSAGES = 5
# What the page is told when Redis or the broker is gone: nothing can be approved.
UNAVAILABLE = {
    "state": "error",
    "message": _(
        "Face check unavailable right now: confirm with your password or try "
        "again in a moment."
    ),
    "final": True,
}
# Frames over the rate are dropped; a client that keeps sending at more than twice
# the rate (the dropped ones are forgiven at FRAMES_PER_SECOND) is not the face page:
# once more than DROP_ALLOWANCE are dropped the socket is closed.
DROP_ALLOWANCE = 50
# A shopper may sign out in another tab while the socket is open: the session is
# checked again this often (a database read), and an approval checks it too.
SESSION_CHECK_SECONDS = 1.0
# Frames dropped as replays (sent to another attempt of the user first): the page is
# told once they have kept coming this long with no fresh frame between (a camera
# warming up sends a blank frame or two that an earlier check got too), then again
# at most this often, so that it knows within 3 s why nothing happens.
REPLAY_HINT_AFTER_SECONDS = 1.5
REPLAY_HINT_EVERY_SECONDS = 1.0


class AttemptConsumer(AsyncWebsocketConsumer):
    """One socket per face check; only its owner, only while it is open."""

    attempt = None
    redis = None
    finished = False  # the verdict came, or the socket closed: ignore what arrives
    closed = False  # the socket closed itself
    challenge = False  # the shopper is answering a cue (the last state pushed)
    replayed = 0  # frames dropped as sent to another attempt first
    replays_since = None  # when the current run of replayed frames began (monotonic)
    replay_hinted_at = None  # when the page was last told about replayed frames

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse_connection(CLOSE_UNAUTHORISED)
            return
        public_id = self.scope["url_route"]["kwargs"]["attempt_id"]
        self.attempt = await database_sync_to_async(attempt_open_for)(
            user=user, public_id=public_id
        )
        if self.attempt is None:
            await self.refuse_connection(CLOSE_FORBIDDEN)
            return
        self.group = attempt_group(self.attempt.public_id)
        self.bucket = TokenBucket(rate=FRAMES_PER_SECOND, burst=FRAME_BURST)
        self.drop_allowance = TokenBucket(rate=FRAMES_PER_SECOND, burst=DROP_ALLOWANCE)
        self.bad_messages = self.oversize = 0
        self.session_key = self.scope["session"].session_key or ""
        self.session_checked_at = time.monotonic()
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
            self.redis = frames.async_client()
            await self.redis.ping()
        except Exception:  # noqa: BLE001 - Redis down: say so, approve nothing
            logger.exception("Attempt %s: Redis unavailable", self.attempt.public_id)
            await self.accept()
            await self.send_state(UNAVAILABLE)
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        await self.accept()
        logger.info("Attempt %s: camera connected", self.attempt.public_id)
        await self.send_state(
            {
                "state": "streaming",
                "message": _("Look at the camera…"),
                "deadline": self.attempt.deadline.isoformat(),
                "final": False,
            }
        )

    async def disconnect(self, code):
        if self.attempt is not None and hasattr(self, "group"):
            # Redis may be the reason the socket closed: nothing left to tell anyone.
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.redis is not None:
            await self.redis.aclose()

    async def receive(self, text_data=None, bytes_data=None):
        if self.finished:
            return
        if bytes_data is None:
            await self.refuse(_("Send camera frames as binary JPEG messages."))
            return
        if len(bytes_data) > MAX_FRAME_BYTES:
            # Never stored, never decoded: dropped here.
            self.oversize += 1
            await self.send_state(
                {
                    "type": "error",
                    "message": _("A frame was too large and was skipped."),
                }
            )
            if self.oversize >= 3:
                await self.finish(code=CLOSE_TOO_LARGE)
            return
        if not self.bucket.take():
            await frames.frame_dropped(self.redis, self.attempt.pk)
            if not self.drop_allowance.take():
                logger.warning("Attempt %s: frames too fast", self.attempt.public_id)
                await self.finish(code=CLOSE_TOO_FAST)
            return
        if time.time() > self.attempt.deadline.timestamp():
            await database_sync_to_async(attempt_expire_if_overdue)(self.attempt)
            return
        try:
            if not await self.still_signed_in():
                await self.signed_out()
                return
            if await frames.frame_seen_elsewhere(
                self.redis,
                user_id=self.attempt.user_id,
                attempt_public_id=self.attempt.public_id,
                data=bytes_data,
            ):
                # Dropped, not declined: a blank frame (a camera warming up, a
                # shutter) encodes to the same bytes in every check. A recording
                # played again never progresses, and expires as `replayed`.
                await frames.frame_replayed(self.redis, self.attempt.pk)
                self.replayed += 1
                if self.replayed == 1:
                    logger.info(
                        "Attempt %s: a frame of another attempt again, dropped",
                        self.attempt.public_id,
                    )
                await self.hint_replayed()
                return
            self.replays_since = None  # a fresh frame: a camera, whatever came before
            must_send = await frames.frame_put(
                self.redis,
                self.attempt.pk,
                bytes_data,
                time.time(),
                session_key=self.session_key,
            )
            if must_send:
                options = {"expires": self.attempt.deadline}
                if self.challenge:
                    # A frame that may hold the answer to a cue jumps the queue.
                    options["urgent"] = True
                await sync_to_async(verify_frame_enqueue, thread_sensitive=False)(
                    self.attempt.pk, **options
                )
        except Exception:  # noqa: BLE001 - Redis, the database or the broker went away
            logger.exception("Attempt %s: cannot queue a frame", self.attempt.public_id)
            await self.send_state(UNAVAILABLE)
            await self.finish(code=CLOSE_UNAVAILABLE)

    async def hint_replayed(self):
        """Say why nothing happens once only replayed frames have come for
        REPLAY_HINT_AFTER_SECONDS, and again at most every REPLAY_HINT_EVERY_SECONDS.
        A hint, not a verdict: the attempt expires as `replayed` at its deadline."""
        now = time.monotonic()
        if self.replays_since is None:
            self.replays_since = now
        if now - self.replays_since < REPLAY_HINT_AFTER_SECONDS:
            return
        if (
            self.replay_hinted_at is not None
            and now - self.replay_hinted_at < REPLAY_HINT_EVERY_SECONDS
        ):
            return
        self.replay_hinted_at = now
        await self.send_state(
            {
                "state": "streaming",
                "cue": "neutral",
                "hint": "replayed",
                "message": messages.HINTS["replayed"],
                "final": False,
            }
        )

    async def still_signed_in(self) -> bool:
        """Check the session again, at most every SESSION_CHECK_SECONDS."""
        now = time.monotonic()
        if now - self.session_checked_at < SESSION_CHECK_SECONDS:
            return True
        self.session_checked_at = now
        return await database_sync_to_async(session_signed_in)(
            session_key=self.session_key, user_id=self.attempt.user_id
        )

    async def signed_out(self):
        """The shopper signed out while streaming: stop the attempt, tell the page
        why, and close as unauthorised (the page must not reconnect)."""
        logger.info("Attempt %s: signed out while streaming", self.attempt.public_id)
        state = await database_sync_to_async(_stop_signed_out)(self.attempt.pk)
        if state is not None:
            await self.send_state(state)
        await self.finish(code=CLOSE_UNAUTHORISED)

    async def refuse_connection(self, code: int):
        """Accept, then close with `code`: closed before the handshake completes, the
        browser would only see 1006 and could not tell a refusal from a lost server
        (the page reconnects after the one, never after a 44xx)."""
        await self.accept()
        await self.finish(code=code)

    async def finish(self, *, code: int):
        """Close the socket; whatever arrives after is ignored."""
        self.finished = self.closed = True
        await self.close(code=code)

    async def refuse(self, message):
        self.bad_messages += 1
        await self.send_state({"type": "error", "message": message})
        if self.bad_messages >= MAX_BAD_MESSAGES:
            await self.finish(code=CLOSE_BAD_FRAMES)

    async def send_state(self, payload: dict):
        # Lazy words (gettext_lazy) become text in the language the check was
        # started in, as the worker's pushes are (faceauth/messages.py).
        with messages.in_language_of(self.attempt):
            text = json.dumps({"type": "state", **payload}, default=str)
        await self.send(text_data=text)

    async def faceauth_state(self, event):
        """A hint or the verdict pushed by the task (faceauth.push.attempt_push)."""
        if self.closed:
            return  # this socket closed itself, having said why
        payload = {key: value for key, value in event.items() if key != "type"}
        self.challenge = payload.get("state") == "challenge"
        await self.send_state(payload)
        if payload.get("final"):
            await self.finish(code=1000)


def _stop_signed_out(attempt_id: int) -> dict | None:
    """Stop the attempt; what the page shows for it, or None if decided already."""
    stopped = attempt_stop_signed_out(attempt_id=attempt_id)
    return attempt_state(stopped) if stopped is not None else None
