"""How much may be paid by face: per order, and per shopper per day.

The face check is a 2-D liveness test: it stops photos and recordings, not a video
that reacts to the prompt injected through a virtual camera. So face payment is
offered for small amounts only; the password pays any amount. docs/security.md,
"Amount limits", gives the defaults and why.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from .selectors import face_paid_total_on

ORDER_OVER_FACE_LIMIT = "order_over_face_limit"
DAILY_FACE_LIMIT = "daily_face_limit"
FACE_LIMIT_CODES = [ORDER_OVER_FACE_LIMIT, DAILY_FACE_LIMIT]


@dataclass(frozen=True)
class FaceLimit:
    """Whether the amount limits let a payment be made by face, and if not, why."""

    allowed: bool
    code: str  # "" when allowed, else ORDER_OVER_FACE_LIMIT or DAILY_FACE_LIMIT
    message: str  # for the shopper; "" when allowed
    max_amount: Decimal
    daily_max_amount: Decimal
    paid_by_face_today: Decimal


def yuan(amount: Decimal) -> str:
    """Show an amount as `¥1,000`, or `¥1,000.50` when it has cents."""
    return "¥" + f"{amount:,.2f}".removesuffix(".00")


def face_limit_decide(
    *, amount: Decimal, paid_today: Decimal, max_amount: Decimal, daily_max: Decimal
) -> FaceLimit:
    """Decide whether `amount` may be paid by face after `paid_today` paid by face."""
    limits = {
        "max_amount": max_amount,
        "daily_max_amount": daily_max,
        "paid_by_face_today": paid_today,
    }
    if amount > max_amount:
        return FaceLimit(
            allowed=False,
            code=ORDER_OVER_FACE_LIMIT,
            message=(
                f"Face payment is for orders up to {yuan(max_amount)}. "
                "Confirm with your password."
            ),
            **limits,
        )
    if paid_today + amount > daily_max:
        # Nothing paid yet means this order alone is over the day's limit.
        spent = (
            f"You have paid {yuan(paid_today)} by face today; the daily limit is "
            f"{yuan(daily_max)}."
            if paid_today
            else f"Face payment is for up to {yuan(daily_max)} a day."
        )
        return FaceLimit(
            allowed=False,
            code=DAILY_FACE_LIMIT,
            message=f"{spent} Confirm with your password.",
            **limits,
        )
    return FaceLimit(allowed=True, code="", message="", **limits)


def face_limit_for(*, payment) -> FaceLimit:
    """The amount limits for paying `payment` by face now.

    The day is the calendar day in the shop's TIME_ZONE; `payment` itself never
    counts in the day's total, so the answer is the same before and during its
    approval.
    """
    return face_limit_decide(
        amount=payment.amount,
        paid_today=face_paid_total_on(
            user=payment.user_id,
            day=timezone.localdate(timezone=timezone.get_default_timezone()),
            exclude=payment,
        ),
        max_amount=Decimal(str(settings.FACEAUTH_MAX_AMOUNT)),
        daily_max=Decimal(str(settings.FACEAUTH_DAILY_MAX_AMOUNT)),
    )
