"""Stock movements: every change of stock is recorded with it, by orders and by staff."""

import importlib
import uuid

import pytest
from django.apps import apps

from shop.cart import CartLine
from shop.exceptions import InvalidStockChange, OutOfStock, StockChanged, StockTooLow
from shop.models import Order, Product, StockMovement
from shop.services import (
    MAX_STOCK,
    order_create,
    order_line_cancel,
    order_mark_paid,
    order_release,
    stock_adjust,
    stock_move,
    stock_set,
)
from shop.tests.factories import SHIPPING, ProductFactory
from shop.tests.helpers import stock_ledger_problems

pytestmark = pytest.mark.django_db

Reason = StockMovement.Reason


def _place(user, product, quantity):
    return order_create(
        user=user,
        lines=[CartLine(product=product, quantity=quantity)],
        shipping=SHIPPING,
        idempotency_key=uuid.uuid4(),
    )


def _stock(product) -> int:
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def _movements(product) -> list[tuple]:
    """(delta, stock_after, reason) of the product's movements, oldest first."""
    return list(
        StockMovement.objects.filter(product=product)
        .order_by("pk")
        .values_list("delta", "stock_after", "reason")
    )


@pytest.fixture
def staff(merchant_staff):
    return merchant_staff


# --- orders -------------------------------------------------------------------------


def test_an_order_reserves_stock_as_a_movement_naming_the_order_and_shopper(
    shopper, product
):
    order = _place(shopper, product, 2)

    movement = StockMovement.objects.filter(product=product).first()
    assert (movement.delta, movement.stock_after) == (-2, 3)
    assert movement.reason == Reason.ORDER_RESERVED
    assert (movement.order, movement.line, movement.user) == (
        order,
        order.lines.get(),
        shopper,
    )
    assert _movements(product) == [(5, 5, "initial"), (-2, 3, "order_reserved")]
    assert stock_ledger_problems() == []


def test_a_refused_order_records_no_movement(shopper, product):
    with pytest.raises(OutOfStock):
        _place(shopper, product, 6)

    assert _movements(product) == [(5, 5, "initial")]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("status", "reason", "by_shopper"),
    [
        (Order.Status.CANCELLED, Reason.ORDER_CANCELLED, True),
        (Order.Status.EXPIRED, Reason.ORDER_EXPIRED, False),
    ],
)
def test_a_released_order_puts_its_stock_back_as_a_movement(
    shopper, product, status, reason, by_shopper
):
    order = _place(shopper, product, 2)

    order_release(order=order, status=status)

    back = StockMovement.objects.filter(product=product).first()
    assert (back.delta, back.stock_after, back.reason) == (2, 5, reason)
    assert back.order == order and back.line == order.lines.get()
    assert back.user == (shopper if by_shopper else None)  # expiry: the system
    assert stock_ledger_problems() == []


def test_a_cancelled_line_puts_its_stock_back_naming_the_staff_member(
    shopper, product, staff
):
    order = _place(shopper, product, 3)
    order_mark_paid(order=order)

    line = order_line_cancel(line=order.lines.get(), user=staff)

    back = StockMovement.objects.filter(product=product).first()
    assert (back.delta, back.stock_after, back.reason) == (3, 5, "line_cancelled")
    assert (back.user, back.order, back.line) == (staff, order, line)
    assert stock_ledger_problems() == []


# --- staff, by a number of units ------------------------------------------------------


def test_a_restock_adds_units_and_says_who_and_why(product, staff):
    movement = stock_adjust(
        product=product,
        delta=20,
        reason=Reason.RESTOCK,
        user=staff,
        note="  Delivery 4411 ",
    )

    assert _stock(product) == 25 and product.stock == 25
    assert (movement.delta, movement.stock_after, movement.user) == (20, 25, staff)
    assert movement.note == "Delivery 4411"
    assert movement.created_at is not None


@pytest.mark.parametrize(
    ("reason", "delta"), [("correction", -2), ("correction", 3), ("damaged", -1)]
)
def test_a_count_may_go_either_way_and_damaged_units_are_taken_away(
    product, staff, reason, delta
):
    stock_adjust(product=product, delta=delta, reason=reason, user=staff)

    assert _stock(product) == 5 + delta
    assert stock_ledger_problems() == []


@pytest.mark.parametrize(
    ("reason", "delta", "message"),
    [
        ("restock", -3, "A restock adds units: enter a positive number."),
        (
            "damaged",
            2,
            "Damaged or lost units are taken away: enter a negative number.",
        ),
        ("restock", 0, "Enter a number of units other than zero."),
        (
            "order_reserved",
            -1,
            "Choose a restock, a stock count or damaged or lost units.",
        ),
        ("initial", 4, "Choose a restock, a stock count or damaged or lost units."),
        ("bogus", 4, "Choose a restock, a stock count or damaged or lost units."),
        ("restock", MAX_STOCK, "The stock cannot go above 1000000 units."),
    ],
)
def test_a_change_by_hand_that_makes_no_sense_is_refused_and_changes_nothing(
    product, staff, reason, delta, message
):
    with pytest.raises(InvalidStockChange, match=message):
        stock_adjust(product=product, delta=delta, reason=reason, user=staff)

    assert _movements(product) == [(5, 5, "initial")]
    assert _stock(product) == 5


def test_taking_away_more_than_the_shelf_holds_is_refused(product, staff):
    with pytest.raises(StockTooLow) as refused:
        stock_adjust(product=product, delta=-6, reason=Reason.DAMAGED, user=staff)

    assert str(refused.value) == (
        "Only 5 of “Tea Mug” are on the shelf: 6 cannot be taken away."
    )
    assert _stock(product) == 5 and _movements(product) == [(5, 5, "initial")]


def test_the_stock_may_be_taken_to_zero_never_below(product, staff):
    stock_adjust(product=product, delta=-5, reason=Reason.DAMAGED, user=staff)

    assert _stock(product) == 0
    with pytest.raises(StockTooLow):
        stock_move(product=product, delta=-1, reason=Reason.DAMAGED)


# --- staff, setting what they counted ---------------------------------------------------


def test_setting_the_stock_to_a_count_records_the_difference(product, staff):
    movement = stock_set(product=product, stock=12, seen=5, user=staff)

    assert (movement.delta, movement.stock_after) == (7, 12)
    assert movement.reason == Reason.CORRECTION and movement.user == staff


def test_setting_the_stock_it_already_has_records_nothing(product, staff):
    assert stock_set(product=product, stock=5, seen=5, user=staff) is None

    assert _movements(product) == [(5, 5, "initial")]


def test_a_count_over_stock_an_order_changed_meanwhile_is_refused_not_overwritten(
    shopper, product, staff
):
    seen = _stock(product)  # the page shows 5
    _place(shopper, product, 2)  # meanwhile a shopper reserves 2

    with pytest.raises(StockChanged) as refused:
        stock_set(product=product, stock=9, seen=seen, user=staff)

    assert (refused.value.seen, refused.value.current) == (5, 3)
    assert "changed from 5 to 3" in str(refused.value)
    assert _stock(product) == 3
    assert stock_ledger_problems() == []


def test_the_stock_cannot_be_below_zero_in_the_database(product):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=-1)


# --- where movements come from otherwise ------------------------------------------------


def test_the_migration_gives_each_product_its_stock_as_an_opening_movement(db):
    migration = importlib.import_module("shop.migrations.0004_stock_movements")
    stocked = ProductFactory(stock=7)
    empty = ProductFactory(stock=0)
    StockMovement.objects.all().delete()  # as before the migration

    migration.opening_stock(apps, None)

    assert _movements(stocked) == [(7, 7, "initial")]
    assert _movements(empty) == []
    assert stock_ledger_problems() == []


def test_a_product_added_in_the_admin_gets_its_opening_stock_as_a_movement(
    admin_client, admin_user, merchant
):
    category = ProductFactory(merchant=merchant).category
    response = admin_client.post(
        "/admin/shop/product/add/",
        {
            "merchant": merchant.pk,
            "category": category.pk,
            "title": "Bamboo Tray",
            "slug": "bamboo-tray",
            "price": "12.00",
            "stock": "8",
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    tray = Product.objects.get(slug="bamboo-tray")
    assert tray.stock == 8
    movement = StockMovement.objects.get(product=tray)
    assert (movement.delta, movement.reason, movement.user) == (
        8,
        "initial",
        admin_user,
    )


def test_the_admin_shows_the_stock_of_a_product_but_does_not_edit_it(
    admin_client, product
):
    page = admin_client.get(f"/admin/shop/product/{product.pk}/change/")

    assert page.status_code == 200
    assert b'name="stock"' not in page.content
    movements = admin_client.get("/admin/shop/stockmovement/")
    assert movements.status_code == 200 and b"Tea Mug" in movements.content
