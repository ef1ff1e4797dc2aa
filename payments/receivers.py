from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.signals import signup_expired
from faceauth.models import VerificationAttempt
from faceauth.signals import attempt_decided
from shop.models import Merchant

from .services import (
    payment_confirm_with_face,
    wallet_close_unused,
    wallet_for_merchant,
    wallet_for_user,
)


@receiver(
    post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="payments.user_wallet"
)
def open_user_wallet(sender, instance, created, **kwargs):
    if created and not kwargs.get("raw"):
        wallet_for_user(user=instance)


@receiver(signup_expired, dispatch_uid="payments.signup_wallet")
def close_signup_wallet(sender, user, **kwargs):
    wallet_close_unused(user=user)


@receiver(post_save, sender=Merchant, dispatch_uid="payments.merchant_wallet")
def open_merchant_wallet(sender, instance, created, **kwargs):
    if created and not kwargs.get("raw"):
        wallet_for_merchant(merchant=instance)


@receiver(
    attempt_decided, sender=VerificationAttempt, dispatch_uid="payments.face_verdict"
)
def approve_payment_on_face_verdict(sender, attempt, **kwargs):
    payment_confirm_with_face(attempt=attempt)
