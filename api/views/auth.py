from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..errors import CSRF_FAILED, INVALID, UNAUTHENTICATED
from ..serializers import TokenCreateSerializer, TokenSerializer
from ..services import token_for_user, token_revoke


class TokenView(APIView):
    """Trade a username and password for an API token; delete it to sign out."""

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
        },
    )
    def post(self, request):
        serializer = TokenCreateSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
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
