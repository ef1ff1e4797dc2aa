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
