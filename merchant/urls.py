from django.urls import path

from . import views

app_name = "merchant"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("orders/", views.OrderListView.as_view(), name="orders"),
    path("orders/<str:number>/", views.OrderDetailView.as_view(), name="order"),
    path("lines/<int:pk>/ship/", views.LineShipView.as_view(), name="line_ship"),
    path("lines/<int:pk>/cancel/", views.LineCancelView.as_view(), name="line_cancel"),
    path("products/", views.ProductListView.as_view(), name="products"),
    path("products/new/", views.ProductCreateView.as_view(), name="product_new"),
    path("products/<int:pk>/", views.ProductEditView.as_view(), name="product"),
    path(
        "products/<int:pk>/stock/",
        views.ProductStockView.as_view(),
        name="product_stock",
    ),
    path(
        "products/<int:pk>/active/",
        views.ProductActiveView.as_view(),
        name="product_active",
    ),
    path(
        "products/<int:pk>/delete/",
        views.ProductDeleteView.as_view(),
        name="product_delete",
    ),
    path("webhooks/", views.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/new/", views.WebhookCreateView.as_view(), name="webhook_new"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="webhook"),
    path(
        "webhooks/<int:pk>/roll/", views.WebhookRollView.as_view(), name="webhook_roll"
    ),
    path(
        "webhooks/<int:pk>/delete/",
        views.WebhookDeleteView.as_view(),
        name="webhook_delete",
    ),
    path(
        "webhooks/deliveries/<int:pk>/resend/",
        views.WebhookResendView.as_view(),
        name="webhook_resend",
    ),
]
