"""Writes to the catalogue and orders: one module per job, imported from here."""

from .orders import (
    Shipping,
    order_create,
    order_line_cancel,
    order_line_ship,
    order_mark_paid,
    order_release,
)

__all__ = [
    "Shipping",
    "order_create",
    "order_line_cancel",
    "order_line_ship",
    "order_mark_paid",
    "order_release",
]
