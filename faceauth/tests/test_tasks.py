"""The verify_frame task run in-process on frames stored in the real Redis, the
expiry task, and the face lockout.

Frames go into Redis through `frames.frame_put`, as the websocket consumer puts
them, with arrival times set by the test to drive the smile challenge.
"""

import json
import secrets
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from faceauth import frames, liveness, tasks
from faceauth.exceptions import FaceLocked
from faceauth.models import VerificationAttempt
from faceauth.services.attempts import (
    LOCK_AFTER_FAILURES,
    attempt_decide,
    attempt_start,
    face_lock_of,
)
from faceauth.signals import attempt_decided
from faceauth.tasks import expire_attempts, verify_frame, verify_frame_enqueue

from .factories import (
    BIDEN,
    JUNK,
    OBAMA,
    OBAMA_PORTRAIT,
    TWO_PEOPLE,
    face_enrol,
    frame_jpeg,
)

pytestmark = pytest.mark.django_db

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason

STEP = 0.15  # seconds between frames
JPEG_MAGIC = b"\xff\xd8\xff"


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def redis_namespace(monkeypatch):
    """Keep this test's frame keys apart from other runs sharing the Redis db.

    Attempt primary keys restart at 1 in every test database, so two runs at once
    would otherwise read and delete each other's frames.
    """
    prefix = f"test-{secrets.token_hex(6)}:"
    real_keys = frames._keys
    monkeypatch.setattr(
        frames,
        "_keys",
        lambda attempt_id: tuple(prefix + key for key in real_keys(attempt_id)),
    )
    yield prefix
    client = frames._client()
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch):
    """Record the tasks that would go to the broker instead of publishing them."""
    sent = []

    def apply_async(args=None, kwargs=None, **options):
        sent.append({"args": args, "kwargs": kwargs, "options": options})

    monkeypatch.setattr(verify_frame, "apply_async", apply_async)
    return sent


@pytest.fixture(autouse=True)
def prompt_at_once(monkeypatch):
    """The smile prompt goes out on the first frame after the baseline."""
    monkeypatch.setattr(liveness, "PROMPT_DELAY_SECONDS", (0.0, 0.0))


@pytest.fixture
def verdicts():
    """The attempts announced through faceauth.signals.attempt_decided."""
    received = []

    def receiver(sender, attempt, **kwargs):
        received.append(attempt)

    attempt_decided.connect(receiver, sender=VerificationAttempt, weak=False)
    yield received
    attempt_decided.disconnect(receiver, sender=VerificationAttempt)


@pytest.fixture
def enrolled(shopper):
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    return shopper


@pytest.fixture
def attempt(enrolled):
    return attempt_start(user=enrolled, purpose="payment", reference="SP-1")


# --- helpers --------------------------------------------------------------------


def _put(attempt_id: int, data: bytes, at: float) -> bool:
    """Store a frame as the consumer does, on a client of its own event loop."""

    async def put():
        client = frames.async_client()
        try:
            return await frames.frame_put(client, attempt_id, data, at)
        finally:
            await client.aclose()

    return async_to_sync(put)()


def _stream(attempt, pictures, *, start=None, step=STEP) -> float:
    """Put each frame and run the task on it; return the last arrival time."""
    start = time.time() if start is None else start
    at = start
    for index, data in enumerate(pictures):
        at = start + index * step
        _put(attempt.pk, data, at)
        verify_frame(attempt.pk)
    return at


def _reach_prompt(attempt, picture=OBAMA) -> float:
    """Three neutral frames make the baseline, the fourth is the prompt frame."""
    return _stream(attempt, [frame_jpeg(picture)] * 4)


def _reload(attempt) -> VerificationAttempt:
    return VerificationAttempt.objects.get(pk=attempt.pk)


def _redis_values(client, key) -> list[bytes]:
    kind = client.type(key).decode()
    if kind == "string":
        return [client.get(key) or b""]
    if kind == "hash":
        return [*client.hkeys(key), *client.hvals(key)]
    if kind == "list":
        return client.lrange(key, 0, -1)
    if kind == "set":
        return list(client.smembers(key))
    if kind == "zset":
        return client.zrange(key, 0, -1)
    return []


def _keys_of(attempt, prefix) -> list[bytes]:
    """Every key in the test Redis db naming this attempt (its frames, its group)."""
    client = frames._client()
    return [
        *client.scan_iter(match=f"{prefix}*attempt:{attempt.pk}:*"),
        *client.scan_iter(match=f"*{attempt.public_id}*"),
    ]


# --- the smile challenge end to end ---------------------------------------------


def test_neutral_then_smile_on_cue_approves(attempt, verdicts):
    neutral, smiling = frame_jpeg(OBAMA), frame_jpeg(OBAMA_PORTRAIT)
    start = time.time()
    _stream(attempt, [neutral] * 5, start=start)  # baseline, prompt, one more
    prompt_at = start + 3 * STEP
    assert _reload(attempt).tracker["phase"] == liveness.Phase.CHALLENGE

    _put(attempt.pk, smiling, prompt_at + 0.3)
    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.status == Status.APPROVED
    assert attempt.reason == Reason.MATCHED_AND_SMILED
    assert attempt.best_distance <= settings.FACEAUTH_TOLERANCE
    assert len(attempt.liveness["distances"]) == 2  # the neutral and the smile
    assert max(attempt.liveness["distances"]) <= settings.FACEAUTH_TOLERANCE
    assert attempt.liveness["rise"] >= 0.2
    assert "decision_ms" in attempt.timings
    assert attempt.challenge_at is not None
    assert attempt.frames_processed == 6
    assert attempt.frames_received == 6
    assert attempt.faces_per_frame == {"1": 6}
    assert [(a.pk, a.status) for a in verdicts] == [(attempt.pk, Status.APPROVED)]


def test_verdict_removes_the_frames_of_the_attempt_from_redis(attempt, redis_namespace):
    start = time.time()
    _stream(attempt, [frame_jpeg(OBAMA)] * 4, start=start)
    assert _keys_of(attempt, redis_namespace)  # the audit counts, at least

    _put(attempt.pk, frame_jpeg(OBAMA_PORTRAIT), start + 3 * STEP + 0.5)
    verify_frame(attempt.pk)

    assert _reload(attempt).status == Status.APPROVED
    assert _keys_of(attempt, redis_namespace) == []
    assert frames.frame_take(attempt.pk) is None
    assert frames.counts(attempt.pk) == {}


def test_redis_never_holds_frames_of_the_attempt_after_the_verdict(
    attempt, redis_namespace
):
    start = time.time()
    _stream(attempt, [frame_jpeg(OBAMA)] * 4, start=start)
    _put(attempt.pk, frame_jpeg(OBAMA_PORTRAIT), start + 3 * STEP + 0.5)
    # A frame that comes after the smile was taken, before the verdict.
    _put(attempt.pk, frame_jpeg(OBAMA_PORTRAIT), start + 3 * STEP + 0.6)
    verify_frame(attempt.pk)

    client = frames._client()
    values = [
        value
        for key in client.scan_iter(match=f"{redis_namespace}*")
        for value in _redis_values(client, key)
    ]
    assert not any(JPEG_MAGIC in value for value in values)
    assert _keys_of(attempt, redis_namespace) == []


def test_a_frame_arriving_after_the_verdict_leaves_no_key_behind(
    attempt, redis_namespace
):
    attempt_decide(attempt=attempt, status=Status.DECLINED, reason=Reason.NO_MATCH)
    # On its way when the verdict came: it writes the attempt's keys again.
    _put(attempt.pk, frame_jpeg(OBAMA), time.time())
    assert _keys_of(attempt, redis_namespace) != []

    verify_frame(attempt.pk)

    assert _keys_of(attempt, redis_namespace) == []


def test_someone_else_at_the_prompt_is_declined_no_match(attempt, verdicts):
    _reach_prompt(attempt, BIDEN)

    attempt = _reload(attempt)
    assert attempt.status == Status.DECLINED
    assert attempt.reason == Reason.NO_MATCH
    assert attempt.best_distance > settings.FACEAUTH_TOLERANCE
    assert attempt.frames_processed == 4
    assert len(verdicts) == 1


def test_still_smiling_photo_is_never_approved(attempt, verdicts):
    smiling = frame_jpeg(OBAMA_PORTRAIT)
    start = time.time()
    last = _stream(attempt, [smiling] * 12, start=start)
    assert _reload(attempt).status == Status.OPEN

    # The same smile, still, until the challenge window has passed.
    _put(attempt.pk, smiling, last + liveness.CHALLENGE_WINDOW_SECONDS)
    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.status == Status.DECLINED
    assert attempt.reason == Reason.NO_SMILE
    assert [a.status for a in verdicts] == [Status.DECLINED]


def test_two_people_are_never_approved_and_are_counted(attempt):
    _stream(attempt, [frame_jpeg(TWO_PEOPLE)] * 6)

    attempt = _reload(attempt)
    assert attempt.status == Status.OPEN
    assert attempt.faces_per_frame == {"2+": 6}
    assert attempt.tracker["last_problem"] == "several_faces"
    assert attempt.tracker["phase"] == liveness.Phase.BASELINE
    assert attempt.frames_processed == 6


def test_two_people_seen_last_make_the_expiry_reason_several_faces(attempt, verdicts):
    _stream(attempt, [frame_jpeg(OBAMA)] * 2 + [frame_jpeg(TWO_PEOPLE)] * 2)
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    assert expire_attempts() == 1

    attempt = _reload(attempt)
    assert attempt.status == Status.EXPIRED
    assert attempt.reason == Reason.SEVERAL_FACES
    assert [a.reason for a in verdicts] == [Reason.SEVERAL_FACES]


def test_expire_attempts_leaves_attempts_inside_their_deadline_open(attempt):
    _stream(attempt, [frame_jpeg(OBAMA)] * 2)

    assert expire_attempts() == 0

    assert _reload(attempt).status == Status.OPEN


def test_expire_attempts_names_a_missing_face(attempt):
    _stream(attempt, [JUNK, JUNK])
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    assert expire_attempts() == 1

    assert _reload(attempt).reason == Reason.NO_FACE


def test_expire_attempts_in_the_challenge_is_no_smile(attempt):
    _reach_prompt(attempt)
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    assert expire_attempts() == 1

    attempt = _reload(attempt)
    assert attempt.status == Status.EXPIRED
    assert attempt.reason == Reason.NO_SMILE


def test_junk_frame_counts_as_a_frame_without_a_face(attempt):
    _put(attempt.pk, JUNK, time.time())

    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.status == Status.OPEN
    assert attempt.frames_processed == 1
    assert attempt.faces_per_frame == {"0": 1}
    assert attempt.tracker["last_problem"] == "no_face"


def test_verify_frame_twice_processes_a_stored_frame_once(attempt):
    _put(attempt.pk, frame_jpeg(OBAMA), time.time())

    verify_frame(attempt.pk)
    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.frames_processed == 1
    assert attempt.faces_per_frame == {"1": 1}


def test_verify_frame_takes_only_the_newest_of_waiting_frames(attempt):
    now = time.time()
    _put(attempt.pk, JUNK, now)
    _put(attempt.pk, frame_jpeg(OBAMA), now + STEP)

    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.frames_processed == 1
    assert attempt.faces_per_frame == {"1": 1}
    assert attempt.frames_received == 2


def test_verify_frame_releases_the_inflight_flag(attempt, sent_tasks):
    assert _put(attempt.pk, frame_jpeg(OBAMA), time.time()) is True
    assert _put(attempt.pk, frame_jpeg(OBAMA), time.time()) is False  # in flight

    verify_frame(attempt.pk)

    assert sent_tasks == []
    assert _put(attempt.pk, frame_jpeg(OBAMA), time.time()) is True


def test_frame_arriving_while_the_task_runs_sends_the_next_task(
    attempt, sent_tasks, monkeypatch
):
    real_process = tasks.attempt_process_frame

    def process_while_a_frame_arrives(*, attempt_id, frame):
        assert _put(attempt_id, JUNK, frame.received_at + STEP) is False
        real_process(attempt_id=attempt_id, frame=frame)

    monkeypatch.setattr(tasks, "attempt_process_frame", process_while_a_frame_arrives)
    _put(attempt.pk, frame_jpeg(OBAMA), time.time())

    verify_frame(attempt.pk)

    assert [task["args"] for task in sent_tasks] == [(attempt.pk,)]
    assert "priority" not in sent_tasks[0]["options"]  # still taking a baseline
    assert frames.frame_take(attempt.pk).data == JUNK


def test_next_task_jumps_the_queue_once_the_shopper_is_asked_to_smile(
    attempt, sent_tasks, monkeypatch
):
    prompt_at = _reach_prompt(attempt)
    real_process = tasks.attempt_process_frame

    def process_while_a_frame_arrives(*, attempt_id, frame):
        _put(attempt_id, frame_jpeg(OBAMA), frame.received_at + STEP)
        return real_process(attempt_id=attempt_id, frame=frame)

    monkeypatch.setattr(tasks, "attempt_process_frame", process_while_a_frame_arrives)
    _put(attempt.pk, frame_jpeg(OBAMA), prompt_at + STEP)

    verify_frame(attempt.pk)

    (task,) = sent_tasks
    assert task["args"] == (attempt.pk,)
    assert task["options"]["priority"] == tasks.PRIORITY_CHALLENGE


def test_verify_frame_without_a_frame_does_nothing(attempt, sent_tasks):
    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.frames_processed == 0
    assert attempt.status == Status.OPEN
    assert sent_tasks == []


def test_verify_frame_ignores_a_decided_attempt(attempt, verdicts):
    attempt_decide(attempt=attempt, status=Status.DECLINED, reason=Reason.NO_MATCH)
    _put(attempt.pk, frame_jpeg(OBAMA), time.time())

    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.status == Status.DECLINED
    assert attempt.frames_processed == 0
    assert len(verdicts) == 1


# --- deadlines and repeated verdicts -----------------------------------------------


def test_smile_after_the_deadline_expires_the_attempt_instead_of_approving(
    attempt, verdicts
):
    prompt_at = _reach_prompt(attempt)
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    _put(attempt.pk, frame_jpeg(OBAMA_PORTRAIT), prompt_at + 0.5)
    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.status == Status.EXPIRED
    assert attempt.reason == Reason.NO_SMILE
    assert [a.status for a in verdicts] == [Status.EXPIRED]


def test_approval_past_the_deadline_is_refused(attempt, verdicts):
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    attempt = _reload(attempt)

    decided = attempt_decide(
        attempt=attempt, status=Status.APPROVED, reason=Reason.MATCHED_AND_SMILED
    )

    assert decided is None
    assert _reload(attempt).status == Status.OPEN
    assert verdicts == []


def test_attempt_decide_twice_decides_and_announces_once(attempt, verdicts):
    first = attempt_decide(
        attempt=attempt, status=Status.DECLINED, reason=Reason.NO_MATCH
    )
    second = attempt_decide(
        attempt=attempt, status=Status.APPROVED, reason=Reason.MATCHED_AND_SMILED
    )

    assert first is not None
    assert first.status == Status.DECLINED
    assert second is None
    assert _reload(attempt).status == Status.DECLINED
    assert [a.pk for a in verdicts] == [attempt.pk]


# --- the task itself ----------------------------------------------------------------


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


# --- lockout --------------------------------------------------------------------


def _fail(user, reason=Reason.NO_MATCH) -> VerificationAttempt:
    attempt = attempt_start(user=user, purpose="payment", reference="SP-1")
    return attempt_decide(attempt=attempt, status=Status.DECLINED, reason=reason)


def _minutes_pass(user, minutes: float) -> None:
    """Move the user's attempts `minutes` into the past."""
    VerificationAttempt.objects.filter(user=user).update(
        started_at=F("started_at") - timedelta(minutes=minutes),
        decided_at=F("decided_at") - timedelta(minutes=minutes),
        deadline=F("deadline") - timedelta(minutes=minutes),
    )


def _last_decided(user):
    return (
        VerificationAttempt.objects.filter(user=user)
        .order_by("-decided_at")
        .first()
        .decided_at
    )


def test_five_failures_in_a_row_lock_face_payment(enrolled):
    for _ in range(LOCK_AFTER_FAILURES - 1):
        _fail(enrolled)
    assert not face_lock_of(enrolled).locked
    assert face_lock_of(enrolled).tries_left == 1

    last = _fail(enrolled)

    lock = face_lock_of(enrolled)
    assert lock.locked
    assert lock.failures == LOCK_AFTER_FAILURES
    assert lock.tries_left == 0
    assert lock.until == last.decided_at + timedelta(minutes=1)
    with pytest.raises(FaceLocked) as raised:
        attempt_start(user=enrolled, purpose="payment", reference="SP-2")
    assert raised.value.until == lock.until


def test_expired_attempts_count_towards_the_lockout(enrolled):
    for _ in range(LOCK_AFTER_FAILURES):
        attempt = attempt_start(user=enrolled, purpose="payment", reference="SP-1")
        attempt_decide(attempt=attempt, status=Status.EXPIRED, reason=Reason.NO_SMILE)

    assert face_lock_of(enrolled).locked


def test_lock_doubles_with_every_further_failure(enrolled):
    for _ in range(LOCK_AFTER_FAILURES):
        _fail(enrolled)
    _minutes_pass(enrolled, 1.5)
    assert not face_lock_of(enrolled).locked

    sixth = _fail(enrolled)

    lock = face_lock_of(enrolled)
    assert lock.failures == 6
    assert lock.until == sixth.decided_at + timedelta(minutes=2)
    assert lock.locked
    _minutes_pass(enrolled, 2.5)
    assert not face_lock_of(enrolled).locked

    seventh = _fail(enrolled)

    assert face_lock_of(enrolled).until == seventh.decided_at + timedelta(minutes=4)


def test_lock_never_exceeds_a_day(enrolled):
    for _ in range(30):
        VerificationAttempt.objects.create(
            user=enrolled,
            purpose="payment",
            reference="SP-1",
            status=Status.DECLINED,
            reason=Reason.NO_MATCH,
            deadline=timezone.now(),
            decided_at=timezone.now(),
        )

    lock = face_lock_of(enrolled)

    assert lock.failures == 30
    assert lock.until - _last_decided(enrolled) == timedelta(days=1)


def test_approval_resets_the_failure_count(enrolled):
    for _ in range(LOCK_AFTER_FAILURES - 1):
        _fail(enrolled)
    attempt = attempt_start(user=enrolled, purpose="payment", reference="SP-1")

    attempt_decide(
        attempt=attempt, status=Status.APPROVED, reason=Reason.MATCHED_AND_SMILED
    )

    lock = face_lock_of(enrolled)
    assert lock.failures == 0
    assert lock.tries_left == LOCK_AFTER_FAILURES
    _fail(enrolled)
    assert face_lock_of(enrolled).failures == 1


def test_approval_after_a_lock_unlocks(enrolled):
    for _ in range(LOCK_AFTER_FAILURES):
        _fail(enrolled)
    _minutes_pass(enrolled, 1.5)
    attempt = attempt_start(user=enrolled, purpose="payment", reference="SP-1")

    attempt_decide(
        attempt=attempt, status=Status.APPROVED, reason=Reason.MATCHED_AND_SMILED
    )
    _fail(enrolled)

    lock = face_lock_of(enrolled)
    assert not lock.locked
    assert lock.failures == 1


@pytest.mark.parametrize(
    "reason", [Reason.REPLACED, Reason.KEYS_UNAVAILABLE, Reason.NOT_ENROLLED]
)
def test_failures_that_are_not_the_shoppers_do_not_count(enrolled, reason):
    for _ in range(LOCK_AFTER_FAILURES + 1):
        _fail(enrolled, reason=reason)

    assert face_lock_of(enrolled).failures == 0
    assert not face_lock_of(enrolled).locked


def test_replaced_attempt_does_not_count_towards_the_lockout(enrolled):
    older = attempt_start(user=enrolled, purpose="payment", reference="SP-1")

    attempt_start(user=enrolled, purpose="payment", reference="SP-1")

    older = _reload(older)
    assert (older.status, older.reason) == (Status.EXPIRED, Reason.REPLACED)
    assert face_lock_of(enrolled).failures == 0
