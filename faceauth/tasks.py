import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from . import engine, frames, jobs
from .services import biometrics_purge, enrolment_answer, enrolment_frame_answer
from .services.attempts import attempts_expire_overdue
from .services.checks import attempt_process_next

logger = logging.getLogger(__name__)

# Task priorities on the Redis broker, where 0 goes first: the frames of a shopper
# answering a cue jump the queue, so under load the answer is judged within its
# window while the frames of checkouts still taking a baseline wait.
PRIORITY_CHALLENGE = 0
PRIORITY_FRAME = 6
# An enrolment's frame check is a look at one frame that a shopper waits on; the
# enrolment itself, seconds of encoding, queues with the frames of checkouts taking a
# baseline. (The Redis transport has four steps of priority: 0, 3, 6 and 9.)
PRIORITY_ENROL_CHECK = 3
PRIORITY_ENROL = PRIORITY_FRAME


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
    """Judge an attempt's next frame, taken from Redis by reference (while a cue
    is answered, the frames waiting behind it too: services.checks.BATCH_FRAMES).

    Safe to run twice: one task at a time judges an attempt's frames (another one
    returns at once), a frame is taken once, and every write is a guarded update.
    """
    urgent = False
    try:
        urgent = attempt_process_next(attempt_id=attempt_id)
    except SoftTimeLimitExceeded:
        logger.warning("Attempt #%s: a frame took too long; skipped", attempt_id)
    finally:
        # A task that found another judging leaves the in-flight flag to it.
        if urgent is not None and frames.inflight_release(attempt_id):
            verify_frame_enqueue(attempt_id, urgent=urgent)


def verify_frame_enqueue(attempt_id: int, *, expires=None, urgent=False) -> None:
    """Send the task for an attempt's next frame (never the frame itself);
    `urgent` while the shopper answers a cue."""
    options = {"expires": expires}
    if urgent:
        options["priority"] = PRIORITY_CHALLENGE
    verify_frame.apply_async((attempt_id,), **options)


# The enrolment's tasks answer a page that waits on them (faceauth/jobs.py): at most
# once (a lost task is a "busy" answer, never an enrolment the page gave up on), and
# within their hard time limit, which the page's wait includes.


@shared_task(
    ignore_result=True, soft_time_limit=20, time_limit=25, priority=PRIORITY_ENROL
)
def enrol_face(job_id: str, *, user_id: int, source: str, language: str) -> None:
    """Enrol the job's pictures as the user's face templates (face_enroll)."""
    jobs.job_serve(
        job_id,
        language=language,
        work=lambda pictures: enrolment_answer(
            user_id=user_id, images=pictures, source=source
        ),
    )


@shared_task(
    ignore_result=True, soft_time_limit=3, time_limit=5, priority=PRIORITY_ENROL_CHECK
)
def enrol_frame_check(job_id: str, *, language: str) -> None:
    """Say whether the job's one webcam frame would do for enrolment."""
    jobs.job_serve(
        job_id,
        language=language,
        work=lambda pictures: enrolment_frame_answer(pictures[0]),
    )
