from celery import shared_task

from .services import payments_apply_face_verdicts, payments_expire_overdue


@shared_task(ignore_result=True)
def expire_overdue_payments():
    """Expire unpaid orders past their deadline and return their stock."""
    return payments_expire_overdue()


@shared_task(ignore_result=True)
def apply_face_verdicts():
    """Apply approved face checks whose payment is still open (celery beat)."""
    return payments_apply_face_verdicts()
