"""Reads for the merchant dashboard that span the shop, payments and faceauth."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from faceauth.models import VerificationAttempt
from shop.selectors import merchant_orders


def merchant_orders_with_payment(**filters):
    """shop.selectors.merchant_orders, with each order's payment in the same query."""
    return merchant_orders(**filters).select_related("payment")


def face_rates(*, merchants, days: int = 30) -> dict:
    """Approval and decline rates of face checks for these shops' orders."""
    since = timezone.now() - timedelta(days=days)
    numbers = merchant_orders(merchants=merchants).filter(created_at__gte=since)
    attempts = VerificationAttempt.objects.filter(
        purpose=VerificationAttempt.Purpose.PAYMENT,
        reference__in=numbers.values("number"),
        started_at__gte=since,
    ).exclude(reason=VerificationAttempt.Reason.REPLACED)
    counts = attempts.aggregate(
        decided=Count("pk", filter=~Q(status=VerificationAttempt.Status.OPEN)),
        approved=Count("pk", filter=Q(status=VerificationAttempt.Status.APPROVED)),
        declined=Count(
            "pk",
            filter=Q(
                status__in=[
                    VerificationAttempt.Status.DECLINED,
                    VerificationAttempt.Status.EXPIRED,
                ]
            ),
        ),
    )
    decided = counts["decided"]
    return {
        **counts,
        "approval_rate": counts["approved"] / decided if decided else None,
        "decline_rate": counts["declined"] / decided if decided else None,
    }
