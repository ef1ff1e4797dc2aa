from celery import shared_task

from .services import biometrics_purge


@shared_task(ignore_result=True)
def purge_biometrics() -> int:
    """Delete face templates past their retention period (celery beat, daily)."""
    return biometrics_purge()
