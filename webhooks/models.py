"""Merchants' webhook endpoints, the events written for them (the outbox), and each
delivery of an event to an endpoint with every attempt made."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exceptions import message_in_language


class EventType(models.TextChoices):
    ORDER_PAID = "order.paid", _("Order paid")
    ORDER_CANCELLED = "order.cancelled", _("Order cancelled")
    ORDER_LINE_SHIPPED = "order.line_shipped", _("Line shipped")
    ORDER_LINE_REFUNDED = "order.line_refunded", _("Line refunded")
    PAYMENT_EXPIRED = "payment.expired", _("Payment expired")


class Endpoint(models.Model):
    merchant = models.ForeignKey(
        "shop.Merchant",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("merchant"),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    enabled = models.BooleanField(_("enabled"), default=True)
    secret = models.CharField(_("secret"), max_length=64)
    # After a roll the old secret still signs until it expires (24 h).
    previous_secret = models.CharField(_("previous secret"), max_length=64, blank=True)
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret expires at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url

    def signing_secrets(self, *, now=None) -> list[str]:
        """The secrets that sign now: the current one, and the previous one for 24 h."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and (
            self.previous_secret_expires_at and self.previous_secret_expires_at > now
        ):
            secrets.append(self.previous_secret)
        return secrets


def _event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


class Event(models.Model):
    public_id = models.CharField(
        _("id"), max_length=40, unique=True, default=_event_id, editable=False
    )
    merchant = models.ForeignKey(
        "shop.Merchant",
        on_delete=models.CASCADE,
        related_name="webhook_events",
        verbose_name=_("merchant"),
    )
    type = models.CharField(_("type"), max_length=32, choices=EventType.choices)
    data = models.JSONField(_("data"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self):
        return f"{self.public_id} {self.type}"

    def payload(self) -> dict:
        """What is POSTed: the same on every attempt."""
        return {
            "id": self.public_id,
            "type": self.type,
            "created": int(self.created_at.timestamp()),
            "data": self.data,
        }


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    # Sent again by hand, a delivered or failed delivery is pending once more.
    TRANSITIONS = {
        Status.PENDING: {Status.DELIVERED, Status.FAILED},
        Status.DELIVERED: {Status.PENDING},
        Status.FAILED: {Status.PENDING},
    }

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    # When it may be tried next; a worker that takes it pushes this forward by a
    # lease, so one killed mid-delivery is taken again once the lease runs out.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    give_up_at = models.DateTimeField(_("give up at"))
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="webhooks_delivery_once"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.event.public_id} → {self.endpoint.url}"


class Attempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempts"
    )
    started_at = models.DateTimeField(_("time"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    # English as written, with its parameters apart: `error_message` translates it.
    error = models.CharField(_("error"), max_length=255, blank=True)
    error_params = models.JSONField(_("error parameters"), default=dict, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self):
        return f"{self.delivery_id} @ {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def error_message(self) -> str:
        """What went wrong, in the reader's language."""
        return message_in_language(self.error, self.error_params)
