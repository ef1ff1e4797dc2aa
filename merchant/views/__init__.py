"""The merchant dashboard's views, one module per part of it."""

from .orders import (
    DashboardView,
    LineCancelView,
    LineShipView,
    OrderDetailView,
    OrderListView,
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
    "WebhookCreateView",
    "WebhookDeleteView",
    "WebhookDetailView",
    "WebhookListView",
    "WebhookResendView",
    "WebhookRollView",
]
