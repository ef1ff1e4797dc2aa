"""Readiness: the database, Redis and the channel layer, each answering within a
second, checked side by side so that /readyz never takes much longer than that."""

import asyncio
import time
import uuid
from dataclasses import dataclass

import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connections

TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    seconds: float
    error: str = ""


def _database():
    # In a thread of its own, closed after: a hung server holds that thread only.
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


async def _redis():
    client = aioredis.from_url(
        settings.REDIS_URL,
        socket_timeout=TIMEOUT_SECONDS,
        socket_connect_timeout=TIMEOUT_SECONDS,
    )
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _channel_layer():
    """A message sent through the layer comes back. On a channel of its own, read
    directly: a channel of this process (`new_channel`) is read through the
    process's one shared inbox, which took a second and more while 20 face checks
    connected at once (`make bench`, section 6), and took the node out for it."""
    layer = get_channel_layer()
    channel = f"readyz.{uuid.uuid4().hex}"
    await layer.send(channel, {"type": "readyz.ping"})
    message = await layer.receive(channel)
    if message.get("type") != "readyz.ping":
        raise RuntimeError(f"unexpected message {message!r}")


CHECKS = {
    "database": sync_to_async(_database, thread_sensitive=False),
    "redis": _redis,
    "channel_layer": _channel_layer,
}


async def _timed(name, check) -> Check:
    started = time.monotonic()
    try:
        await asyncio.wait_for(check(), TIMEOUT_SECONDS)
    except TimeoutError:
        error = f"no answer within {TIMEOUT_SECONDS:g} s"
    except Exception as exc:  # any failure is an answer: not ready, and why
        error = f"{type(exc).__name__}: {exc}"[:200]
    else:
        error = ""
    return Check(name, not error, round(time.monotonic() - started, 3), error)


async def readiness() -> list[Check]:
    return list(
        await asyncio.gather(*(_timed(name, check) for name, check in CHECKS.items()))
    )
