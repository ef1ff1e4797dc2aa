from celery import shared_task

from .services import payments_expire_overdue


@shared_task(ignore_result=True)
def expire_overdue_payments():
    """Expire unpaid orders past their deadline and return their stock."""
    return payments_expire_overdue()
