"""Fulfilment for a merchant's staff: only their shops' orders, only their lines."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.services import order_line_cancel_and_refund
from shop.models import Order, OrderLine
from shop.selectors import merchants_of
from shop.services import order_line_ship

from ..errors import INVALID, INVALID_PAGE, NOT_FOUND, UNAUTHENTICATED, error
from ..permissions import IsMerchantStaff
from ..selectors import merchant_line_of, merchant_order_get, merchant_orders_of
from ..serializers import (
    MerchantLineSerializer,
    MerchantOrderFilterSerializer,
    MerchantOrderSerializer,
)
from .orders import ORDER_NUMBER

NOT_MERCHANT = error("Signed in, but not on the staff of any merchant.")
NOT_MERCHANT_OR_CSRF = error(
    "Not on the staff of any merchant, or a session without a valid CSRF token."
)
# Every merchant-only operation may answer these.
STAFF_ONLY = {401: UNAUTHENTICATED, 403: NOT_MERCHANT_OR_CSRF}
LINE_NOT_PENDING = error(
    "`line_not_pending`: the line is shipped or cancelled already, or its order "
    "is not paid."
)


class MerchantView:
    permission_classes = [IsMerchantStaff]

    @property
    def merchants(self) -> list:
        """The shops whose staff the caller is."""
        return list(merchants_of(user=self.request.user))


@extend_schema_view(
    get=extend_schema(
        summary="Orders holding your shops' products, newest first",
        parameters=[MerchantOrderFilterSerializer],
        responses={
            200: MerchantOrderSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: NOT_MERCHANT,
            404: INVALID_PAGE,
        },
    )
)
class MerchantOrderListView(MerchantView, ListAPIView):
    serializer_class = MerchantOrderSerializer

    def get_queryset(self):
        filters = MerchantOrderFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return merchant_orders_of(user=self.request.user, **filters.validated_data)


@extend_schema_view(
    get=extend_schema(
        summary="One order holding your shops' products, with only your lines",
        parameters=[ORDER_NUMBER],
        responses={
            200: MerchantOrderSerializer,
            401: UNAUTHENTICATED,
            403: NOT_MERCHANT,
            404: NOT_FOUND,
        },
    )
)
class MerchantOrderDetailView(MerchantView, RetrieveAPIView):
    serializer_class = MerchantOrderSerializer

    def get_object(self):
        try:
            return merchant_order_get(
                user=self.request.user, number=self.kwargs["number"]
            )
        except Order.DoesNotExist:
            raise NotFound(_("No such order for your shop.")) from None


class _LineActionView(MerchantView, APIView):
    def line(self, pk) -> OrderLine:
        try:
            return merchant_line_of(user=self.request.user, pk=pk)
        except OrderLine.DoesNotExist:
            raise NotFound(_("No such line for your shop.")) from None


LINE_ACTION_RESPONSES = {
    200: MerchantLineSerializer,
    401: UNAUTHENTICATED,
    403: NOT_MERCHANT_OR_CSRF,
    404: error("No such line for your shops."),
    409: LINE_NOT_PENDING,
}


class MerchantLineShipView(_LineActionView):
    @extend_schema(
        summary="Mark one of your lines of a paid order shipped",
        description="The order becomes fulfilled when no line of it is pending.",
        request=None,
        responses=LINE_ACTION_RESPONSES,
    )
    def post(self, request, pk):
        line = order_line_ship(line=self.line(pk))
        return Response(MerchantLineSerializer(line).data)


class MerchantLineCancelView(_LineActionView):
    @extend_schema(
        summary="Cancel one of your lines of a paid order and refund it",
        description=(
            "Its stock returns to the shelf and its amount goes back from your "
            "shop's wallet to the shopper's."
        ),
        request=None,
        responses={
            **LINE_ACTION_RESPONSES,
            409: error(
                "`line_not_pending` (shipped or cancelled already, or the order is "
                "not paid) or `insufficient_funds` (your wallet cannot refund it)."
            ),
        },
    )
    def post(self, request, pk):
        order_line_cancel_and_refund(line=self.line(pk), user=request.user)
        return Response(MerchantLineSerializer(self.line(pk)).data)
