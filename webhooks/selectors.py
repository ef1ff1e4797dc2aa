"""Reads for a merchant's staff: only their shops' endpoints, events and deliveries."""

from django.db.models import Prefetch

from .models import Attempt, Delivery, Endpoint, Event


def endpoints_of(*, merchants):
    return Endpoint.objects.filter(merchant__in=merchants).select_related("merchant")


def endpoint_get(*, merchants, pk) -> Endpoint:
    """Raises Endpoint.DoesNotExist for another shop's endpoint."""
    return endpoints_of(merchants=merchants).get(pk=pk)


def deliveries_of(*, merchants):
    return (
        Delivery.objects.filter(endpoint__merchant__in=merchants)
        .select_related("event", "endpoint")
        .prefetch_related(
            Prefetch("attempts", queryset=Attempt.objects.order_by("-started_at"))
        )
        .order_by("-created_at", "-pk")
    )


def delivery_get(*, merchants, pk) -> Delivery:
    """Raises Delivery.DoesNotExist for another shop's delivery."""
    return deliveries_of(merchants=merchants).get(pk=pk)


def events_of(*, merchants):
    return Event.objects.filter(merchant__in=merchants).order_by("-created_at", "-pk")
