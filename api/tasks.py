from celery import shared_task

from .services import idempotency_records_purge


@shared_task(ignore_result=True)
def purge_idempotency_records() -> int:
    """Forget the Idempotency-Keys past their retention (celery beat, hourly)."""
    return idempotency_records_purge()
