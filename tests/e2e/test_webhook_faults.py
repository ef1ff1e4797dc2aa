"""A worker killed mid-delivery: the outbox still delivers the event, later, once.

A stack of the test's own (tests/e2e/stack.py: Redis, a prefork Celery worker and
beat) relays the event; the receiver holds the first POST open while the worker is
killed with SIGKILL, and a new worker delivers it once the dead one's claim runs out.
"""

import shutil

import pytest

from ops.processes import wait_until
from webhooks import services
from webhooks.models import Delivery
from webhooks.tests.receiver import Receiver, signature_valid

from .conftest import artifact_dir
from .stack import Stack
from .test_webhooks import order_paid_with_webhook

pytestmark = pytest.mark.e2e

LEASE_SECONDS = 8  # more than an attempt's 5 s
RELAY_EVERY = 15  # settings.CELERY_BEAT_SCHEDULE["relay-webhooks"]


@pytest.fixture
def stack(request, server_env, transactional_db):
    folder = artifact_dir(request.node) / "stack"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = dict(server_env, WEBHOOKS_LEASE_SECONDS=str(LEASE_SECONDS))
    stack = Stack(env=env, folder=folder)
    try:
        stack.start_redis()
        stack.start_worker()
        stack.start_beat()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def receiver():
    receiver = Receiver(script=["hang", 200])
    yield receiver
    receiver.stop()


def test_a_worker_killed_mid_delivery_the_event_is_delivered_later_once(
    stack, receiver, settings, monkeypatch
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    # This process's broker is not the stack's: the stack's beat relays the event.
    monkeypatch.setattr(services, "_enqueue_after_commit", lambda delivery_id: None)
    endpoint, secret, _order = order_paid_with_webhook(url=receiver.url)

    wait_until(
        lambda: receiver.requests,
        timeout=RELAY_EVERY + 15,
        what="the relayed event's first POST",
    )
    stack.kill_worker()  # mid-request: the receiver has not answered
    stack.start_worker()

    delivery = Delivery.objects.get(endpoint=endpoint)
    wait_until(
        lambda: Delivery.objects.get(pk=delivery.pk).status == "delivered",
        timeout=LEASE_SECONDS + RELAY_EVERY + 30,
        what="the event delivered by the new worker",
    )
    assert len(receiver.requests) == 2
    assert len({payload["id"] for payload in receiver.payloads()}) == 1
    headers, body = receiver.requests[-1]
    assert signature_valid(
        header=headers["SmilePay-Signature"], body=body, secret=secret
    )
    delivery.refresh_from_db()
    # The dead worker's attempt was never recorded; the new worker's was.
    assert delivery.attempt_count == 1
    assert delivery.attempts.get().status_code == 200
