"""The merchant dashboard's views, one module per part of it."""

from .orders import (
    DashboardView,
    LineCancelView,
    LineShipView,
    OrderDetailView,
    OrderListView,
)
from .products import (
    ProductActiveView,
    ProductCreateView,
    ProductDeleteView,
    ProductEditView,
    ProductListView,
    ProductStockView,
)
from .webhooks import (
    WebhookCreateView,
    WebhookDeleteView,
    WebhookDetailView,
    WebhookListView,
    WebhookResendView,
    WebhookRollView,
)

__all__ = [
    "DashboardView",
    "LineCancelView",
    "LineShipView",
    "OrderDetailView",
    "OrderListView",
    "ProductActiveView",
    "ProductCreateView",
    "ProductDeleteView",
    "ProductEditView",
    "ProductListView",
    "ProductStockView",
    "WebhookCreateView",
    "WebhookDeleteView",
    "WebhookDetailView",
    "WebhookListView",
    "WebhookResendView",
    "WebhookRollView",
]
