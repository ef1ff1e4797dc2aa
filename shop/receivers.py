from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .cart import CartSession


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
