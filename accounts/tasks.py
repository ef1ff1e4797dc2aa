from celery import shared_task
from django.utils import timezone

from .sessions import UserSession
from .signup import signups_purge


@shared_task(ignore_result=True)
def clear_expired_sessions() -> int:
    """Delete the sessions past their expiry, as `manage.py clearsessions` does
    (celery beat, daily); returns how many."""
    deleted, _ = UserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(ignore_result=True)
def purge_stale_signups() -> int:
    """Delete the sign-ups never confirmed whose links have all expired (celery
    beat, daily); returns how many."""
    return signups_purge()
