import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import frames
from .services import biometrics_purge
from .services.attempts import attempt_process_frame, attempts_expire_overdue

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def purge_biometrics() -> int:
    """Delete face templates past their retention period (celery beat, daily)."""
    return biometrics_purge()


@shared_task(ignore_result=True)
def expire_attempts() -> int:
    """Expire face checks past their deadline (celery beat, every few seconds)."""
    return attempts_expire_overdue()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=5,
    time_limit=10,
    ignore_result=True,
)
def verify_frame(attempt_id: int) -> None:
    """Process the newest frame of an attempt, taken from Redis by reference.

    Safe to run twice: the frame is taken once, and verdicts are guarded updates.
    """
    try:
        frame = frames.frame_take(attempt_id)
        if frame is not None:
            attempt_process_frame(attempt_id=attempt_id, frame=frame)
    except SoftTimeLimitExceeded:
        logger.warning("Attempt #%s: a frame took too long; skipped", attempt_id)
    finally:
        if frames.inflight_release(attempt_id):
            verify_frame_enqueue(attempt_id)


def verify_frame_enqueue(attempt_id: int, *, expires=None) -> None:
    """Send the task for an attempt's newest frame (never the frame itself)."""
    verify_frame.apply_async((attempt_id,), expires=expires)
