from django import template

from ..money import format_money

register = template.Library()


@register.filter
def money(amount):
    """`{{ order.total|money }}`: the amount with the shop's currency, per language."""
    return format_money(amount)
