"""The face page's websocket: JPEG frames in, hints and the verdict out."""

import contextlib
import json
import logging
import time

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import engine, frames
from .push import attempt_group
from .selectors import attempt_open_for
from .services.attempts import attempt_expire_if_overdue
from .tasks import verify_frame_enqueue
from .throttle import TokenBucket

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = engine.FRAME_MAX_BYTES  # 256 KiB
FRAMES_PER_SECOND = 10  # the page sends 8
FRAME_BURST = 15
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
    "message": "Face check unavailable right now: confirm with your password or try "
    "again in a moment.",
    "final": True,
}
MAX_DROPPED_IN_A_ROW = 50


class AttemptConsumer(AsyncWebsocketConsumer):
    """One socket per face check; only its owner, only while it is open."""

    attempt = None
    redis = None
    finished = False
    challenge = False  # the shopper has been asked to smile (the last state pushed)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        public_id = self.scope["url_route"]["kwargs"]["attempt_id"]
        self.attempt = await database_sync_to_async(attempt_open_for)(
            user=user, public_id=public_id
        )
        if self.attempt is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = attempt_group(self.attempt.public_id)
        self.bucket = TokenBucket(rate=FRAMES_PER_SECOND, burst=FRAME_BURST)
        self.bad_messages = self.oversize = self.dropped_in_a_row = 0
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
        await self.send_state(
            {
                "state": "streaming",
                "message": "Look at the camera…",
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
            await self.refuse("Send camera frames as binary JPEG messages.")
            return
        if len(bytes_data) > MAX_FRAME_BYTES:
            self.oversize += 1
            await self.send_state(
                {"type": "error", "message": "A frame was too large and was skipped."}
            )
            if self.oversize >= 3:
                await self.close(code=CLOSE_TOO_LARGE)
            return
        if not self.bucket.take():
            self.dropped_in_a_row += 1
            await frames.frame_dropped(self.redis, self.attempt.pk)
            if self.dropped_in_a_row >= MAX_DROPPED_IN_A_ROW:
                logger.warning("Attempt %s: frames too fast", self.attempt.public_id)
                await self.close(code=CLOSE_TOO_FAST)
            return
        self.dropped_in_a_row = 0
        if time.time() > self.attempt.deadline.timestamp():
            await database_sync_to_async(attempt_expire_if_overdue)(self.attempt)
            return
        try:
            must_send = await frames.frame_put(
                self.redis, self.attempt.pk, bytes_data, time.time()
            )
            if must_send:
                options = {"expires": self.attempt.deadline}
                if self.challenge:
                    # A frame that may hold the smile asked for jumps the queue.
                    options["urgent"] = True
                await sync_to_async(verify_frame_enqueue, thread_sensitive=False)(
                    self.attempt.pk, **options
                )
        except Exception:  # noqa: BLE001 - Redis or the broker went away
            logger.exception("Attempt %s: cannot queue a frame", self.attempt.public_id)
            await self.send_state(UNAVAILABLE)
            await self.close(code=CLOSE_UNAVAILABLE)

    async def refuse(self, message: str):
        self.bad_messages += 1
        await self.send_state({"type": "error", "message": message})
        if self.bad_messages >= MAX_BAD_MESSAGES:
            await self.close(code=CLOSE_BAD_FRAMES)

    async def send_state(self, payload: dict):
        payload = {"type": "state", **payload}
        await self.send(text_data=json.dumps(payload))

    async def faceauth_state(self, event):
        """A hint or the verdict pushed by the task (faceauth.push.attempt_push)."""
        payload = {key: value for key, value in event.items() if key != "type"}
        self.challenge = payload.get("state") == "challenge"
        await self.send_state(payload)
        if payload.get("final"):
            self.finished = True
            await self.close(code=1000)
