import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The sessions' model is defined with its store, and registered from here.
from .sessions import UserSession  # noqa: F401


def token_digest(key: str) -> str:
    """How a token's key is stored: its sha256, so a copy of the database holds no
    usable token."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A key that signs in to the API (`Authorization: Token <key>`), until it
    expires, is revoked, or the user's password changes.

    Only the key's digest and first characters are stored; the key itself is shown
    once, when it is made (accounts/tokens.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("starts with"), max_length=8)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The user's session hash when the token was made (a keyed hash of the password
    # hash): a new password, by any route, ends every token made before it.
    password_stamp = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return f"{self.prefix}… of user {self.user_id}"


class PendingSignup(models.Model):
    """An account made by sign-up and not confirmed yet: when its newest link was
    sent. Once every link has expired the account is purged (payments/services.py,
    `stale_signups_purge`), which frees its username; confirming deletes the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    link_sent_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"sign-up of user {self.user_id}"
