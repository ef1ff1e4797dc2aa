"""Writes to the catalogue and orders: stock reservation and order transitions."""

import logging
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.transitions import transition

from ..cart import CartLine
from ..exceptions import (
    CartEmpty,
    InvalidTransition,
    LineNotPending,
    OutOfStock,
    ProductUnavailable,
)
from ..models import Order, OrderLine, Product, StockMovement
from ..signals import order_cancelled, order_line_shipped
from .stock import stock_move

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
        raise CartEmpty(_("Your cart is empty."))
    wanted = {}
    for line in lines:
        wanted[line.product.pk] = wanted.get(line.product.pk, 0) + line.quantity
    # Lock the rows in one fixed order so two checkouts never deadlock, and read the
    # price and stock as they are now, not as the cart saw them. Staff changing the
    # stock meanwhile wait for these locks, so neither change is lost.
    products = list(
        Product.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    )
    if len(products) != len(wanted):
        raise ProductUnavailable(_("A product in your cart is no longer for sale."))
    for product in products:
        if not product.active:
            raise ProductUnavailable(
                _("“%(title)s” is no longer for sale.") % {"title": product.title}
            )
        if product.stock < wanted[product.pk]:
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
    order_lines = OrderLine.objects.bulk_create(
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
    for line in order_lines:
        stock_move(
            product=line.product,
            delta=-line.quantity,
            reason=StockMovement.Reason.ORDER_RESERVED,
            user=user,
            order=order,
            line=line,
        )
    logger.info(
        "Order #%s: placed by user %s, total %s", order.number, user.pk, order.total
    )
    return order


# Why an order cannot move: a whole sentence for each status it may be in.
ORDER_IS = {
    Order.Status.AWAITING_PAYMENT: gettext_lazy(
        "Order %(number)s is awaiting payment."
    ),
    Order.Status.PAID: gettext_lazy("Order %(number)s is paid."),
    Order.Status.FULFILLED: gettext_lazy("Order %(number)s is fulfilled."),
    Order.Status.CANCELLED: gettext_lazy("Order %(number)s is cancelled."),
    Order.Status.EXPIRED: gettext_lazy("Order %(number)s is expired."),
}


def _order_transition(*, order, to, from_=None) -> Order:
    """Move the order to `to` from any status allowed to reach it, or only `from_`."""
    if not transition(order, to, from_=from_, updated_at=timezone.now()):
        order.refresh_from_db(fields=["status"])
        raise InvalidTransition(ORDER_IS[order.status] % {"number": order.number})
    if to == Order.Status.CANCELLED:
        order_cancelled.send(sender=Order, order=order)
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
        raise InvalidTransition(
            _("Cannot release an order as %(status)s.") % {"status": status}
        )
    # Only an unpaid order is released: a paid one is cancelled line by line, with
    # refunds (payments.services.order_line_cancel_and_refund).
    _order_transition(order=order, to=status, from_=[Order.Status.AWAITING_PAYMENT])
    if status == Order.Status.CANCELLED:
        reason, by = StockMovement.Reason.ORDER_CANCELLED, order.user
    else:
        reason, by = StockMovement.Reason.ORDER_EXPIRED, None  # the shop's clock
    for line in order.lines.select_related("product").order_by("product_id"):
        stock_move(
            product=line.product,
            delta=line.quantity,
            reason=reason,
            user=by,
            order=order,
            line=line,
        )
    logger.info("Order #%s: %s, stock returned", order.number, status)
    return order


# --- fulfilment by merchants -----------------------------------------------------


# Why a line cannot move: it has moved already, or its order is not paid.
LINE_IS_ALREADY = {
    OrderLine.Status.SHIPPED: gettext_lazy("“%(title)s” is shipped already."),
    OrderLine.Status.CANCELLED: gettext_lazy("“%(title)s” is cancelled already."),
}
LINE_ON_UNPAID_ORDER = gettext_lazy("“%(title)s” is on an order that is not paid.")


def _line_transition(*, line, to, **fields) -> OrderLine:
    """Move a pending line of a paid order; anything else raises LineNotPending."""
    # Lock the order first: its lines then move one at a time, so the guard sees a
    # rival's commit and the last move of the order settles it. (A guard joined to
    # the order table is not re-checked by PostgreSQL after waiting for the row.)
    order = Order.objects.select_for_update().get(pk=line.order_id)
    updated = order.status == Order.Status.PAID and transition(line, to, **fields)
    if not updated:
        line.refresh_from_db(fields=["status"])
        raise LineNotPending(
            LINE_IS_ALREADY.get(line.status, LINE_ON_UNPAID_ORDER)
            % {"title": line.title}
        )
    return OrderLine.objects.select_related("order", "merchant", "product").get(
        pk=line.pk
    )


def _order_settle(*, order) -> Order:
    """Fulfil the order once no line is pending; cancel it if every line was."""
    statuses = set(order.lines.values_list("status", flat=True))
    if OrderLine.Status.PENDING in statuses:
        return order
    if statuses == {OrderLine.Status.CANCELLED}:
        return _order_transition(
            order=order, to=Order.Status.CANCELLED, from_=[Order.Status.PAID]
        )
    return _order_transition(
        order=order, to=Order.Status.FULFILLED, from_=[Order.Status.PAID]
    )


@transaction.atomic
def order_line_ship(*, line) -> OrderLine:
    """Mark a merchant's line shipped; the order is fulfilled with its last line."""
    line = _line_transition(
        line=line, to=OrderLine.Status.SHIPPED, shipped_at=timezone.now()
    )
    order_line_shipped.send(sender=OrderLine, line=line)
    _order_settle(order=line.order)
    logger.info("Order #%s: line %s shipped", line.order.number, line.pk)
    return line


@transaction.atomic
def order_line_cancel(*, line, user=None) -> OrderLine:
    """Cancel a merchant's pending line and put its stock back (the refund of its
    amount is the caller's: payments.services.order_line_cancel_and_refund);
    `user` is the staff member who cancelled it."""
    line = _line_transition(
        line=line, to=OrderLine.Status.CANCELLED, cancelled_at=timezone.now()
    )
    stock_move(
        product=line.product,
        delta=line.quantity,
        reason=StockMovement.Reason.LINE_CANCELLED,
        user=user,
        order=line.order,
        line=line,
    )
    _order_settle(order=line.order)
    logger.info(
        "Order #%s: line %s cancelled, stock returned", line.order.number, line.pk
    )
    return line
