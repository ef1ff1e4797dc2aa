from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.services import wallet_for_user

from ..errors import INVALID_PAGE, UNAUTHENTICATED
from ..selectors import wallet_entries
from ..serializers import LedgerEntrySerializer, WalletSerializer


class WalletView(APIView):
    @extend_schema(
        summary="Your wallet's balance",
        responses={200: WalletSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request):
        return Response(WalletSerializer(wallet_for_user(user=request.user)).data)


@extend_schema_view(
    get=extend_schema(
        summary="Your wallet's ledger entries, newest first",
        responses={
            200: LedgerEntrySerializer(many=True),
            401: UNAUTHENTICATED,
            404: INVALID_PAGE,
        },
    )
)
class WalletEntryListView(ListAPIView):
    serializer_class = LedgerEntrySerializer

    def get_queryset(self):
        return wallet_entries(wallet=wallet_for_user(user=self.request.user))
