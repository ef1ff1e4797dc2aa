from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import throttle, tokens
from accounts.exceptions import TooManyAttempts
from accounts.models import ApiToken

from ..errors import CSRF_FAILED, INVALID, UNAUTHENTICATED, error
from ..serializers import TokenCreateSerializer, TokenSerializer

THROTTLED = error(
    "Too many failed sign-ins for this username or from this address "
    "(`code: throttled`; `Retry-After` gives the seconds to wait)."
)


class TokenView(APIView):
    """Trade a username and password for a new API token; delete it to sign out.

    A token lives `API_TOKEN_DAYS` (30 by default) and ends sooner when revoked
    here or on the account page, when the password changes, or on "sign out
    everywhere". Sign-in is throttled as the login form's is: per username and
    address, per address, and per username.
    """

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        summary="Get an API token",
        request=TokenCreateSerializer,
        responses={
            200: TokenSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: CSRF_FAILED,
            429: THROTTLED,
        },
    )
    def post(self, request):
        username = (
            request.data.get("username") if isinstance(request.data, dict) else None
        )
        username = str(username) if username is not None else None
        address = throttle.client_address(request)
        serializer = TokenCreateSerializer(
            data=request.data, context={"request": request}
        )
        try:
            with throttle.login_attempt(username=username, address=address) as attempt:
                if not serializer.is_valid():
                    # Only a wrong username or password counts, not a malformed body.
                    if username and "non_field_errors" in serializer.errors:
                        attempt.fail()
                    raise ValidationError(serializer.errors)
                attempt.succeed()
        except TooManyAttempts as refused:
            raise Throttled(
                wait=refused.retry_after, detail=_("Too many sign-in attempts.")
            ) from None
        token, key = tokens.token_issue(
            user=serializer.validated_data["user"],
            name=request.headers.get("User-Agent", "API"),
        )
        return Response(
            TokenSerializer({"key": key, "expires_at": token.expires_at}).data
        )

    @extend_schema(
        summary="Revoke this API token (signed in by session: all your tokens)",
        request=None,
        responses={204: None, 401: UNAUTHENTICATED, 403: CSRF_FAILED},
    )
    def delete(self, request):
        if isinstance(request.auth, ApiToken):  # the token this request came with
            tokens.token_revoke(user=request.user, token_id=request.auth.pk)
        else:  # signed in by session: all of the user's tokens
            tokens.tokens_revoke_all(user=request.user)
        return Response(status=204)
