"""Events reach a real receiver on 127.0.0.1, signed, retried, cut off when it hangs."""

import json
import re
import socket
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from payments.models import Payment
from payments.services import payment_approve
from payments.tests.factories import order_place
from webhooks import services
from webhooks.models import Delivery, Endpoint, Event
from webhooks.services import (
    deliveries_due,
    delivery_attempt,
    delivery_claim,
    delivery_resend,
    endpoint_create,
    endpoint_roll_secret,
)

from .conftest import pay
from .receiver import signature_valid

pytestmark = pytest.mark.django_db


def _pay_by_password(client, user, order, password):
    client.force_login(user)
    response = client.post(
        f"/orders/{order.number}/confirm-password/", {"password": password}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "paid"


def _make_due(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_order_paid_by_password_reaches_the_receiver_signed(
    client, buyer, password, product, other_product, endpoint_and_secret, receiver
):
    endpoint, secret = endpoint_and_secret
    order = order_place(user=buyer, items={product: 2, other_product: 1})

    _pay_by_password(client, buyer, order, password)
    delivery = Delivery.objects.get(endpoint=endpoint)
    delivery = delivery_attempt(delivery_id=delivery.pk)

    assert delivery.status == Delivery.Status.DELIVERED
    [(headers, body)] = receiver.requests
    assert signature_valid(
        header=headers["SmilePay-Signature"], body=body, secret=secret
    )
    assert not signature_valid(
        header=headers["SmilePay-Signature"], body=body + b" ", secret=secret
    )
    event = json.loads(body)
    assert event["id"].startswith("evt_")
    assert event["type"] == "order.paid"
    assert isinstance(event["created"], int)
    assert event["data"]["payment"] == {"method": "password"}
    assert event["data"]["order"]["number"] == order.number
    # Only this merchant's line: the saw belongs to another shop.
    assert [line["title"] for line in event["data"]["order"]["lines"]] == ["Tea mug"]
    assert event["data"]["order"]["amount"] == "20.00"
    other_event = Event.objects.get(merchant=other_product.merchant)
    assert [line["title"] for line in other_event.data["order"]["lines"]] == ["Saw"]
    assert not other_event.deliveries.exists()  # that shop has no endpoint


def test_a_rolled_back_payment_writes_no_event(buyer, product, endpoint_and_secret):
    order = order_place(user=buyer, items={product: 1})

    with pytest.raises(RuntimeError), transaction.atomic():
        payment_approve(payment=order.payment, method="password", evidence={})
        assert Event.objects.filter(type="order.paid").exists()
        raise RuntimeError("the database went away")

    assert not Event.objects.filter(type="order.paid").exists()
    assert not Delivery.objects.exists()


def test_a_receiver_failing_twice_gets_the_same_event_a_third_time(
    buyer, product, endpoint_and_secret, receiver
):
    receiver.script = [500, 500, 200]
    pay(user=buyer, items={product: 1}, method="face")
    delivery = Delivery.objects.get()

    first = delivery_attempt(delivery_id=delivery.pk)
    assert first.status == Delivery.Status.PENDING
    assert first.next_attempt_at > timezone.now()
    assert delivery_attempt(delivery_id=delivery.pk) is None  # not due yet
    _make_due(delivery)
    assert delivery_attempt(delivery_id=delivery.pk).status == "pending"
    _make_due(delivery)
    last = delivery_attempt(delivery_id=delivery.pk)

    assert last.status == Delivery.Status.DELIVERED
    ids = {payload["id"] for payload in receiver.payloads()}
    assert len(receiver.requests) == 3 and len(ids) == 1
    assert receiver.payloads()[0]["data"]["payment"] == {"method": "face"}
    codes = list(last.attempts.order_by("pk").values_list("status_code", flat=True))
    assert codes == [500, 500, 200]
    assert last.attempts.order_by("pk").first().response_excerpt == "receiver says no"


def test_retries_back_off_exponentially_with_jitter(settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 30
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 3600
    delays = [services.backoff(attempt_count=n).total_seconds() for n in (1, 2, 3, 10)]
    assert 15 <= delays[0] <= 30
    assert 30 <= delays[1] <= 60
    assert 60 <= delays[2] <= 120
    assert 1800 <= delays[3] <= 3600  # capped


def test_a_delivery_still_failing_after_3_days_is_marked_failed(
    buyer, product, endpoint_and_secret, receiver
):
    receiver.script = [503]
    pay(user=buyer, items={product: 1}, method="password")
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        give_up_at=timezone.now() + timedelta(seconds=1)
    )

    assert delivery_attempt(delivery_id=delivery.pk).status == Delivery.Status.FAILED

    receiver.script = [200]
    resent = delivery_resend(delivery=delivery)
    assert resent.status == Delivery.Status.PENDING
    assert delivery_attempt(delivery_id=delivery.pk).status == "delivered"
    assert len({p["id"] for p in receiver.payloads()}) == 1


def test_a_hanging_receiver_is_cut_off_at_5_seconds_and_retried(
    buyer, product, endpoint_and_secret, receiver, settings
):
    assert settings.WEBHOOKS_TIMEOUT_SECONDS == 5
    receiver.script = ["hang", 200]
    pay(user=buyer, items={product: 1}, method="password")
    delivery = Delivery.objects.get()

    first = delivery_attempt(delivery_id=delivery.pk)

    attempt = first.attempts.get()
    assert attempt.status_code is None
    assert attempt.error_message == "Timed out after 5 s."
    assert 4900 <= attempt.duration_ms < 6500
    assert first.status == Delivery.Status.PENDING
    _make_due(delivery)
    assert delivery_attempt(delivery_id=delivery.pk).status == "delivered"


def test_a_delivery_left_by_a_dead_worker_is_delivered_later(
    buyer, product, endpoint_and_secret, receiver, monkeypatch
):
    pay(user=buyer, items={product: 1}, method="password")
    delivery = Delivery.objects.get()
    assert deliveries_due() == [delivery.pk]

    # A worker takes it, then is killed before sending: nothing acknowledged.
    assert delivery_claim(delivery_id=delivery.pk) is not None
    assert deliveries_due() == []
    assert delivery_attempt(delivery_id=delivery.pk) is None  # held by its lease

    # Its lease runs out: the relay finds it again and it is delivered once.
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert deliveries_due() == [delivery.pk]
    assert delivery_attempt(delivery_id=delivery.pk).status == "delivered"
    assert len(receiver.requests) == 1
    assert deliveries_due() == []


def test_after_a_roll_both_secrets_sign_for_24_hours(
    buyer, product, endpoint_and_secret, receiver
):
    endpoint, old = endpoint_and_secret
    new = endpoint_roll_secret(endpoint=endpoint)
    pay(user=buyer, items={product: 1}, method="password")

    delivery_attempt(delivery_id=Delivery.objects.get().pk)

    [(headers, body)] = receiver.requests
    header = headers["SmilePay-Signature"]
    assert signature_valid(header=header, body=body, secret=new)
    assert signature_valid(header=header, body=body, secret=old)
    endpoint.refresh_from_db()
    later = timezone.now() + timedelta(hours=24, seconds=1)
    assert endpoint.signing_secrets(now=later) == [new]


def test_each_change_writes_its_event_with_only_that_merchants_lines(
    buyer, product, other_product, endpoint_and_secret
):
    from payments.services import (
        order_line_cancel_and_refund,
        payment_cancel,
        payment_expire,
    )
    from payments.tests.factories import payment_make_overdue
    from shop.services import order_line_ship

    paid = order_place(user=buyer, items={product: 1, other_product: 1})
    payment_approve(payment=paid.payment, method="password", evidence={})
    mine = paid.lines.get(merchant=product.merchant)
    order_line_ship(line=mine)
    theirs = paid.lines.get(merchant=other_product.merchant)
    order_line_cancel_and_refund(line=theirs)
    cancelled = order_place(user=buyer, items={product: 1})
    payment_cancel(payment=cancelled.payment)
    expired = order_place(user=buyer, items={product: 1})
    payment_expire(payment=payment_make_overdue(expired.payment))

    mine_types = list(
        Event.objects.filter(merchant=product.merchant)
        .order_by("pk")
        .values_list("type", flat=True)
    )
    assert mine_types == [
        "order.paid",
        "order.line_shipped",
        "order.cancelled",
        "payment.expired",
    ]
    theirs_types = list(
        Event.objects.filter(merchant=other_product.merchant)
        .order_by("pk")
        .values_list("type", flat=True)
    )
    assert theirs_types == ["order.paid", "order.line_refunded"]
    refunded = Event.objects.get(type="order.line_refunded")
    assert refunded.data["refund"] == {"amount": "10.00"}
    assert [line["status"] for line in refunded.data["order"]["lines"]] == ["cancelled"]
    assert Payment.objects.get(order=expired).status == "expired"


def _documented_receiver():
    """The receiver docs/webhooks.md shows merchants, run as they would run it."""
    text = (settings.BASE_DIR / "docs" / "webhooks.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert len(code.strip().splitlines()) <= 12
    namespace = {}
    exec(code, namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


def test_the_documented_receiver_verifies_a_real_delivery_and_refuses_a_replay(
    buyer, product, endpoint_and_secret, receiver, monkeypatch
):
    verify = _documented_receiver()
    _endpoint, secret = endpoint_and_secret
    pay(user=buyer, items={product: 1})
    delivery_attempt(delivery_id=Delivery.objects.get().pk)
    [(headers, body)] = receiver.requests
    header = headers["SmilePay-Signature"]

    assert verify(body, header, secret)["type"] == "order.paid"
    with pytest.raises(ValueError, match="bad signature"):
        verify(body, header, "whsec_wrong")
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(ValueError, match="too old"):
        verify(body, header, secret)


def test_an_endpoint_turned_off_gets_nothing_until_turned_on(
    buyer, product, endpoint_and_secret, receiver
):
    endpoint, _secret = endpoint_and_secret
    pay(user=buyer, items={product: 1})
    delivery = Delivery.objects.get()
    Endpoint.objects.filter(pk=endpoint.pk).update(enabled=False)

    assert deliveries_due() == []
    assert delivery_attempt(delivery_id=delivery.pk) is None
    pay(user=buyer, items={product: 1})
    assert Delivery.objects.count() == 1  # no new delivery while off

    Endpoint.objects.filter(pk=endpoint.pk).update(enabled=True)
    assert delivery_attempt(delivery_id=delivery.pk).status == "delivered"
    assert len(receiver.requests) == 1


def test_a_closed_port_is_recorded_as_a_refused_connection_and_retried(
    buyer, product, merchant, loopback_allowed
):
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint_create(
        merchant=merchant, url=f"http://127.0.0.1:{port}/", events=["order.paid"]
    )
    pay(user=buyer, items={product: 1}, method="password")

    delivery = delivery_attempt(delivery_id=Delivery.objects.get().pk)

    attempt = delivery.attempts.get()
    assert attempt.status_code is None
    assert attempt.error_message == "The connection was refused."
    with translation.override("fr"):
        assert attempt.error_message == "La connexion a été refusée."
    assert delivery.status == Delivery.Status.PENDING
