from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
    path(
        "checkout/review/", views.CheckoutReviewView.as_view(), name="checkout_review"
    ),
    path("checkout/place/", views.CheckoutPlaceView.as_view(), name="checkout_place"),
    path("orders/", views.OrderListView.as_view(), name="orders"),
    path("orders/<str:number>/", views.OrderDetailView.as_view(), name="order"),
    path(
        "orders/<str:number>/confirm-password/",
        views.OrderConfirmPasswordView.as_view(),
        name="order_confirm_password",
    ),
    path(
        "orders/<str:number>/cancel/",
        views.OrderCancelView.as_view(),
        name="order_cancel",
    ),
    path(
        "orders/<str:number>/pay-with-face/",
        views.OrderPayWithFaceView.as_view(),
        name="order_pay_with_face",
    ),
    path(
        "orders/<str:number>/face/<uuid:attempt_id>/",
        views.OrderFaceView.as_view(),
        name="order_face",
    ),
    path("wallet/", views.WalletView.as_view(), name="wallet"),
]
