from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import throttle
from accounts.exceptions import TooManyAttempts

from ..errors import CSRF_FAILED, INVALID, UNAUTHENTICATED, error
from ..serializers import TokenCreateSerializer, TokenSerializer
from ..services import token_for_user, token_revoke

THROTTLED = error(
    "Too many failed sign-ins for this username or from this address "
    "(`code: throttled`; `Retry-After` gives the seconds to wait)."
)


class TokenView(APIView):
    """Trade a username and password for an API token; delete it to sign out.

    Throttled like the login form, and counted with it: an attempt is counted
    before the password is checked, and a locked username or address is refused.
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
        token = token_for_user(user=serializer.validated_data["user"])
        return Response(TokenSerializer(token).data)

    @extend_schema(
        summary="Revoke your API token",
        request=None,
        responses={204: None, 401: UNAUTHENTICATED, 403: CSRF_FAILED},
    )
    def delete(self, request):
        token_revoke(user=request.user)
        return Response(status=204)
