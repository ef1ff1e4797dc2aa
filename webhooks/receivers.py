"""Events written in the transaction of the change they report (the outbox)."""

from django.dispatch import receiver

from payments.models import Payment
from payments.signals import order_line_refunded, payment_approved, payment_expired
from shop.models import Order, OrderLine
from shop.signals import order_cancelled, order_line_shipped

from . import services


@receiver(payment_approved, sender=Payment, dispatch_uid="webhooks.order_paid")
def record_order_paid(sender, payment, **kwargs):
    services.event_for_order_paid(payment=payment)


@receiver(payment_expired, sender=Payment, dispatch_uid="webhooks.payment_expired")
def record_payment_expired(sender, payment, **kwargs):
    services.event_for_payment_expired(payment=payment)


@receiver(order_cancelled, sender=Order, dispatch_uid="webhooks.order_cancelled")
def record_order_cancelled(sender, order, **kwargs):
    services.event_for_order_cancelled(order=order)


@receiver(order_line_shipped, sender=OrderLine, dispatch_uid="webhooks.line_shipped")
def record_line_shipped(sender, line, **kwargs):
    services.event_for_line_shipped(line=line)


@receiver(order_line_refunded, sender=Payment, dispatch_uid="webhooks.line_refunded")
def record_line_refunded(sender, line, transfer, **kwargs):
    services.event_for_line_refunded(line=line, transfer=transfer)
