"""API tokens: made at sign-in, each with a lifetime, ended by the user, a new
password, or "sign out everywhere" (docs/security.md, "API tokens")."""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import ApiToken, token_digest
from .sessions import UserSession

logger = logging.getLogger(__name__)

# last_used_at is written at most this often per token: a busy client does not
# update its token's row on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_issue(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and its key (shown this once only)."""
    key = secrets.token_hex(20)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(key),
        prefix=key[:8],
        name=name[:100],
        password_stamp=user.get_session_auth_hash(),
        # Handed to its program now: its first use, as far as the list can tell.
        last_used_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
    )
    logger.info("User #%s: API token %s… made", user.pk, token.prefix)
    return token, key


def token_authenticate(key: str) -> ApiToken | None:
    """The live token with this key (its user active), or None."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(key), revoked_at=None, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not constant_time_compare(
        token.password_stamp, token.user.get_session_auth_hash()
    ):
        return None  # made under an earlier password
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of `user`'s own tokens; False if it is not theirs or already
    ended."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if revoked:
        logger.info("User #%s: API token #%s revoked", user.pk, token_id)
    return bool(revoked)


def tokens_revoke_all(*, user) -> int:
    """Revoke every token of `user` still standing; how many."""
    revoked = ApiToken.objects.filter(user=user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    logger.info("User #%s: %s API tokens revoked", user.pk, revoked)
    return revoked


def sign_out_everywhere(*, user, keep_session_key: str | None = None) -> int:
    """End every session of `user` but `keep_session_key` (this browser's), and
    revoke all their API tokens; returns how many sessions ended. The sessions are
    found by their user's index (accounts/sessions.py)."""
    ended, _ = (
        UserSession.objects.filter(user_id=user.pk)
        .exclude(session_key=keep_session_key)
        .delete()
    )
    tokens_revoke_all(user=user)
    logger.info("User #%s: signed out of %s other sessions", user.pk, ended)
    return ended
