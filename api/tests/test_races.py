"""Idempotent order creation under concurrency: real threads on PostgreSQL.

Each thread has its own database connection, opened before the barrier so that the
requests meet in the database rather than in connection setup.
"""

import threading

import pytest

from api import services
from api.models import IdempotencyRecord
from payments.models import Payment
from payments.tests.conftest import check_invariants
from payments.tests.factories import cart_fill
from shop.models import Order
from shop.tests.concurrency import JOIN_TIMEOUT, run_together, wait_for_a_blocked_query

from .conftest import SHIPPING_BODY, client_for, new_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cart(funded_shopper, product):
    return cart_fill(user=funded_shopper, items={product: 2})


def poster(client, key, body):
    def post():
        return client.post(
            "/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
        )

    return post


def hold_first_order(monkeypatch) -> threading.Event:
    """Pause the first order placed, mid-transaction, until a rival waits on a lock.

    The returned event is set once the first request holds its key's record.
    """
    real = services.checkout_place
    holding = threading.Event()

    def held(**kwargs):
        holding.set()
        wait_for_a_blocked_query()
        return real(**kwargs)

    monkeypatch.setattr(services, "checkout_place", held)
    return holding


def after(event, call):
    def wait_then_call():
        assert event.wait(JOIN_TIMEOUT)
        return call()

    return wait_then_call


@pytest.mark.parametrize("round_", range(5))
def test_two_requests_with_one_key_at_once_place_one_order(
    funded_shopper, cart, product, round_
):
    # One client each, as two tabs or a client and its retry would be.
    clients = [client_for(funded_shopper), client_for(funded_shopper)]
    key = new_key()

    outcomes = run_together([poster(c, key, SHIPPING_BODY) for c in clients])

    assert [o.error for o in outcomes] == [None, None]
    first, second = (o.value for o in outcomes)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    replayed = ["Idempotent-Replayed" in r for r in (first, second)]
    assert sorted(replayed) == [False, True]
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    check_invariants(initial_stock={product.pk: 5})


def test_a_duplicate_arriving_mid_order_waits_for_it_and_replays_it(
    funded_shopper, cart, product, monkeypatch
):
    holding = hold_first_order(monkeypatch)
    key = new_key()
    first_client, second_client = client_for(funded_shopper), client_for(funded_shopper)

    first, second = run_together(
        [
            poster(first_client, key, SHIPPING_BODY),
            after(holding, poster(second_client, key, SHIPPING_BODY)),
        ]
    )

    assert (first.error, second.error) == (None, None)
    assert first.value.status_code == 201
    assert "Idempotent-Replayed" not in first.value
    assert second.value.status_code == 201
    assert second.value["Idempotent-Replayed"] == "true"
    assert second.value.json() == first.value.json()
    assert Order.objects.count() == 1
    check_invariants(initial_stock={product.pk: 5})


def test_a_different_body_arriving_mid_order_under_its_key_is_refused(
    funded_shopper, cart, product, monkeypatch
):
    holding = hold_first_order(monkeypatch)
    key = new_key()
    first_client, second_client = client_for(funded_shopper), client_for(funded_shopper)

    first, second = run_together(
        [
            poster(first_client, key, SHIPPING_BODY),
            after(
                holding, poster(second_client, key, {**SHIPPING_BODY, "city": "Rome"})
            ),
        ]
    )

    assert first.value.status_code == 201
    assert second.value.status_code == 422
    assert second.value.json()["code"] == "idempotency_key_reused"
    assert Order.objects.get().city == "London"
    check_invariants(initial_stock={product.pk: 5})


def test_two_keys_for_one_cart_at_once_still_place_one_order(
    funded_shopper, cart, product
):
    clients = [client_for(funded_shopper), client_for(funded_shopper)]

    outcomes = run_together([poster(c, new_key(), SHIPPING_BODY) for c in clients])

    assert [o.error for o in outcomes] == [None, None]
    statuses = sorted(o.value.status_code for o in outcomes)
    # The cart's own checkout key: the loser finds the order placed (200) or, if it
    # came after the winner committed, the cart emptied (409).
    assert statuses in ([200, 201], [201, 409])
    assert Order.objects.count() == 1
    check_invariants(initial_stock={product.pk: 5})
