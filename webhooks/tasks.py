from celery import shared_task

from .services import DELIVER_TASK, deliveries_due, delivery_attempt


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver(delivery_id):
    """Make one attempt at delivering an event to an endpoint."""
    delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def relay_webhooks():
    """The outbox relay (celery beat): queue every delivery that is due, including
    retries and those a dead worker left behind."""
    due = deliveries_due()
    for delivery_id in due:
        deliver.delay(delivery_id)
    return len(due)
