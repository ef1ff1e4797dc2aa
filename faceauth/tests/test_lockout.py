"""The face lockout: failed checks in a row lock face payment for a doubling time."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from faceauth.exceptions import FaceLocked
from faceauth.models import VerificationAttempt
from faceauth.services.attempts import attempt_decide, attempt_start
from faceauth.services.lockout import LOCK_AFTER_FAILURES, face_lock_of

from .factories import OBAMA, OBAMA_PORTRAIT, face_enrol

pytestmark = pytest.mark.django_db

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason


@pytest.fixture
def enrolled(shopper):
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    return shopper


def _reload(attempt) -> VerificationAttempt:
    return VerificationAttempt.objects.get(pk=attempt.pk)


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
        attempt_decide(
            attempt=attempt, status=Status.EXPIRED, reason=Reason.NO_RESPONSE
        )

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
        attempt=attempt, status=Status.APPROVED, reason=Reason.MATCHED_AND_LIVE
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
        attempt=attempt, status=Status.APPROVED, reason=Reason.MATCHED_AND_LIVE
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


@pytest.mark.parametrize(
    "reason",
    [
        Reason.NO_RESPONSE,
        Reason.WRONG_MOVE,
        Reason.MOVED_EARLY,
        Reason.NOT_CONTINUOUS,
        Reason.NO_RETURN,
        Reason.SEVERAL_FACES,
    ],
)
def test_a_check_that_failed_its_cues_counts_towards_the_lockout(enrolled, reason):
    for _ in range(LOCK_AFTER_FAILURES):
        _fail(enrolled, reason=reason)

    assert face_lock_of(enrolled).locked
