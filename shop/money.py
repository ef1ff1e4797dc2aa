"""Prices as the shopper reads them: one currency symbol, the active language's digits."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import pgettext


def format_money(amount, *, drop_zero_cents: bool = False) -> str:
    """`¥1,000.50` in English, `1 000,50 ¥` in French, `¥1,000.50` in Chinese.

    With `drop_zero_cents`, a whole amount loses its cents (`¥1,000`): for limits
    and round figures in sentences.
    """
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):  # None, "", or not a number: show nothing
        return ""
    if amount < 0:  # a debit: the sign before the symbol, "-¥18.99", "-18,99 ¥"
        return "-" + format_money(-amount, drop_zero_cents=drop_zero_cents)
    places = 0 if drop_zero_cents and amount == amount.to_integral_value() else 2
    digits = number_format(
        amount, decimal_pos=places, use_l10n=True, force_grouping=True
    )
    # Translators: where the currency symbol goes around an amount. French puts it
    # after, with a no-break space: "%(amount)s %(symbol)s".
    pattern = pgettext("money", "%(symbol)s%(amount)s")
    return pattern % {"symbol": settings.CURRENCY_SYMBOL, "amount": digits}


def format_money_round(amount) -> str:
    """`¥1,000` for a whole amount, `¥1,000.50` otherwise: limits and round figures."""
    return format_money(amount, drop_zero_cents=True)
