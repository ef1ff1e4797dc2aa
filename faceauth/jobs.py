"""Face work a page waits on, done by a Celery task: the enrolment's pictures go by
reference, and the answer is awaited without holding a thread.

The view puts the pictures in Redis under a new job's key and sends the task only the
key. The task takes them (once: a second taker finds nothing), does the work and
pushes its answer to the job's answer list, which the view awaits with BLPOP on the
web process's event loop. Pages waiting on the workers cost sockets, not the few
threads the shop's other pages run in (Daphne runs every synchronous view in a pool
of min(32, CPUs + 4) threads).

Late work is no work. The pictures live `queue_seconds`: a task that starts later
finds them gone and answers at once that the service is busy. The view waits that
long plus the task's hard time limit before saying so itself, so whatever it says is
what happened: an enrolment the page gave up on is never stored behind the
shopper's back. The first task to come claims the job; a second delivery of it does
nothing, and never answers in place of the first.
"""

import json
import logging
import secrets
from collections.abc import Callable

import redis
from asgiref.sync import sync_to_async
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError

from . import frames

logger = logging.getLogger(__name__)

# The answer lives this long after the task pushed it: the view is waiting on it.
ANSWER_TTL_MS = 60_000
# Past the task's hard time limit: the answer's trip back and a slow event loop.
WAIT_MARGIN_SECONDS = 2


def _keys(job_id: str) -> tuple[str, str, str]:
    base = f"{settings.FACEAUTH_REDIS_PREFIX}:job:{job_id}"
    return f"{base}:pictures", f"{base}:answer", f"{base}:claimed"


# The answers' reasons that say the service failed, not the pictures: the same
# pictures may do in a moment.
SERVICE_FAILURES = frozenset({"busy", "error"})


def busy_answer() -> dict:
    """The answer when no worker answered in time, or the work overran its limit."""
    return {
        "ok": False,
        "reason": "busy",
        "message": _("Face checks are busy right now. Try again in a moment."),
    }


async def job_run(
    task, pictures: list[bytes], *, queue_seconds: float, **kwargs
) -> dict:
    """Hand `pictures` to `task` (a Celery task whose first argument is the job's
    id, and which answers with `job_serve`) and await its answer.

    `kwargs` go to the task as they are, with the active language. When no worker
    answers in time, or Redis or the broker is down, the answer is `busy_answer()`.
    """
    job_id = secrets.token_urlsafe(16)
    pictures_key, answer_key, _ = _keys(job_id)
    wait = queue_seconds + task.time_limit + WAIT_MARGIN_SECONDS
    client = frames.async_client(timeout=wait + 5)
    try:
        async with client.pipeline(transaction=True) as pipe:
            pipe.rpush(pictures_key, *pictures)
            pipe.pexpire(pictures_key, int(queue_seconds * 1000))
            await pipe.execute()
        await sync_to_async(task.apply_async)(
            (job_id,),
            {**kwargs, "language": translation.get_language()},
        )
        answered = await client.blpop([answer_key], timeout=wait)
    except (redis.RedisError, KombuError, OSError):
        logger.exception("Job %s (%s): could not hand over the pictures", job_id, task)
        return busy_answer()
    finally:
        await client.aclose()
    if answered is None:
        logger.warning("Job %s (%s): no answer within %s s", job_id, task.name, wait)
        return busy_answer()
    return json.loads(answered[1])


def job_serve(
    job_id: str, *, language: str, work: Callable[[list[bytes]], dict]
) -> None:
    """Take the job's pictures, do `work` on them in the page's language and push its
    answer for the waiting view. Pictures past their time get a busy answer; a job
    another task claimed first is left alone."""
    claimed, pictures = _claim(job_id)
    if not claimed:
        logger.info("Job %s: claimed by another task; nothing done", job_id)
        return
    with translation.override(language):
        if pictures is None:
            logger.warning("Job %s: its pictures waited too long; busy", job_id)
            answer = busy_answer()
        else:
            answer = _work_answer(job_id, work, pictures)
    _, answer_key, _ = _keys(job_id)
    with frames.sync_client().pipeline(transaction=True) as pipe:
        pipe.rpush(answer_key, json.dumps(answer))
        pipe.pexpire(answer_key, ANSWER_TTL_MS)
        pipe.execute()


def _claim(job_id: str) -> tuple[bool, list[bytes] | None]:
    """Whether this task is the first to come, and the pictures, unless they went
    with their time."""
    pictures_key, _, claimed_key = _keys(job_id)
    with frames.sync_client().pipeline(transaction=True) as pipe:
        pipe.set(claimed_key, 1, nx=True, px=ANSWER_TTL_MS)
        pipe.lrange(pictures_key, 0, -1)
        pipe.delete(pictures_key)
        first, pictures, _ = pipe.execute()
    return bool(first), (pictures or None)


def _work_answer(job_id: str, work, pictures: list[bytes]) -> dict:
    try:
        return work(pictures)
    except SoftTimeLimitExceeded:
        logger.warning("Job %s: over its time limit", job_id)
        return busy_answer()
    except Exception:
        logger.exception("Job %s: failed", job_id)
        return {
            "ok": False,
            "reason": "error",
            "message": _("Something went wrong. Try again."),
        }
