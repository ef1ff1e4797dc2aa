import time, asyncio, pytest
from channels.testing import WebsocketCommunicator
from config.asgi import application
from faceauth.tests.test_consumers import attempt, cookie  # noqa

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

async def test_dbg(attempt):
    c = WebsocketCommunicator(application, f"/ws/face/{attempt.public_id}/", headers=[(b"origin", b"http://localhost")])
    print(await c.connect(timeout=5))
    t = time.time()
    await c.send_input({"type": "websocket.disconnect", "code": 1000})
    try:
        await asyncio.wait_for(asyncio.shield(c.future), 10)
    except Exception as e:
        print("exc", repr(e))
    print("took", time.time() - t, c.future.done())
    import traceback
    print(c.future.exception() if c.future.done() and not c.future.cancelled() else None)
