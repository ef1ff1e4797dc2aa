"""A real HTTP receiver on 127.0.0.1, and merchants with endpoints pointing at it."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from payments.services import payment_approve, wallet_topup
from payments.tests.factories import order_place
from shop.tests.factories import MerchantFactory, ProductFactory, UserFactory
from webhooks.services import endpoint_create


class Receiver:
    """Answers each POST with the next scripted reply: a status code, "hang", or
    ("redirect", location); 200 once the script runs out."""

    def __init__(self, script=()):
        self.script = list(script)
        self.requests = []  # (headers, body)
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                reply = receiver.script.pop(0) if receiver.script else 200
                if reply == "hang":
                    receiver.release.wait(15)
                    return
                if isinstance(reply, tuple):
                    self.send_response(302)
                    self.send_header("Location", reply[1])
                    self.end_headers()
                    return
                self.send_response(reply)
                self.end_headers()
                self.wfile.write(b"ok" if reply < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/smilepay"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def payloads(self):
        return [json.loads(body) for _headers, body in self.requests]


def pay(*, user, items, method="password"):
    """Place and approve an order; return it (its events are written)."""
    order = order_place(user=user, items=items)
    payment_approve(payment=order.payment, method=method, evidence={})
    return order


def signature_valid(*, header: str, body: bytes, secret: str) -> bool:
    """Check a SmilePay-Signature header as a merchant's receiver would."""
    items = [item.split("=", 1) for item in header.split(",")]
    timestamp = next(value for key, value in items if key == "t")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(
        hmac.compare_digest(expected, value) for key, value in items if key == "v1"
    )


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def receiver_factory():
    receivers = []

    def make(script=()):
        receivers.append(Receiver(script))
        return receivers[-1]

    yield make
    for receiver in receivers:
        receiver.stop()


@pytest.fixture
def receiver(receiver_factory):
    return receiver_factory()


@pytest.fixture
def merchant(db):
    merchant = MerchantFactory(name="Panda Goods", slug="panda")
    merchant.staff.add(UserFactory(username="panda-staff"))
    return merchant


@pytest.fixture
def other_merchant(db):
    merchant = MerchantFactory(name="Crane Tools", slug="crane")
    merchant.staff.add(UserFactory(username="crane-staff"))
    return merchant


@pytest.fixture
def product(merchant):
    return ProductFactory(merchant=merchant, title="Tea mug", slug="tea-mug")


@pytest.fixture
def other_product(other_merchant):
    return ProductFactory(merchant=other_merchant, title="Saw", slug="saw")


@pytest.fixture
def buyer(db):
    user = UserFactory(username="ada")
    wallet_topup(user=user, amount="1000.00")
    return user


@pytest.fixture
def endpoint_and_secret(merchant, receiver, loopback_allowed):
    return endpoint_create(
        merchant=merchant,
        url=receiver.url,
        events=[
            "order.paid",
            "order.cancelled",
            "order.line_shipped",
            "order.line_refunded",
            "payment.expired",
        ],
    )
