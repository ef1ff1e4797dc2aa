"""Reads of the accounts app."""

from django.utils import timezone

from .models import ApiToken


def tokens_of(user) -> list[ApiToken]:
    """`user`'s live API tokens (not revoked, not expired, made under the current
    password), newest first."""
    return list(
        ApiToken.objects.filter(
            user=user,
            revoked_at=None,
            expires_at__gt=timezone.now(),
            password_stamp=user.get_session_auth_hash(),
        )
    )
