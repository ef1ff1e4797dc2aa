from shop.selectors import order_get_for_user

from .models import LedgerEntry, Payment


def payment_get_for_order(*, user, number):
    """Return `user`'s payment for order `number` (DoesNotExist for anyone else's)."""
    return Payment.objects.select_related("order", "user").get(
        order__number=number, user=user
    )


def order_with_payment_for_user(*, user, number):
    """Return `user`'s order `number` with its payment (DoesNotExist for anyone else's)."""
    return order_get_for_user(user=user, number=number, related=["payment"])


def ledger_for_wallet(*, wallet, limit=50):
    return LedgerEntry.objects.filter(wallet=wallet).select_related("transfer")[:limit]
