"""Workers and the relay racing for the same deliveries, on PostgreSQL's row locks."""

import pytest

from shop.tests.concurrency import run_together
from webhooks.models import Delivery
from webhooks.services import deliveries_due, delivery_attempt

from .conftest import pay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_given_the_same_delivery_send_it_once(
    buyer, product, endpoint_and_secret, receiver
):
    pay(user=buyer, items={product: 1})
    pk = Delivery.objects.get().pk

    outcomes = run_together([lambda: delivery_attempt(delivery_id=pk)] * 4)

    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes]
    sent = [outcome.value for outcome in outcomes if outcome.value is not None]
    assert len(sent) == 1 and sent[0].status == Delivery.Status.DELIVERED
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().attempts.count() == 1


def test_a_worker_and_the_relay_at_once_lose_no_delivery(
    buyer, product, endpoint_and_secret, receiver
):
    pay(user=buyer, items={product: 1})
    pay(user=buyer, items={product: 1})
    first, second = Delivery.objects.order_by("pk").values_list("pk", flat=True)

    outcomes = run_together(
        [lambda: delivery_attempt(delivery_id=first), deliveries_due]
    )

    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes]
    assert second in outcomes[1].value
    # The worker sent it once, or met the relay's lock and left it due: the task the
    # relay queues sends it then. Never lost, never sent twice.
    if Delivery.objects.get(pk=first).status == Delivery.Status.DELIVERED:
        assert len(receiver.requests) == 1 and deliveries_due() == [second]
    else:
        assert receiver.requests == [] and deliveries_due() == [first, second]
