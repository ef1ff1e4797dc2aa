"""Reads for the API, composed from the shop, payments and faceauth selectors."""

from decimal import Decimal

from faceauth.models import VerificationAttempt
from faceauth.selectors import attempt_latest_for
from faceauth.services.attempts import attempt_state
from payments.limits import face_limit_for
from payments.selectors import ledger_for_wallet, payment_get_for_order
from shop.cart import CartSession
from shop.models import Order
from shop.selectors import (
    merchant_line_get,
    merchant_orders,
    merchants_of,
    order_list_for_user,
    product_list,
)

from .models import IdempotencyRecord


def product_search(
    *,
    category=None,
    merchant: str = "",
    query: str = "",
    sort: str = "newest",
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
):
    """Active products: the catalogue's search and sorts, and the API's filters."""
    products = product_list(category=category, query=query, sort=sort)
    if merchant:
        products = products.filter(merchant__slug=merchant)
    if min_price is not None:
        products = products.filter(price__gte=min_price)
    if max_price is not None:
        products = products.filter(price__lte=max_price)
    if in_stock is True:
        products = products.filter(stock__gt=0)
    elif in_stock is False:
        products = products.filter(stock=0)
    return products


def cart_read(*, cart: CartSession) -> dict:
    """The cart's lines (for sale products only), its total and its item count."""
    lines = cart.lines()
    return {
        "lines": lines,
        "total": sum((line.line_total for line in lines), Decimal("0")),
        "count": sum(line.quantity for line in lines),
    }


def orders_of(*, user):
    """`user`'s orders with their payment, lines, products and merchants."""
    return (
        order_list_for_user(user=user)
        .select_related("payment")
        .prefetch_related("lines__product", "lines__merchant")
    )


def payment_status_of(*, user, number) -> dict:
    """`user`'s payment for order `number`, its latest face check, and whether its
    amount may be paid by face, for polling.

    Raises Payment.DoesNotExist for anyone else's order.
    """
    payment = payment_get_for_order(user=user, number=number)
    attempt = attempt_latest_for(
        user=user, purpose=VerificationAttempt.Purpose.PAYMENT, reference=number
    )
    face = None
    if attempt is not None:
        state = attempt_state(attempt)
        face = {
            "attempt": attempt.public_id,
            "state": state["state"],
            "message": state["message"],
            "final": state["final"],
            "deadline": attempt.deadline,
            "reason": state.get("reason") or None,
            "tries_left": state.get("tries_left"),
        }
    face_limit = face_limit_for(payment=payment) if payment.is_open else None
    return {
        "payment": payment,
        "face": face,
        "face_allowed": face_limit is not None and face_limit.allowed,
        "face_limit": face_limit,
    }


def wallet_entries(*, wallet):
    """Every ledger entry of `wallet`, newest first (the API pages through them)."""
    return ledger_for_wallet(wallet=wallet, limit=None)


def merchant_orders_of(*, user, **filters):
    """Orders with lines of `user`'s shops, each with only those lines."""
    return (
        merchant_orders(merchants=merchants_of(user=user), **filters)
        .select_related("payment")
        .prefetch_related("merchant_lines__product")
    )


def merchant_order_get(*, user, number) -> Order:
    """One order of `user`'s shops (DoesNotExist for any other)."""
    return merchant_orders_of(user=user).get(number=number)


def merchant_line_of(*, user, pk):
    """One order line of `user`'s shops (DoesNotExist for any other shop's)."""
    return merchant_line_get(merchants=merchants_of(user=user), pk=pk)


def idempotency_record_get(*, user, key) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()
