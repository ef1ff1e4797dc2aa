from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

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
    return LedgerEntry.objects.filter(wallet=wallet).select_related(
        "transfer__payment__order"
    )[:limit]


def face_paid_total_on(*, user, day: date, exclude=None) -> Decimal:
    """What `user` paid by face on `day`, a calendar day in the shop's TIME_ZONE: the
    sum of their approved face payments decided that day, but for `exclude`."""
    shop_zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), shop_zone)
    end = timezone.make_aware(
        datetime.combine(day + timedelta(days=1), time.min), shop_zone
    )
    rows = Payment.objects.filter(
        user=user,
        status=Payment.Status.APPROVED,
        method=Payment.Method.FACE,
        decided_at__gte=start,
        decided_at__lt=end,
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal("0")
