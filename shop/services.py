"""Writes to the catalogue and orders: stock reservation and order transitions."""

import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .cart import CartLine
from .exceptions import CartEmpty, InvalidTransition, OutOfStock, ProductUnavailable
from .models import Order, OrderLine, Product

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shipping:
    full_name: str
    address: str
    city: str
    postcode: str
    country: str


def _order_number() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    suffix = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"SP{timezone.now():%y%m%d}-{suffix}"


@transaction.atomic
def order_create(
    *, user, lines: list[CartLine], shipping: Shipping, idempotency_key
) -> Order:
    """Create an order from cart lines, reserving their stock; all or nothing."""
    if not lines:
        raise CartEmpty("Your cart is empty.")
    wanted = {}
    for line in lines:
        wanted[line.product.pk] = wanted.get(line.product.pk, 0) + line.quantity
    # Lock the rows in one fixed order so two checkouts never deadlock, and read the
    # price and stock as they are now, not as the cart saw them.
    products = list(
        Product.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    )
    if len(products) != len(wanted):
        raise ProductUnavailable("A product in your cart is no longer for sale.")
    for product in products:
        if not product.active:
            raise ProductUnavailable(f"“{product.title}” is no longer for sale.")
        reserved = Product.objects.filter(
            pk=product.pk, active=True, stock__gte=wanted[product.pk]
        ).update(stock=F("stock") - wanted[product.pk])
        if not reserved:
            raise OutOfStock(product, product.stock)

    order = Order.objects.create(
        number=_order_number(),
        user=user,
        full_name=shipping.full_name,
        address=shipping.address,
        city=shipping.city,
        postcode=shipping.postcode,
        country=shipping.country,
        total=sum(p.price * wanted[p.pk] for p in products),
        idempotency_key=idempotency_key,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=p,
            merchant_id=p.merchant_id,
            title=p.title,
            unit_price=p.price,
            quantity=wanted[p.pk],
            line_total=p.price * wanted[p.pk],
        )
        for p in products
    )
    logger.info(
        "Order #%s: placed by user %s, total %s", order.number, user.pk, order.total
    )
    return order


def _order_transition(*, order, to) -> Order:
    allowed_from = [s for s, targets in Order.TRANSITIONS.items() if to in targets]
    updated = Order.objects.filter(pk=order.pk, status__in=allowed_from).update(
        status=to, updated_at=timezone.now()
    )
    if not updated:
        order.refresh_from_db(fields=["status"])
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()}."
        )
    order.status = to
    return order


@transaction.atomic
def order_mark_paid(*, order) -> Order:
    """Mark an order awaiting payment as paid."""
    _order_transition(order=order, to=Order.Status.PAID)
    logger.info("Order #%s: paid", order.number)
    return order


@transaction.atomic
def order_release(*, order, status) -> Order:
    """Cancel or expire an unpaid order and put its stock back on the shelf."""
    if status not in (Order.Status.CANCELLED, Order.Status.EXPIRED):
        raise InvalidTransition(f"Cannot release an order as {status}.")
    _order_transition(order=order, to=status)
    for line in order.lines.order_by("product_id"):
        Product.objects.filter(pk=line.product_id).update(
            stock=F("stock") + line.quantity
        )
    logger.info("Order #%s: %s, stock returned", order.number, status)
    return order
