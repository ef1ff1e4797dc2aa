"""Reads of the accounts app."""

from django.utils import timezone

from .models import ApiToken


def tokens_of(user) -> list[ApiToken]:
    """`user`'s live API tokens, newest first."""
    now = timezone.now()
    return [
        token
        for token in ApiToken.objects.filter(
            user=user, revoked_at=None, expires_at__gt=now
        ).select_related("user")
        if token.is_live(now=now)
    ]
