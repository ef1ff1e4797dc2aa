"""The Celery tasks of faceauth as Celery sees them: what they carry, how they are
acknowledged, how they are sent. What verify_frame does with a frame is in
test_checks.py."""

import json

import pytest

from faceauth import tasks
from faceauth.services.attempts import attempt_start
from faceauth.tasks import verify_frame, verify_frame_enqueue

from .factories import OBAMA, OBAMA_PORTRAIT, face_enrol

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_namespace")]


@pytest.fixture
def attempt(shopper):
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    return attempt_start(user=shopper, purpose="payment", reference="SP-1")


def test_verify_frame_is_acknowledged_late_and_time_limited():
    assert verify_frame.acks_late is True
    assert verify_frame.reject_on_worker_lost is True
    assert verify_frame.soft_time_limit == 5
    assert verify_frame.time_limit == 10
    assert verify_frame.soft_time_limit < verify_frame.time_limit
    assert verify_frame.ignore_result is True


def test_task_is_sent_with_the_attempt_id_only(attempt, sent_tasks):
    verify_frame_enqueue(attempt.pk, expires=attempt.deadline)

    (task,) = sent_tasks
    assert task["args"] == (attempt.pk,)
    assert not task["kwargs"]
    assert task["options"] == {"expires": attempt.deadline}
    json.dumps(task["args"])  # nothing but JSON: no frame bytes, no encodings


def test_a_frame_of_an_attempt_answering_a_cue_is_sent_first(attempt, sent_tasks):
    verify_frame_enqueue(attempt.pk, urgent=True)
    verify_frame_enqueue(attempt.pk)

    urgent, usual = sent_tasks
    assert urgent["options"]["priority"] == tasks.PRIORITY_CHALLENGE
    assert "priority" not in usual["options"]
    assert tasks.PRIORITY_CHALLENGE < tasks.PRIORITY_FRAME
