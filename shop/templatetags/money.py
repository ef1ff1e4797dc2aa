from django import template

from ..money import format_money

register = template.Library()


@register.filter
def money(amount):
    """`{{ order.total|money }}`: the amount with the shop's currency, per language."""
    return format_money(amount)


@register.filter
def money_round(amount):
    """`{{ limit|money_round }}`: as `money`, without `.00` on a whole amount."""
    return format_money(amount, drop_zero_cents=True)
