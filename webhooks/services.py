"""Endpoints, the outbox of events, and their delivery with retries."""

import json
import logging
import random
import secrets
from collections import defaultdict
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.transitions import transition

from . import http
from .exceptions import UnsafeURL
from .models import Attempt, Delivery, Endpoint, Event, EventType
from .ssrf import url_check

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.deliver"  # its name, as Celery registers it

SECRET_OVERLAP = timedelta(hours=24)


def _secret() -> str:
    return f"whsec_{secrets.token_hex(24)}"


# Endpoints -----------------------------------------------------------------------


def endpoint_create(*, merchant, url, events, enabled=True) -> tuple[Endpoint, str]:
    """Add an endpoint for `merchant`; return it and its secret, shown this once."""
    url_check(url)
    secret = _secret()
    endpoint = Endpoint.objects.create(
        merchant=merchant,
        url=url,
        events=sorted(events),
        enabled=enabled,
        secret=secret,
    )
    logger.info("Merchant %s: webhook endpoint %s added", merchant.pk, endpoint.pk)
    return endpoint, secret


def endpoint_update(*, endpoint, url, events, enabled) -> Endpoint:
    """Change an endpoint's URL, events or on/off; a new URL is checked first (every
    URL is checked again before each request anyway)."""
    if url != endpoint.url:
        url_check(url)
    endpoint.url, endpoint.events, endpoint.enabled = url, sorted(events), enabled
    endpoint.save(update_fields=["url", "events", "enabled"])
    return endpoint


def endpoint_roll_secret(*, endpoint) -> str:
    """Give the endpoint a new secret; the old one also signs for 24 h."""
    new = _secret()
    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret=endpoint.secret,
        previous_secret_expires_at=timezone.now() + SECRET_OVERLAP,
        secret=new,
    )
    endpoint.refresh_from_db()
    logger.info("Webhook endpoint %s: secret rolled", endpoint.pk)
    return new


def endpoint_delete(*, endpoint) -> None:
    endpoint.delete()


# The outbox ----------------------------------------------------------------------


def _money(value) -> str:
    return f"{value:.2f}"


def _line_data(line) -> dict:
    return {
        "id": line.pk,
        "product": line.product_id,
        "title": line.title,
        "quantity": line.quantity,
        "unit_price": _money(line.unit_price),
        "line_total": _money(line.line_total),
        "status": line.status,
    }


def _order_data(order, lines) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "created": int(order.created_at.timestamp()),
        "currency": settings.SHOP_CURRENCY,
        "amount": _money(sum(line.line_total for line in lines)),
        "shipping": {
            "full_name": order.full_name,
            "address": order.address,
            "city": order.city,
            "postcode": order.postcode,
            "country": order.country,
        },
        "lines": [_line_data(line) for line in lines],
    }


def events_record(*, type, order, lines=None, extra=None) -> list[Event]:
    """Write one event per merchant with lines in `order` (only its own lines), and
    its deliveries, in the caller's transaction: rolled back with the change."""
    lines = list(lines if lines is not None else order.lines.order_by("pk"))
    by_merchant = defaultdict(list)
    for line in lines:
        by_merchant[line.merchant_id].append(line)
    events = []
    now = timezone.now()
    for merchant_id, own in by_merchant.items():
        data = {"order": _order_data(order, own), **(extra or {})}
        event = Event.objects.create(
            merchant_id=merchant_id, type=type, data=data, created_at=now
        )
        events.append(event)
        endpoints = Endpoint.objects.filter(merchant_id=merchant_id, enabled=True)
        deliveries = Delivery.objects.bulk_create(
            Delivery(
                event=event,
                endpoint=endpoint,
                next_attempt_at=now,
                give_up_at=now + settings.WEBHOOKS_GIVE_UP_AFTER,
            )
            for endpoint in endpoints
            if type in endpoint.events
        )
        for delivery in deliveries:
            _enqueue_after_commit(delivery.pk)
        logger.info(
            "Event %s (%s): order #%s, merchant %s, %s deliveries",
            event.public_id,
            type,
            order.number,
            merchant_id,
            len(deliveries),
        )
    return events


def _enqueue_after_commit(delivery_id) -> None:
    """Send the delivery task once the transaction commits. By name: the tasks
    module imports this one, not the other way round."""
    transaction.on_commit(
        lambda: current_app.send_task(DELIVER_TASK, args=(delivery_id,))
    )


def event_for_order_paid(*, payment) -> list[Event]:
    return events_record(
        type=EventType.ORDER_PAID,
        order=payment.order,
        extra={"payment": {"method": payment.method}},
    )


def event_for_order_cancelled(*, order) -> list[Event]:
    return events_record(type=EventType.ORDER_CANCELLED, order=order)


def event_for_payment_expired(*, payment) -> list[Event]:
    return events_record(type=EventType.PAYMENT_EXPIRED, order=payment.order)


def event_for_line_shipped(*, line) -> list[Event]:
    return events_record(
        type=EventType.ORDER_LINE_SHIPPED, order=line.order, lines=[line]
    )


def event_for_line_refunded(*, line, transfer) -> list[Event]:
    return events_record(
        type=EventType.ORDER_LINE_REFUNDED,
        order=line.order,
        lines=[line],
        extra={"refund": {"amount": _money(line.line_total)}},
    )


# Delivery ------------------------------------------------------------------------


def backoff(*, attempt_count: int) -> timedelta:
    """Exponential back-off with full jitter: about base * 2^(n-1), capped."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS
    ceiling = min(
        base * 2 ** max(attempt_count - 1, 0), settings.WEBHOOKS_RETRY_MAX_SECONDS
    )
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def delivery_claim(*, delivery_id) -> Delivery | None:
    """Take a due delivery for one attempt, or None if it is not due or taken.

    The claim pushes next_attempt_at forward by a lease and commits at once: the
    request is then made outside any transaction, and if this worker dies the
    relay finds the delivery due again when the lease runs out.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "endpoint")
            .filter(
                pk=delivery_id,
                status=Delivery.Status.PENDING,
                next_attempt_at__lte=now,
                endpoint__enabled=True,  # turned off: its deliveries wait
            )
            .first()
        )
        if delivery is None:
            return None
        # Longer than one attempt can take: a worker holding it longer has died.
        delivery.next_attempt_at = now + timedelta(
            seconds=settings.WEBHOOKS_LEASE_SECONDS
        )
        delivery.save(update_fields=["next_attempt_at"])
    return delivery


def delivery_attempt(*, delivery_id) -> Delivery | None:
    """Make one attempt at a due delivery and record it; safe to run twice."""
    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    body = json.dumps(event.payload(), separators=(",", ":"), sort_keys=True).encode()
    started_at = timezone.now()
    try:
        target = url_check(endpoint.url)
    except UnsafeURL as exc:
        response = http.Response(None, 0, error=exc.message, error_params=exc.params)
    else:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "SmilePay-Webhooks/1",
            "SmilePay-Signature": http.signature_header(
                body=body,
                secrets=endpoint.signing_secrets(),
                timestamp=int(started_at.timestamp()),
            ),
        }
        response = http.post(
            target=target,
            body=body,
            headers=headers,
            timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
        )
    return _delivery_record(delivery=delivery, response=response, started_at=started_at)


def _delivery_record(*, delivery, response, started_at) -> Delivery:
    """Keep the attempt and move the delivery: delivered, retried later, or failed."""
    now = timezone.now()
    ok = response.status_code is not None and 200 <= response.status_code < 300
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            started_at=started_at,
            duration_ms=response.duration_ms,
            status_code=response.status_code,
            error=response.error,
            error_params=response.error_params,
            response_excerpt=response.excerpt,
        )
        delivery.attempt_count += 1
        counted = {"attempt_count": delivery.attempt_count}
        if ok:
            transition(delivery, Delivery.Status.DELIVERED, delivered_at=now, **counted)
        else:
            retry_at = now + backoff(attempt_count=delivery.attempt_count)
            if retry_at > delivery.give_up_at:
                transition(delivery, Delivery.Status.FAILED, **counted)
            else:
                _pending(delivery).update(next_attempt_at=retry_at, **counted)
    delivery.refresh_from_db()
    logger.info(
        "Event %s to endpoint %s: attempt %s, %s %s, now %s",
        delivery.event.public_id,
        delivery.endpoint_id,
        delivery.attempt_count,
        response.status_code,
        response.error,
        delivery.status,
    )
    return delivery


def _pending(delivery):
    """The delivery's row while it is pending (a guard for writes that keep it so)."""
    return Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING)


def deliveries_due(*, limit=100) -> list[int]:
    """The pending deliveries whose time has come, skipping rows being claimed."""
    with transaction.atomic():
        return list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                status=Delivery.Status.PENDING,
                next_attempt_at__lte=timezone.now(),
                endpoint__enabled=True,
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )


def delivery_resend(*, delivery) -> Delivery:
    """Send a delivery again now, whatever became of it, for another 3 days."""
    now = timezone.now()
    times = {
        "next_attempt_at": now,
        "give_up_at": now + settings.WEBHOOKS_GIVE_UP_AFTER,
    }
    if not transition(delivery, Delivery.Status.PENDING, **times):
        _pending(delivery).update(**times)  # pending still: only sooner
    _enqueue_after_commit(delivery.pk)
    delivery.refresh_from_db()
    return delivery
