"""Sign-up that says nothing about which e-mail addresses have accounts.

Every well-formed sign-up gets the same answer ("check your e-mail"), and one e-mail
goes to the address given:
- an address no confirmed account has: a new account, inactive until the link in
  that e-mail is followed (`signup_confirm`); an unconfirmed account already made
  with the address is reused (its wallet is kept), so whoever typed someone else's
  address cannot hold it: only the address's owner ever confirms;
- an address of a confirmed account: nothing is made, and the e-mail tells its
  owner that they already have an account (the password is hashed all the same, so
  the two take as long).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_decode, urlsafe_base64_encode

from .models import PendingSignup
from .signals import signup_expired

logger = logging.getLogger(__name__)


class ActivationTokens(PasswordResetTokenGenerator):
    """Links that confirm an account: valid PASSWORD_RESET_TIMEOUT (3 days), once
    (activating the account changes the hash)."""

    key_salt = "accounts.signup.ActivationTokens"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{user.email}{timestamp}"


activation_tokens = ActivationTokens()


def signup_request(
    *, username: str, email: str, password: str, site_url: str, next_url: str = ""
) -> None:
    """Make (or refresh) an unconfirmed account and mail its confirmation link, or
    tell the owner of a confirmed account with this address; the caller answers
    the same either way."""
    User = get_user_model()
    with transaction.atomic():
        existing = (
            User.objects.select_for_update()
            .filter(email__iexact=email)
            .order_by("-is_active", "pk")
            .first()
        )
        if existing is not None and (existing.is_active or existing.last_login):
            make_password(password)  # as long as making an account takes
            known = existing
            user = None
        else:
            user = existing or User(email=email)
            user.username = username
            user.email = email
            user.is_active = False
            user.set_password(password)
            user.save()
            _link_sent(user)
    if user is None:
        _mail(known, "registration/signup_known_email", site_url=site_url)
        logger.info("Sign-up with the address of user #%s: told its owner", known.pk)
        return
    _confirmation_send(user, site_url=site_url, next_url=next_url)
    logger.info("User #%s: signed up, confirmation sent", user.pk)


def signup_unconfirmed(*, username: str, password: str):
    """The account `username` if it still waits for its e-mailed confirmation and
    `password` is its own, else None (an account an admin closed is not waiting:
    it was used)."""
    user = (
        get_user_model()
        .objects.filter(username=username, is_active=False, last_login__isnull=True)
        .first()
    )
    if user is None or not user.check_password(password):
        return None
    return user


def signup_remind(*, user, site_url: str) -> None:
    """Mail `user`'s confirmation link again (a new one: the old one works too)."""
    with transaction.atomic():
        # The account's lock first, as the purge takes it: a purged account, or
        # one confirmed meanwhile, is not reminded.
        waiting = (
            get_user_model()
            .objects.select_for_update()
            .filter(pk=user.pk, is_active=False)
            .first()
        )
        if waiting is None:
            return
        _link_sent(user)
    _confirmation_send(user, site_url=site_url)
    logger.info("User #%s: confirmation sent again", user.pk)


def signups_purge() -> int:
    """Delete the accounts made by sign-up and never confirmed once every link they
    were sent has expired (PASSWORD_RESET_TIMEOUT after the newest): their
    usernames are free again. An account that came to hold anything protected (a
    wallet with money: signup_expired) is kept, and no longer tried. Returns how
    many were deleted."""
    cutoff = timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    stale = PendingSignup.objects.filter(link_sent_at__lt=cutoff)
    purged = 0
    for user_id in list(stale.values_list("user_id", flat=True)):
        with transaction.atomic():
            # Again under the account's lock (taken first, as sign-up, reminder
            # and confirmation take it): a new link may have been sent meanwhile.
            user = (
                get_user_model()
                .objects.select_for_update()
                .filter(pk=user_id, is_active=False, last_login__isnull=True)
                .first()
            )
            if user is None:  # opened another way (an admin): no sign-up any more
                stale.filter(user_id=user_id).delete()
                continue
            pending = stale.filter(user_id=user_id).first()
            if pending is None:
                continue
            try:
                with transaction.atomic():
                    signup_expired.send(sender=PendingSignup, user=user)
                    user.delete()
            except ProtectedError:
                pending.delete()
                logger.warning(
                    "User #%s: unconfirmed, kept: protected rows name it", user_id
                )
                continue
        purged += 1
    if purged:
        logger.info("Purged %s sign-ups never confirmed", purged)
    return purged


def _link_sent(user) -> None:
    PendingSignup.objects.update_or_create(
        user=user, defaults={"link_sent_at": timezone.now()}
    )


def _confirmation_send(user, *, site_url: str, next_url: str = "") -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(
        "signup_confirm",
        kwargs={"uidb64": uid, "token": activation_tokens.make_token(user)},
    )
    if next_url:
        path += "?" + urlencode({"next": next_url})
    _mail(
        user,
        "registration/signup_confirm_email",
        site_url=site_url,
        link=site_url.rstrip("/") + path,
    )


def signup_user(uidb64: str, token: str):
    """The unconfirmed user a confirmation link is for, or None if it is not valid
    (wrong, expired, or already used)."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.is_active or not activation_tokens.check_token(user, token):
        return None
    return user


def signup_confirm(*, user) -> bool:
    """Activate `user`'s account; False if it was confirmed meanwhile."""
    activated = (
        get_user_model()
        .objects.filter(pk=user.pk, is_active=False)
        .update(is_active=True)
    )
    if activated:
        PendingSignup.objects.filter(user=user).delete()
        user.is_active = True
        logger.info("User #%s: account confirmed", user.pk)
    return bool(activated)


def _mail(user, template: str, **context) -> None:
    context = {"user": user, **context}
    send_mail(
        subject=render_to_string(f"{template}_subject.txt", context).strip(),
        message=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
