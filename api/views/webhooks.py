"""Webhook endpoints, their delivery log and events, for a merchant's staff only."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from webhooks.models import Delivery, Endpoint
from webhooks.selectors import (
    deliveries_of,
    delivery_get,
    endpoint_get,
    endpoints_of,
    events_of,
)
from webhooks.services import (
    delivery_resend,
    endpoint_create,
    endpoint_delete,
    endpoint_roll_secret,
    endpoint_update,
)

from ..errors import INVALID, INVALID_PAGE, NOT_FOUND
from ..serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    WebhookEventSerializer,
    WebhookSecretSerializer,
)
from .merchant import STAFF_ONLY, MerchantView


class _MerchantView(MerchantView, APIView):
    def endpoint(self, pk) -> Endpoint:
        try:
            return endpoint_get(merchants=self.merchants, pk=pk)
        except Endpoint.DoesNotExist:
            raise NotFound(_("No such webhook endpoint for your shop.")) from None


class WebhookEndpointListView(_MerchantView):
    @extend_schema(
        summary="Your shops' webhook endpoints",
        responses={200: WebhookEndpointSerializer(many=True), **STAFF_ONLY},
    )
    def get(self, request):
        endpoints = endpoints_of(merchants=self.merchants)
        return Response(WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        summary="Add a webhook endpoint; its signing secret is in this answer only",
        description=(
            "The URL must be https in production and must not resolve to a "
            "loopback, private, link-local or metadata address."
        ),
        request=WebhookEndpointSerializer,
        responses={201: WebhookEndpointCreatedSerializer, 400: INVALID, **STAFF_ONLY},
    )
    def post(self, request):
        merchants = self.merchants
        serializer = WebhookEndpointSerializer(data=request.data, merchants=merchants)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        merchant = data.pop("merchant", None)
        if merchant is None:
            if len(merchants) > 1:
                return _merchant_needed()
            merchant = merchants[0]
        endpoint, secret = endpoint_create(merchant=merchant, **data)
        body = WebhookEndpointSerializer(endpoint).data
        return Response({**body, "secret": secret}, status=status.HTTP_201_CREATED)


def _merchant_needed():
    detail = _("merchant: name the shop, you are on the staff of several.")
    return Response(
        {
            "detail": detail,
            "code": "invalid",
            "fields": {"merchant": [_("This field is required.")]},
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class WebhookEndpointDetailView(_MerchantView):
    @extend_schema(
        summary="One of your webhook endpoints",
        responses={200: WebhookEndpointSerializer, 404: NOT_FOUND, **STAFF_ONLY},
    )
    def get(self, request, pk):
        return Response(WebhookEndpointSerializer(self.endpoint(pk)).data)

    @extend_schema(
        summary="Change an endpoint's URL, events or on/off",
        request=WebhookEndpointSerializer,
        responses={
            200: WebhookEndpointSerializer,
            400: INVALID,
            404: NOT_FOUND,
            **STAFF_ONLY,
        },
    )
    def patch(self, request, pk):
        endpoint = self.endpoint(pk)
        serializer = WebhookEndpointSerializer(
            endpoint, data=request.data, partial=True, merchants=self.merchants
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint = endpoint_update(
            endpoint=endpoint,
            url=data.get("url", endpoint.url),
            events=data.get("events", endpoint.events),
            enabled=data.get("enabled", endpoint.enabled),
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        summary="Delete an endpoint",
        responses={204: None, 404: NOT_FOUND, **STAFF_ONLY},
    )
    def delete(self, request, pk):
        endpoint_delete(endpoint=self.endpoint(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointRollView(_MerchantView):
    @extend_schema(
        summary="Roll an endpoint's signing secret",
        description="For 24 hours the old and the new secret both sign each event.",
        request=None,
        responses={200: WebhookSecretSerializer, 404: NOT_FOUND, **STAFF_ONLY},
    )
    def post(self, request, pk):
        secret = endpoint_roll_secret(endpoint=self.endpoint(pk))
        return Response({"secret": secret})


@extend_schema_view(
    get=extend_schema(
        summary="The delivery log of one endpoint, newest first, with every attempt",
        responses={
            200: WebhookDeliverySerializer(many=True),
            404: INVALID_PAGE,
            **STAFF_ONLY,
        },
    )
)
class WebhookDeliveryListView(_MerchantView, ListAPIView):
    serializer_class = WebhookDeliverySerializer

    def get_queryset(self):
        endpoint = self.endpoint(self.kwargs["pk"])
        return deliveries_of(merchants=self.merchants).filter(endpoint=endpoint)


class WebhookDeliveryResendView(_MerchantView):
    @extend_schema(
        summary="Send a delivery's event again now (the same event id)",
        request=None,
        responses={200: WebhookDeliverySerializer, 404: NOT_FOUND, **STAFF_ONLY},
    )
    def post(self, request, pk):
        try:
            delivery = delivery_get(merchants=self.merchants, pk=pk)
        except Delivery.DoesNotExist:
            raise NotFound(_("No such delivery for your shop.")) from None
        delivery = delivery_resend(delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data)


@extend_schema_view(
    get=extend_schema(
        summary="Events written for your shops, newest first",
        responses={
            200: WebhookEventSerializer(many=True),
            404: INVALID_PAGE,
            **STAFF_ONLY,
        },
    )
)
class WebhookEventListView(_MerchantView, ListAPIView):
    serializer_class = WebhookEventSerializer

    def get_queryset(self):
        return events_of(merchants=self.merchants)
