import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from . import engine, frames
from .services import biometrics_purge
from .services.attempts import attempt_process_frame, attempts_expire_overdue

logger = logging.getLogger(__name__)

# Task priorities on the Redis broker, where 0 goes first: the frames of a shopper
# who has been asked to smile jump the queue, so under load the smile is judged
# within its window while the frames of checkouts still taking a baseline wait.
PRIORITY_CHALLENGE = 0
PRIORITY_FRAME = 6


@worker_process_init.connect(dispatch_uid="faceauth.warm_up")
def warm_up(**kwargs) -> None:
    """Load the face models when a worker process starts (about a second), so the
    first shopper's first frame does not wait for them."""
    engine.warm_up()


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
    priority=PRIORITY_FRAME,
)
def verify_frame(attempt_id: int) -> None:
    """Process the newest frame of an attempt, taken from Redis by reference.

    Safe to run twice: the frame is taken once, and verdicts are guarded updates.
    """
    challenge = False
    try:
        frame = frames.frame_take(attempt_id)
        if frame is not None:
            challenge = attempt_process_frame(attempt_id=attempt_id, frame=frame)
    except SoftTimeLimitExceeded:
        logger.warning("Attempt #%s: a frame took too long; skipped", attempt_id)
    finally:
        if frames.inflight_release(attempt_id):
            verify_frame_enqueue(attempt_id, urgent=bool(challenge))


def verify_frame_enqueue(attempt_id: int, *, expires=None, urgent=False) -> None:
    """Send the task for an attempt's newest frame (never the frame itself);
    `urgent` when the shopper has been asked to smile."""
    options = {"expires": expires}
    if urgent:
        options["priority"] = PRIORITY_CHALLENGE
    verify_frame.apply_async((attempt_id,), **options)
