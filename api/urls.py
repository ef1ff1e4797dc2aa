from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.exceptions import NotFound

from .views import auth, cart, catalogue, merchant, orders, products, wallet, webhooks

app_name = "api"

ORDER = r"orders/(?P<number>[A-Za-z0-9-]{1,32})/"


@csrf_exempt  # any method: a 404, never the site's CSRF failure page
def not_found(request, path=""):
    """Any other path under /api/: a 404 in the API's error shape, not a page."""
    detail = str(NotFound.default_detail)  # "Not found.", in DRF's own catalogue
    return JsonResponse({"detail": detail, "code": "not_found"}, status=404)


urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="token"),
    path("products/", catalogue.ProductListView.as_view(), name="products"),
    path(
        "products/<slug:slug>/",
        catalogue.ProductDetailView.as_view(),
        name="product",
    ),
    path("categories/", catalogue.CategoryListView.as_view(), name="categories"),
    path("cart/", cart.CartView.as_view(), name="cart"),
    path("cart/items/", cart.CartItemAddView.as_view(), name="cart_items"),
    path("cart/items/<slug:slug>/", cart.CartItemView.as_view(), name="cart_item"),
    path("orders/", orders.OrderListCreateView.as_view(), name="orders"),
    re_path(rf"^{ORDER}$", orders.OrderDetailView.as_view(), name="order"),
    re_path(rf"^{ORDER}payment/$", orders.PaymentStatusView.as_view(), name="payment"),
    re_path(
        rf"^{ORDER}confirm-password/$",
        orders.ConfirmPasswordView.as_view(),
        name="confirm_password",
    ),
    path("wallet/", wallet.WalletView.as_view(), name="wallet"),
    path("wallet/entries/", wallet.WalletEntryListView.as_view(), name="entries"),
    path(
        "merchant/products/",
        products.MerchantProductListView.as_view(),
        name="merchant_products",
    ),
    path(
        "merchant/products/<int:pk>/",
        products.MerchantProductDetailView.as_view(),
        name="merchant_product",
    ),
    path(
        "merchant/products/<int:pk>/picture/",
        products.MerchantProductPictureView.as_view(),
        name="merchant_product_picture",
    ),
    path(
        "merchant/products/<int:pk>/stock/",
        products.MerchantProductStockView.as_view(),
        name="merchant_product_stock",
    ),
    path(
        "merchant/webhooks/",
        webhooks.WebhookEndpointListView.as_view(),
        name="merchant_webhooks",
    ),
    path(
        "merchant/webhooks/<int:pk>/",
        webhooks.WebhookEndpointDetailView.as_view(),
        name="merchant_webhook",
    ),
    path(
        "merchant/webhooks/<int:pk>/roll/",
        webhooks.WebhookEndpointRollView.as_view(),
        name="merchant_webhook_roll",
    ),
    path(
        "merchant/webhooks/<int:pk>/deliveries/",
        webhooks.WebhookDeliveryListView.as_view(),
        name="merchant_webhook_deliveries",
    ),
    path(
        "merchant/webhook-deliveries/<int:pk>/resend/",
        webhooks.WebhookDeliveryResendView.as_view(),
        name="merchant_webhook_resend",
    ),
    path(
        "merchant/events/",
        webhooks.WebhookEventListView.as_view(),
        name="merchant_events",
    ),
    path(
        "merchant/orders/",
        merchant.MerchantOrderListView.as_view(),
        name="merchant_orders",
    ),
    re_path(
        rf"^merchant/{ORDER}$",
        merchant.MerchantOrderDetailView.as_view(),
        name="merchant_order",
    ),
    path(
        "merchant/lines/<int:pk>/ship/",
        merchant.MerchantLineShipView.as_view(),
        name="merchant_line_ship",
    ),
    path(
        "merchant/lines/<int:pk>/cancel/",
        merchant.MerchantLineCancelView.as_view(),
        name="merchant_line_cancel",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a script of its own
    # (?script), so that the page runs no inline code.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema"),
        name="docs",
    ),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    re_path(r"^(?P<path>.*)$", not_found),
]
