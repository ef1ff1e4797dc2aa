"""ASGI apps that never finish on their own, for ops/tests/test_web.py."""

import threading

from asgiref.sync import sync_to_async

FOREVER = threading.Event()  # never set


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        return
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while (await receive())["type"] != "websocket.disconnect":
            pass
        return
    if scope["path"] == "/stuck-thread/":
        # A sync call that never returns, as a hung database call would be; asgiref
        # shields it, so a cancel waits for the thread (as Django's views do).
        await sync_to_async(FOREVER.wait)()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
