"""Stock: every change is a movement written with it, in one transaction.

A product's `stock` is the sum of its movements. Orders reserve and return stock
through `stock_move`; staff change it by a number of units (`stock_adjust`) or set
it to what they counted (`stock_set`), which refuses if the stock is no longer what
they saw, rather than overwrite a reservation made meanwhile.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import InvalidStockChange, StockChanged, StockTooLow
from ..models import Product, StockMovement

logger = logging.getLogger(__name__)

# The most units one product may hold on the shelf: far from the integer column's
# limit, and more than any shop keeps.
MAX_STOCK = 1_000_000

Reason = StockMovement.Reason


def stock_move(
    *,
    product: Product,
    delta: int,
    reason: str,
    user=None,
    order=None,
    line=None,
    note: str = "",
) -> StockMovement:
    """Change `product`'s stock by `delta` and record the movement, all or nothing.

    The update is guarded in the database (`stock >= -delta` when taking away), so
    it never lets the stock go below zero whatever ran meanwhile; the row stays
    locked until the caller's transaction ends, so `stock_after` is exact.
    """
    if not delta:
        raise InvalidStockChange(_("Enter a number of units other than zero."))
    with transaction.atomic():
        stock_after = Product.objects.add_stock(product.pk, delta)
        if stock_after is None:
            available = Product.objects.values_list("stock", flat=True).get(
                pk=product.pk
            )
            raise StockTooLow(product, available, -delta)
        movement = StockMovement.objects.create(
            product=product,
            delta=delta,
            stock_after=stock_after,
            reason=reason,
            note=note,
            user=user,
            order=order,
            line=line,
        )
    product.stock = stock_after
    # The movement is the record; an order of many lines would log each.
    logger.debug(
        "Product %s: stock %+d (%s) to %s", product.pk, delta, reason, stock_after
    )
    return movement


def stock_change_problem(*, reason: str, delta: int, stock: int) -> str | None:
    """Why staff may not record `delta` units for `reason` on a product holding
    `stock`, in words for them; None if they may."""
    if reason not in StockMovement.MANUAL:
        return _("Choose a restock, a stock count or damaged or lost units.")
    if not delta:
        return _("Enter a number of units other than zero.")
    way = StockMovement.MANUAL[reason]
    if way > 0 and delta < 0:
        return _("A restock adds units: enter a positive number.")
    if way < 0 and delta > 0:
        return _("Damaged or lost units are taken away: enter a negative number.")
    if stock + delta > MAX_STOCK:
        return _("The stock cannot go above %(max)d units.") % {"max": MAX_STOCK}
    return None


@transaction.atomic
def stock_adjust(
    *, product: Product, delta: int, reason: str, user, note: str = ""
) -> StockMovement:
    """Record staff adding or taking away `delta` units, with their reason; the
    product's row is locked, so an order placed at the same moment counts too."""
    stock = (
        Product.objects.select_for_update()
        .values_list("stock", flat=True)
        .get(pk=product.pk)
    )
    problem = stock_change_problem(reason=reason, delta=delta, stock=stock)
    if problem:
        raise InvalidStockChange(problem)
    return stock_move(
        product=product, delta=delta, reason=reason, user=user, note=note.strip()
    )


@transaction.atomic
def stock_set(
    *,
    product: Product,
    stock: int,
    seen: int,
    user,
    reason: str = Reason.CORRECTION,
    note: str = "",
) -> StockMovement | None:
    """Set the stock to the `stock` staff counted, if it is still the `seen` they
    started from; otherwise raise StockChanged and change nothing. None when the
    count matches the stock."""
    current = (
        Product.objects.select_for_update()
        .values_list("stock", flat=True)
        .get(pk=product.pk)
    )
    if current != seen:
        raise StockChanged(product, seen, current)
    if stock == current:
        product.stock = current
        return None
    return stock_adjust(
        product=product, delta=stock - current, reason=reason, user=user, note=note
    )
