"""Orders: stock reservation, price snapshots and guarded status transitions."""

import uuid
from decimal import Decimal

import pytest

from shop.cart import CartLine
from shop.exceptions import CartEmpty, InvalidTransition, OutOfStock, ProductUnavailable
from shop.models import Order, OrderLine, Product
from shop.services import order_create, order_mark_paid, order_release
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


def _place(user, *lines):
    return order_create(
        user=user,
        lines=[CartLine(product=p, quantity=q) for p, q in lines],
        shipping=SHIPPING,
        idempotency_key=uuid.uuid4(),
    )


def _stock(product):
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def test_order_create_reserves_stock_of_each_product(shopper, product, teapot):
    _place(shopper, (product, 2), (teapot, 3))

    assert _stock(product) == 3
    assert _stock(teapot) == 0


def test_order_create_snapshots_titles_prices_and_totals(shopper, product, teapot):
    order = _place(shopper, (product, 2), (teapot, 1))
    Product.objects.filter(pk=product.pk).update(
        title="Renamed Mug", price=Decimal("99.00")
    )

    order.refresh_from_db()
    lines = list(
        order.lines.values_list(
            "product_id", "merchant_id", "title", "unit_price", "quantity", "line_total"
        )
    )
    assert lines == [
        (
            product.pk,
            product.merchant_id,
            "Tea Mug",
            Decimal("25.50"),
            2,
            Decimal("51.00"),
        ),
        (
            teapot.pk,
            teapot.merchant_id,
            "Teapot",
            Decimal("40.00"),
            1,
            Decimal("40.00"),
        ),
    ]
    assert order.total == Decimal("91.00")
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.user == shopper
    assert order.full_name == "Ada Lovelace"
    assert order.number.startswith("SP")


def test_order_create_charges_price_of_now_not_of_cart(shopper, product):
    Product.objects.filter(pk=product.pk).update(price=Decimal("30.00"))

    order = _place(shopper, (product, 2))  # `product` still says 25.50

    assert order.total == Decimal("60.00")
    assert order.lines.get().unit_price == Decimal("30.00")


def test_order_create_merges_lines_of_one_product(shopper, product):
    order = _place(shopper, (product, 1), (product, 2))

    assert list(order.lines.values_list("quantity", flat=True)) == [3]
    assert _stock(product) == 2


def test_order_create_may_take_the_last_unit(shopper, product):
    _place(shopper, (product, 5))

    assert _stock(product) == 0


def test_order_place_rejects_sold_out_product_and_changes_nothing(
    shopper, product, teapot
):
    with pytest.raises(OutOfStock) as caught:
        _place(shopper, (product, 2), (teapot, 4))

    assert caught.value.available == 3
    assert str(caught.value) == "Only 3 of “Teapot” left in stock."
    # The mug was reserved before the teapot failed: all or nothing.
    assert _stock(product) == 5
    assert _stock(teapot) == 3
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()


def test_order_place_rejects_product_sold_out_since_cart_read_it(shopper, product):
    Product.objects.filter(pk=product.pk).update(stock=0)

    with pytest.raises(OutOfStock, match="“Tea Mug” is sold out."):
        _place(shopper, (product, 1))  # `product` still says 5 in stock

    assert _stock(product) == 0
    assert not Order.objects.exists()


def test_order_place_rejects_inactive_product_and_changes_nothing(
    shopper, product, teapot
):
    Product.objects.filter(pk=teapot.pk).update(active=False)

    with pytest.raises(ProductUnavailable, match="“Teapot” is no longer for sale."):
        _place(shopper, (product, 1), (teapot, 1))

    assert _stock(product) == 5
    assert _stock(teapot) == 3
    assert not Order.objects.exists()


def test_order_place_rejects_empty_cart(shopper):
    with pytest.raises(CartEmpty):
        order_create(
            user=shopper, lines=[], shipping=SHIPPING, idempotency_key=uuid.uuid4()
        )

    assert not Order.objects.exists()


@pytest.mark.parametrize("status", [Order.Status.CANCELLED, Order.Status.EXPIRED])
def test_order_release_returns_stock(shopper, product, teapot, status):
    order = _place(shopper, (product, 2), (teapot, 3))

    order_release(order=order, status=status)

    assert _stock(product) == 5
    assert _stock(teapot) == 3
    assert Order.objects.get(pk=order.pk).status == status


def test_order_release_twice_returns_stock_once(shopper, product):
    order = _place(shopper, (product, 2))
    order_release(order=order, status=Order.Status.CANCELLED)

    with pytest.raises(InvalidTransition, match="is cancelled"):
        order_release(order=order, status=Order.Status.EXPIRED)

    assert _stock(product) == 5
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


def test_order_release_refuses_a_status_that_is_not_a_release(shopper, product):
    order = _place(shopper, (product, 2))

    with pytest.raises(InvalidTransition):
        order_release(order=order, status=Order.Status.PAID)

    assert _stock(product) == 3
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT


def test_order_mark_paid_marks_awaiting_order_paid(shopper, product):
    order = _place(shopper, (product, 2))

    order_mark_paid(order=order)

    assert order.status == Order.Status.PAID
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert _stock(product) == 3


@pytest.mark.parametrize("status", [Order.Status.CANCELLED, Order.Status.EXPIRED])
def test_releasing_a_paid_order_raises_invalid_transition(shopper, product, status):
    order = _place(shopper, (product, 2))
    order_mark_paid(order=order)

    with pytest.raises(InvalidTransition, match=f"Order {order.number} is paid."):
        order_release(order=order, status=status)

    assert _stock(product) == 3
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_paying_a_paid_order_raises_invalid_transition(shopper, product):
    order = _place(shopper, (product, 2))
    order_mark_paid(order=order)

    with pytest.raises(InvalidTransition, match="is paid"):
        order_mark_paid(order=order)

    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_paying_a_cancelled_order_raises_invalid_transition(shopper, product):
    order = _place(shopper, (product, 2))
    order_release(order=order, status=Order.Status.CANCELLED)

    with pytest.raises(InvalidTransition, match="is cancelled"):
        order_mark_paid(order=order)

    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert _stock(product) == 5


def test_transition_is_guarded_by_database_not_by_stale_object(shopper, product):
    order = _place(shopper, (product, 2))
    stale = Order.objects.get(pk=order.pk)
    order_mark_paid(order=order)
    assert stale.status == Order.Status.AWAITING_PAYMENT

    with pytest.raises(InvalidTransition):
        order_release(order=stale, status=Order.Status.CANCELLED)

    assert stale.status == Order.Status.PAID
    assert _stock(product) == 3
