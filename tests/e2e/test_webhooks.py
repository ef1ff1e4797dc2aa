"""A real Celery worker delivers a signed order.paid to a receiver on 127.0.0.1."""

import pytest
from playwright.sync_api import expect

from ops.processes import wait_until
from payments.services import payment_confirm_with_password, wallet_topup
from payments.tests.factories import order_place
from shop.tests.factories import PASSWORD, MerchantFactory, ProductFactory, UserFactory
from webhooks.models import Delivery
from webhooks.services import endpoint_create
from webhooks.tasks import relay_webhooks
from webhooks.tests.receiver import Receiver, signature_valid

from .face import enrolled_shopper_with_order, pay_with_face

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver():
    receiver = Receiver(script=[500])
    yield receiver
    receiver.stop()


def test_the_worker_delivers_order_paid_signed_and_retries_after_a_500(
    transactional_db, live_worker, receiver, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True

    endpoint, secret, order = order_paid_with_webhook(url=receiver.url)

    # The first POST (after commit, by the worker) is answered 500.
    wait_until(lambda: receiver.requests, timeout=20, what="the first delivery")
    delivery = Delivery.objects.get(endpoint=endpoint)
    wait_until(
        lambda: Delivery.objects.get(pk=delivery.pk).attempt_count == 1,
        timeout=10,
        what="the first attempt recorded",
    )
    # The relay (beat's task, run here by the test) hands the retry to the worker.
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    assert relay_webhooks() == 1
    wait_until(
        lambda: Delivery.objects.get(pk=delivery.pk).status == "delivered",
        timeout=20,
        what="the retry delivered",
    )
    assert len(receiver.requests) == 2
    ids = {payload["id"] for payload in receiver.payloads()}
    assert len(ids) == 1
    headers, body = receiver.requests[-1]
    assert signature_valid(
        header=headers["SmilePay-Signature"], body=body, secret=secret
    )
    event = receiver.payloads()[-1]
    assert event["type"] == "order.paid"
    assert event["data"]["payment"] == {"method": "password"}
    assert event["data"]["order"]["number"] == order.number


def order_paid_with_webhook(*, url):
    """Panda with a webhook endpoint at `url`, and an order of Ada's paid by password
    (its order.paid is in the outbox). Returns the endpoint, its secret, the order."""
    panda = MerchantFactory(name="Panda Electronics", slug="panda")
    product = ProductFactory(merchant=panda, title="Echo Buds", slug="echo-buds")
    endpoint, secret = endpoint_create(merchant=panda, url=url, events=["order.paid"])
    shopper = UserFactory(username="ada")
    wallet_topup(user=shopper, amount="100.00")
    order = order_place(user=shopper, items={product: 1})
    payment_confirm_with_password(
        payment=order.payment, user=shopper, password=PASSWORD
    )
    return endpoint, secret, order


@pytest.fixture
def ok_receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.mark.camera("genuine", person="obama")
def test_a_face_payment_in_the_browser_reaches_the_merchants_receiver_signed(
    live_worker, page, ok_receiver, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    user, order = enrolled_shopper_with_order()
    merchant = order.lines.get().merchant
    endpoint, secret = endpoint_create(
        merchant=merchant, url=ok_receiver.url, events=["order.paid"]
    )

    status = pay_with_face(page, order)
    expect(status).to_have_attribute("data-state", "approved", timeout=45_000)

    # The worker that approved the payment wrote the event and, after its commit,
    # queued the delivery it then made.
    wait_until(lambda: ok_receiver.requests, timeout=20, what="order.paid delivered")
    [(headers, body)] = ok_receiver.requests
    assert signature_valid(
        header=headers["SmilePay-Signature"], body=body, secret=secret
    )
    [event] = ok_receiver.payloads()
    assert event["type"] == "order.paid"
    assert event["data"]["payment"] == {"method": "face"}
    assert event["data"]["order"]["number"] == order.number
    assert [line["title"] for line in event["data"]["order"]["lines"]] == [
        "Jade Teapot"
    ]
    wait_until(
        lambda: Delivery.objects.get(endpoint=endpoint).status == "delivered",
        timeout=10,
        what="the delivery recorded",
    )
