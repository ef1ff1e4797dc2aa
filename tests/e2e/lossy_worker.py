"""The Celery app with its verdict pushes lost, as when a socket's channel is full or
the channel layer drops the message: `celery -A tests.e2e.lossy_worker worker`.

Only the push is lost; the verdict is stored as always. The face page must learn it
over HTTP (tests/e2e/test_faults.py).
"""

import logging

from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]

logger = logging.getLogger(__name__)


@worker_process_init.connect(dispatch_uid="tests.lose_verdict_pushes")
def lose_verdict_pushes(**kwargs):
    from faceauth.services import attempts

    push = attempts.attempt_push

    def lossy_push(public_id, payload):
        if payload.get("final"):
            logger.warning("Attempt %s: verdict push LOST on purpose", public_id)
            return False
        return push(public_id, payload)

    attempts.attempt_push = lossy_push
