from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.tokens import token_authenticate


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` against accounts' tokens, which expire, can be
    revoked, and end with a new password (accounts/tokens.py)."""

    def authenticate_credentials(self, key):
        token = token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Invalid token: it was revoked, has expired, or never existed.")
            )
        return token.user, token
