from django.apps import apps
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from .cart import CartSession
from .catalogue_cache import catalogue_changed
from .models import Category, Merchant, Product


@receiver(user_logged_in, dispatch_uid="shop.merge_cart_at_login")
def merge_cart_at_login(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    for problem in CartSession(request).merge_session_into_user(user):
        messages.warning(request, problem)


# Read by the header on every page: remembered at login rather than queried each time.
MERCHANT_STAFF_SESSION_KEY = "is_merchant_staff"


@receiver(user_logged_in, dispatch_uid="shop.remember_merchant_staff")
def remember_merchant_staff(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    request.session[MERCHANT_STAFF_SESSION_KEY] = user.merchants.exists()


# The cached product counts and category menu follow any saved or deleted product,
# category or merchant, and a flushed database (shop/catalogue_cache.py). Stock
# updated with queryset.update() needs nothing: the cached grid is keyed by it.
for _model in (Product, Category, Merchant):
    post_save.connect(
        catalogue_changed,
        sender=_model,
        dispatch_uid=f"shop.catalogue.{_model.__name__}.save",
    )
    post_delete.connect(
        catalogue_changed,
        sender=_model,
        dispatch_uid=f"shop.catalogue.{_model.__name__}.delete",
    )
post_migrate.connect(
    catalogue_changed,
    sender=apps.get_app_config("shop"),
    dispatch_uid="shop.catalogue.flush",
)
