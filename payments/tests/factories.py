"""Builders for carts, orders and payments, made the way a shopper makes them."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from payments.models import Payment
from payments.services import checkout_place
from shop.models import Cart, CartItem
from shop.tests.factories import SHIPPING


def cart_fill(*, user, items) -> Cart:
    """Give `user` a cart holding `items`, a mapping of product to quantity."""
    cart, _ = Cart.objects.get_or_create(user=user)
    for product, quantity in items.items():
        CartItem.objects.update_or_create(
            cart=cart, product=product, defaults={"quantity": quantity}
        )
    cart.refresh_from_db()
    return cart


def cart_total(items) -> Decimal:
    return sum(
        (product.price * quantity for product, quantity in items.items()),
        Decimal("0"),
    )


def order_place(*, user, items, shipping=SHIPPING):
    """Fill `user`'s cart with `items` and check it out; return the order."""
    cart = cart_fill(user=user, items=items)
    order, created = checkout_place(
        user=user,
        checkout_key=cart.checkout_key,
        shipping=shipping,
        expected_total=cart_total(items),
    )
    assert created
    return order


def payment_make_overdue(payment, *, seconds=1) -> Payment:
    """Move a payment's deadline `seconds` into the past."""
    Payment.objects.filter(pk=payment.pk).update(
        deadline=timezone.now() - timedelta(seconds=seconds)
    )
    payment.refresh_from_db()
    return payment
