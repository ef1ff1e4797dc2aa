"""Writes of the API: tokens and idempotent order creation."""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.services import checkout_place
from shop.models import Order
from shop.services import Shipping

from .exceptions import IdempotencyKeyReused
from .models import IdempotencyRecord
from .selectors import idempotency_record_get

logger = logging.getLogger(__name__)


def request_fingerprint(payload) -> str:
    """sha256 of `payload` as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        payload,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict
    replayed: bool


def _replay(record: IdempotencyRecord, fingerprint: str) -> StoredResponse:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            # Translators: Idempotency-Key is the name of an HTTP header; keep it.
            _(
                "This Idempotency-Key was already used with a different request "
                "body. Use a new key for a new request."
            )
        )
    return StoredResponse(record.response_status, record.response_body, True)


def order_place_idempotent(
    *,
    user,
    key: str,
    payload: dict,
    checkout_key,
    shipping: Shipping,
    expected_total: Decimal,
    render: Callable[[Order], dict],
) -> StoredResponse:
    """Place the order for `user`'s cart once per `key`; replay the first answer.

    The record of the key is written in the order's own transaction: a concurrent
    request with the same key waits on its unique index, then replays what the first
    committed. A refused request (empty cart, out of stock...) rolls back with its
    record, so the same key may be tried again once the cart is fixed.
    """
    fingerprint = request_fingerprint(payload)
    record = idempotency_record_get(user=user, key=key)
    if record is not None:
        return _replay(record, fingerprint)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            # Another request with this key got there first and has now committed.
            return _replay(idempotency_record_get(user=user, key=key), fingerprint)
        order, created = checkout_place(
            user=user,
            checkout_key=checkout_key,
            shipping=shipping,
            expected_total=expected_total,
        )
        status = 201 if created else 200
        # Stored and answered as plain JSON, so the replay is the same document.
        body = json.loads(json.dumps(render(order), cls=DjangoJSONEncoder))
        IdempotencyRecord.objects.filter(pk=record.pk).update(
            response_status=status, response_body=body
        )
    logger.info("Order #%s: placed through the API (key %s)", order.number, key)
    return StoredResponse(status, body, False)


def idempotency_records_purge(*, now=None) -> int:
    """Delete the records of keys older than API_IDEMPOTENCY_HOURS (celery beat,
    hourly); how many went. Safe to run twice or at once: a record is deleted once."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        logger.info("Idempotency records: %s older than %s purged", deleted, cutoff)
    return deleted
