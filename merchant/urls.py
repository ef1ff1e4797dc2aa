from django.urls import path

from . import views

app_name = "merchant"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("orders/", views.OrderListView.as_view(), name="orders"),
    path("orders/<str:number>/", views.OrderDetailView.as_view(), name="order"),
    path("lines/<int:pk>/ship/", views.LineShipView.as_view(), name="line_ship"),
    path("lines/<int:pk>/cancel/", views.LineCancelView.as_view(), name="line_cancel"),
]
