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
from django.utils.translation import gettext as _

from shop.money import format_money_round

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
            message=_(
                "Face payment is for orders up to %(max)s. Confirm with your password."
            )
            % {"max": format_money_round(max_amount)},
            **limits,
        )
    if paid_today + amount > daily_max:
        # Nothing paid yet means this order alone is over the day's limit.
        message = (
            _(
                "You have paid %(paid)s by face today; the daily limit is %(max)s. "
                "Confirm with your password."
            )
            if paid_today
            else _(
                "Face payment is for up to %(max)s a day. Confirm with your password."
            )
        )
        return FaceLimit(
            allowed=False,
            code=DAILY_FACE_LIMIT,
            message=message
            % {
                "paid": format_money_round(paid_today),
                "max": format_money_round(daily_max),
            },
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
