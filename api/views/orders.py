import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.models import Payment
from payments.selectors import order_with_payment_for_user, payment_get_for_order
from payments.services import payment_confirm_with_password
from shop.cart import CartSession
from shop.models import Order
from shop.services import Shipping

from ..errors import (
    CSRF_FAILED,
    INVALID_PAGE,
    NOT_FOUND,
    UNAUTHENTICATED,
    error,
)
from ..exceptions import IdempotencyKeyInvalid
from ..selectors import cart_read, orders_of, payment_status_of
from ..serializers import (
    ConfirmPasswordSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    PaymentStatusSerializer,
    ShippingSerializer,
)
from ..services import order_place_idempotent

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type=str,
    location=OpenApiParameter.HEADER,
    required=True,
    pattern=IDEMPOTENCY_KEY_PATTERN,
    description=(
        "A new random token (a UUID) for each order the shopper means to place, "
        "8-64 letters, digits, `-` or `_`. A retry with the same key and body gets "
        "the first answer again; the same key with another body is refused (422)."
    ),
)
REPLAYED = OpenApiParameter(
    name="Idempotent-Replayed",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    enum=["true"],
    response=[200, 201],
    description="Present when this is the stored answer to an earlier request.",
)
ORDER_NUMBER = OpenApiParameter(
    name="number",
    type=str,
    location=OpenApiParameter.PATH,
    pattern=r"^[A-Za-z0-9-]{1,32}$",
    description="The order number, e.g. `SP261129-K7QX2M`.",
)


def idempotency_key_of(request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise IdempotencyKeyInvalid(
            # Translators: Idempotency-Key is the name of an HTTP header, UUID a kind
            # of random identifier; keep both.
            _(
                "Send an Idempotency-Key header: a new UUID (8-64 letters, digits, "
                "'-' or '_') for each order."
            )
            if key
            else _("The Idempotency-Key header is required: a new UUID for each order.")
        )
    return key


@extend_schema_view(
    get=extend_schema(
        summary="Your orders, newest first",
        responses={
            200: OrderSerializer(many=True),
            401: UNAUTHENTICATED,
            404: INVALID_PAGE,
        },
    )
)
class OrderListCreateView(ListAPIView):
    serializer_class = OrderSerializer

    def get_queryset(self):
        return orders_of(user=self.request.user)

    @extend_schema(
        summary="Place an order from your cart",
        description=(
            "Reserves the stock of every line in the cart and opens a payment "
            "awaiting confirmation (by password or face) before its deadline; the "
            "cart is emptied. Requires an `Idempotency-Key`."
        ),
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        request=OrderCreateSerializer,
        responses={
            201: OpenApiResponse(OrderSerializer, description="Order placed."),
            200: OpenApiResponse(
                OrderSerializer,
                description="This cart was already ordered under another key.",
            ),
            400: error(
                "Invalid input (`invalid`, with `fields`), or a missing or malformed "
                "`Idempotency-Key` (`idempotency_key_invalid`)."
            ),
            401: UNAUTHENTICATED,
            403: CSRF_FAILED,
            409: error(
                "Not placed: `cart_empty`, `out_of_stock`, `product_unavailable` "
                "or `checkout_stale` (the cart or its total changed)."
            ),
            422: error("`idempotency_key_reused`: this key came with another body."),
        },
    )
    def post(self, request):
        key = idempotency_key_of(request)
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cart = CartSession(request)
        expected_total = data.get("expected_total")
        if expected_total is None:
            expected_total = cart_read(cart=cart)["total"]
        shipping = {name: data[name] for name in ShippingSerializer().fields}
        result = order_place_idempotent(
            user=request.user,
            key=key,
            payload=request.data,
            checkout_key=cart.checkout_key(),
            shipping=Shipping(**shipping),
            expected_total=expected_total,
            render=lambda order: (
                OrderSerializer(
                    order_with_payment_for_user(user=request.user, number=order.number)
                ).data
            ),
        )
        response = Response(result.body, status=result.status)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


@extend_schema_view(
    get=extend_schema(
        summary="One of your orders",
        parameters=[ORDER_NUMBER],
        responses={200: OrderSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
)
class OrderDetailView(RetrieveAPIView):
    serializer_class = OrderSerializer

    def get_object(self):
        try:
            return order_with_payment_for_user(
                user=self.request.user, number=self.kwargs["number"]
            )
        except Order.DoesNotExist:
            raise NotFound(_("No such order.")) from None


class PaymentStatusView(APIView):
    @extend_schema(
        summary="The payment of one of your orders, for polling",
        description=(
            "Its status and deadline, how it was confirmed, and the state of the "
            "latest face check (`face.state` as on the face page)."
        ),
        parameters=[ORDER_NUMBER],
        responses={
            200: PaymentStatusSerializer,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request, number):
        try:
            status = payment_status_of(user=request.user, number=number)
        except Payment.DoesNotExist:
            raise NotFound(_("No such order.")) from None
        return Response(PaymentStatusSerializer(status).data)


class ConfirmPasswordView(APIView):
    @extend_schema(
        summary="Confirm the payment with your account password",
        parameters=[ORDER_NUMBER],
        request=ConfirmPasswordSerializer,
        responses={
            200: PaymentStatusSerializer,
            400: error("Invalid input, or `wrong_password`: nothing was charged."),
            429: error(
                "`password_locked`: too many wrong passwords for this account (at "
                "login or here); wait for the Retry-After seconds."
            ),
            401: UNAUTHENTICATED,
            403: CSRF_FAILED,
            404: NOT_FOUND,
            409: error(
                "Not charged: `payment_not_open` (decided or past its deadline) or "
                "`insufficient_funds`."
            ),
        },
    )
    def post(self, request, number):
        serializer = ConfirmPasswordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            payment = payment_get_for_order(user=request.user, number=number)
        except Payment.DoesNotExist:
            raise NotFound(_("No such order.")) from None
        payment_confirm_with_password(
            payment=payment,
            user=request.user,
            password=serializer.validated_data["password"],
        )
        return Response(
            PaymentStatusSerializer(
                payment_status_of(user=request.user, number=number)
            ).data
        )
