from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("", views.CatalogueView.as_view(), name="home"),
    path("category/<slug:slug>/", views.CategoryView.as_view(), name="category"),
    path("products/<slug:slug>/", views.ProductDetailView.as_view(), name="product"),
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/add/<slug:slug>/", views.CartAddView.as_view(), name="cart_add"),
    path(
        "cart/update/<slug:slug>/", views.CartUpdateView.as_view(), name="cart_update"
    ),
    path(
        "cart/remove/<slug:slug>/", views.CartRemoveView.as_view(), name="cart_remove"
    ),
    # The shop's own pages, linked from every page's footer.
    path(
        "contact/",
        views.ShopPageView.as_view(template_name="shop/contact.html"),
        name="contact",
    ),
    path(
        "returns/",
        views.ShopPageView.as_view(template_name="shop/returns.html"),
        name="returns",
    ),
    path(
        "privacy/",
        views.ShopPageView.as_view(template_name="shop/privacy.html"),
        name="privacy",
    ),
]
