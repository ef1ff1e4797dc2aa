"""An order reserving stock and staff changing it at the same moment, on PostgreSQL:
neither change is lost, the stock never goes below zero, and it is always the sum
of its movements.

Each call runs in a thread with its own connection, released together at a barrier
(shop/tests/concurrency.py); the held tests fix which one takes the row lock first.
"""

import threading
import uuid

import pytest
from django.db import transaction

from shop.cart import CartLine
from shop.exceptions import OutOfStock, StockChanged, StockTooLow
from shop.models import Order, Product, StockMovement
from shop.services import order_create, stock_adjust, stock_set
from shop.tests.concurrency import JOIN_TIMEOUT, run_together, wait_for_a_blocked_query
from shop.tests.factories import SHIPPING, UserFactory
from shop.tests.helpers import stock_ledger_problems

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Reason = StockMovement.Reason


def _stock(product) -> int:
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def _fresh(product) -> Product:
    return Product.objects.get(pk=product.pk)


def placing(user, product, quantity):
    def place():
        return order_create(
            user=user,
            lines=[CartLine(product=_fresh(product), quantity=quantity)],
            shipping=SHIPPING,
            idempotency_key=uuid.uuid4(),
        )

    return place


def restocking(staff, product, units):
    def restock():
        return stock_adjust(
            product=_fresh(product), delta=units, reason=Reason.RESTOCK, user=staff
        )

    return restock


def counting(staff, product, *, counted, seen):
    def count():
        return stock_set(product=_fresh(product), stock=counted, seen=seen, user=staff)

    return count


@pytest.fixture
def staff(merchant_staff):
    return merchant_staff


@pytest.mark.parametrize("round_", range(8))
def test_an_order_and_a_restock_at_once_both_count(shopper, product, staff, round_):
    outcomes = run_together(
        [placing(shopper, product, 2), restocking(staff, product, 10)]
    )

    assert [o.error for o in outcomes] == [None, None]
    assert _stock(product) == 5 - 2 + 10
    reasons = StockMovement.objects.values_list("reason", flat=True)
    assert sorted(reasons) == ["initial", "order_reserved", "restock"]
    assert stock_ledger_problems() == []


@pytest.mark.parametrize("round_", range(8))
def test_an_order_and_a_count_at_once_never_lose_the_reservation(
    shopper, product, staff, round_
):
    ordered, counted = run_together(
        [placing(shopper, product, 2), counting(staff, product, counted=9, seen=5)]
    )

    assert ordered.ok, ordered.error
    if counted.ok:  # the count came first: the order reserved from the new stock
        assert _stock(product) == 9 - 2
    else:  # the order came first: the count was refused, not applied over it
        assert isinstance(counted.error, StockChanged)
        assert (counted.error.seen, counted.error.current) == (5, 3)
        assert _stock(product) == 3
    assert Order.objects.count() == 1
    assert stock_ledger_problems() == []


@pytest.mark.parametrize("round_", range(5))
def test_the_last_units_go_to_the_order_or_the_write_off_never_both(
    shopper, product, staff, round_
):
    stock_adjust(product=product, delta=-3, reason=Reason.DAMAGED, user=staff)

    ordered, written_off = run_together(
        [
            placing(shopper, product, 2),
            lambda: stock_adjust(
                product=_fresh(product), delta=-2, reason=Reason.DAMAGED, user=staff
            ),
        ]
    )

    assert [ordered.ok, written_off.ok].count(True) == 1
    loser = written_off if ordered.ok else ordered
    assert isinstance(loser.error, StockTooLow | OutOfStock)
    assert _stock(product) == 0
    assert stock_ledger_problems() == []


def test_many_shoppers_and_staff_at_once_lose_no_unit(product, staff):
    stock_adjust(product=product, delta=45, reason=Reason.RESTOCK, user=staff)
    shoppers = [UserFactory(username=f"shopper{n}") for n in range(4)]

    outcomes = run_together(
        [placing(user, product, 3) for user in shoppers]
        + [restocking(staff, product, 7), restocking(staff, product, 1)]
    )

    assert [o.error for o in outcomes] == [None] * 6
    assert _stock(product) == 50 - 4 * 3 + 7 + 1
    assert stock_ledger_problems() == []


# --- one of them holding the row lock while the other waits -----------------------------


def test_an_order_waiting_for_a_count_in_progress_reserves_from_the_new_stock(
    shopper, product, staff
):
    holding = threading.Event()

    def count_while_the_order_waits():
        with transaction.atomic():
            Product.objects.select_for_update().get(pk=product.pk)
            holding.set()
            wait_for_a_blocked_query()
            return stock_set(product=_fresh(product), stock=9, seen=5, user=staff)

    def order_after_the_lock():
        assert holding.wait(JOIN_TIMEOUT)
        return placing(shopper, product, 2)()

    counted, ordered = run_together([count_while_the_order_waits, order_after_the_lock])

    assert (counted.error, ordered.error) == (None, None)
    assert _stock(product) == 7
    assert list(
        StockMovement.objects.order_by("pk").values_list("reason", "stock_after")
    ) == [("initial", 5), ("correction", 9), ("order_reserved", 7)]


def test_a_count_waiting_for_an_order_in_progress_is_refused_with_the_new_figure(
    shopper, product, staff
):
    holding = threading.Event()

    def order_while_the_count_waits():
        with transaction.atomic():
            order = placing(shopper, product, 2)()
            holding.set()
            wait_for_a_blocked_query()
            return order

    def count_after_the_lock():
        assert holding.wait(JOIN_TIMEOUT)
        return counting(staff, product, counted=9, seen=5)()

    ordered, counted = run_together([order_while_the_count_waits, count_after_the_lock])

    assert ordered.ok, ordered.error
    assert isinstance(counted.error, StockChanged)
    assert (counted.error.seen, counted.error.current) == (5, 3)
    assert _stock(product) == 3
    assert stock_ledger_problems() == []


def test_a_restock_waiting_for_an_order_in_progress_adds_to_what_it_left(
    shopper, product, staff
):
    holding = threading.Event()

    def order_while_the_restock_waits():
        with transaction.atomic():
            order = placing(shopper, product, 4)()
            holding.set()
            wait_for_a_blocked_query()
            return order

    def restock_after_the_lock():
        assert holding.wait(JOIN_TIMEOUT)
        return restocking(staff, product, 10)()

    ordered, restocked = run_together(
        [order_while_the_restock_waits, restock_after_the_lock]
    )

    assert (ordered.error, restocked.error) == (None, None)
    assert restocked.value.stock_after == 5 - 4 + 10
    assert _stock(product) == 11
    assert stock_ledger_problems() == []
