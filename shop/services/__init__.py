"""Writes to the catalogue and orders: one module per job, imported from here."""

from .orders import (
    Shipping,
    order_create,
    order_line_cancel,
    order_line_ship,
    order_mark_paid,
    order_release,
)
from .products import (
    product_create,
    product_delete,
    product_picture_remove,
    product_picture_set,
    product_set_active,
    product_update,
)
from .stock import MAX_STOCK, stock_adjust, stock_move, stock_set

__all__ = [
    "MAX_STOCK",
    "Shipping",
    "order_create",
    "order_line_cancel",
    "order_line_ship",
    "order_mark_paid",
    "order_release",
    "product_create",
    "product_delete",
    "product_picture_remove",
    "product_picture_set",
    "product_set_active",
    "product_update",
    "stock_adjust",
    "stock_move",
    "stock_set",
]
