"""Fulfilment by merchants: shipping and cancelling lines of paid orders."""

import uuid
from decimal import Decimal

import pytest

from shop.cart import CartLine
from shop.exceptions import LineNotPending, ShopError
from shop.models import Order, OrderLine, Product
from shop.services import (
    order_create,
    order_line_cancel,
    order_line_ship,
    order_mark_paid,
    order_release,
)
from shop.tests.factories import SHIPPING, MerchantFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teapot():
    return ProductFactory(
        merchant=MerchantFactory(name="Koala", slug="koala"),
        title="Teapot",
        slug="teapot",
        price=Decimal("40.00"),
        stock=3,
    )


def _place(user, *lines, paid=True) -> Order:
    order = order_create(
        user=user,
        lines=[CartLine(product=p, quantity=q) for p, q in lines],
        shipping=SHIPPING,
        idempotency_key=uuid.uuid4(),
    )
    if paid:
        order_mark_paid(order=order)
    return order


def _line(order, product) -> OrderLine:
    return order.lines.get(product=product)


def _status(obj) -> str:
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


def _stock(product) -> int:
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def _state(order) -> dict:
    return {
        "order": _status(order),
        "lines": sorted(
            order.lines.values_list("pk", "status", "shipped_at", "cancelled_at")
        ),
        "stock": dict(Product.objects.values_list("pk", "stock")),
    }


# --- shipping ---------------------------------------------------------------------


def test_order_line_ship_marks_the_line_shipped_with_the_time(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))

    line = order_line_ship(line=_line(order, product))

    assert line.status == OrderLine.Status.SHIPPED
    assert line.shipped_at is not None
    assert line.cancelled_at is None
    stored = OrderLine.objects.get(pk=line.pk)
    assert (stored.status, stored.shipped_at) == (
        OrderLine.Status.SHIPPED,
        line.shipped_at,
    )


def test_order_line_ship_leaves_the_order_paid_while_another_line_is_pending(
    shopper, product, teapot
):
    order = _place(shopper, (product, 2), (teapot, 1))

    order_line_ship(line=_line(order, product))

    assert _status(order) == Order.Status.PAID
    assert _status(_line(order, teapot)) == OrderLine.Status.PENDING


def test_shipping_the_last_pending_line_fulfils_the_order(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))
    order_line_ship(line=_line(order, product))

    line = order_line_ship(line=_line(order, teapot))

    assert _status(order) == Order.Status.FULFILLED
    assert line.order.status == Order.Status.FULFILLED


def test_shipping_keeps_the_stock_off_the_shelf(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))

    order_line_ship(line=_line(order, product))
    order_line_ship(line=_line(order, teapot))

    assert (_stock(product), _stock(teapot)) == (3, 2)


def test_shipping_a_line_twice_is_refused_and_changes_nothing(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))
    line = _line(order, product)
    order_line_ship(line=line)
    before = _state(order)

    with pytest.raises(LineNotPending) as raised:
        order_line_ship(line=line)  # the caller's copy still says "pending"

    assert str(raised.value) == "“Tea Mug” is shipped already."
    assert _state(order) == before


def test_shipping_a_cancelled_line_is_refused(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))
    line = _line(order, product)
    order_line_cancel(line=line)
    before = _state(order)

    with pytest.raises(LineNotPending) as raised:
        order_line_ship(line=line)

    assert str(raised.value) == "“Tea Mug” is cancelled already."
    assert _state(order) == before


# --- cancelling -------------------------------------------------------------------


def test_order_line_cancel_puts_the_lines_stock_back(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))
    assert (_stock(product), _stock(teapot)) == (3, 2)

    line = order_line_cancel(line=_line(order, product))

    assert line.status == OrderLine.Status.CANCELLED
    assert line.cancelled_at is not None
    assert line.shipped_at is None
    assert (_stock(product), _stock(teapot)) == (5, 2)


def test_cancelling_one_line_leaves_the_order_paid(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))

    order_line_cancel(line=_line(order, product))

    assert _status(order) == Order.Status.PAID


def test_cancelling_every_line_cancels_the_order(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))
    order_line_cancel(line=_line(order, product))

    line = order_line_cancel(line=_line(order, teapot))

    assert _status(order) == Order.Status.CANCELLED
    assert line.order.status == Order.Status.CANCELLED
    assert (_stock(product), _stock(teapot)) == (5, 3)


def test_order_with_shipped_and_cancelled_lines_is_fulfilled(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))
    order_line_cancel(line=_line(order, teapot))

    order_line_ship(line=_line(order, product))

    assert _status(order) == Order.Status.FULFILLED
    assert (_stock(product), _stock(teapot)) == (3, 3)


def test_cancelling_the_last_pending_line_after_a_shipment_fulfils_the_order(
    shopper, product, teapot
):
    order = _place(shopper, (product, 2), (teapot, 1))
    order_line_ship(line=_line(order, product))

    order_line_cancel(line=_line(order, teapot))

    assert _status(order) == Order.Status.FULFILLED


def test_cancelling_a_line_twice_returns_its_stock_once(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))
    line = _line(order, product)
    order_line_cancel(line=line)
    before = _state(order)

    with pytest.raises(LineNotPending) as raised:
        order_line_cancel(line=line)

    assert str(raised.value) == "“Tea Mug” is cancelled already."
    assert _state(order) == before
    assert _stock(product) == 5


def test_cancelling_a_shipped_line_is_refused_and_keeps_the_stock_out(
    shopper, product, teapot
):
    order = _place(shopper, (product, 2), (teapot, 1))
    line = _line(order, product)
    order_line_ship(line=line)
    before = _state(order)

    with pytest.raises(LineNotPending) as raised:
        order_line_cancel(line=line)

    assert str(raised.value) == "“Tea Mug” is shipped already."
    assert _state(order) == before
    assert _stock(product) == 3


# --- only paid orders -------------------------------------------------------------


@pytest.mark.parametrize("act", [order_line_ship, order_line_cancel])
def test_lines_of_an_order_awaiting_payment_are_neither_shipped_nor_cancelled(
    shopper, product, teapot, act
):
    order = _place(shopper, (product, 2), (teapot, 1), paid=False)
    before = _state(order)

    with pytest.raises(LineNotPending) as raised:
        act(line=_line(order, product))

    assert str(raised.value) == "“Tea Mug” is on an order that is not paid."
    assert _state(order) == before
    assert before["order"] == Order.Status.AWAITING_PAYMENT
    assert _stock(product) == 3  # still held for the shopper, not returned twice


@pytest.mark.parametrize("released_as", [Order.Status.CANCELLED, Order.Status.EXPIRED])
@pytest.mark.parametrize("act", [order_line_ship, order_line_cancel])
def test_lines_of_a_released_order_are_neither_shipped_nor_cancelled(
    shopper, product, teapot, act, released_as
):
    order = _place(shopper, (product, 2), (teapot, 1), paid=False)
    order_release(order=order, status=released_as)
    before = _state(order)

    with pytest.raises(LineNotPending):
        act(line=_line(order, product))

    assert _state(order) == before
    assert _stock(product) == 5  # returned once, by the release


@pytest.mark.parametrize("act", [order_line_ship, order_line_cancel])
def test_lines_of_a_fulfilled_order_cannot_move_again(shopper, product, act):
    order = _place(shopper, (product, 2))
    line = _line(order, product)
    order_line_ship(line=line)
    assert _status(order) == Order.Status.FULFILLED
    before = _state(order)

    with pytest.raises(LineNotPending):
        act(line=line)

    assert _state(order) == before


def test_line_not_pending_is_a_shop_error_the_views_can_show():
    assert issubclass(LineNotPending, ShopError)
