"""Abuse of the face check that is not one socket's business (issue 7, Abuse).

- The lockout under parallel starts: real threads released together by a barrier,
  on PostgreSQL's row locks (skipped on SQLite, which takes one writer at a time).

Recordings, photo swaps and other people are measured by liveness_eval
(faceauth/pad.py, faceauth/tests/test_pad.py) and played through the real pipeline
in test_checks.py.

The websocket's own abuse cases (logout, sizes, junk, floods, replayed frames) are
in test_consumers.py, against the real channel layer.
"""

import time

import pytest

from faceauth.exceptions import FaceLocked
from faceauth.models import VerificationAttempt
from faceauth.services.attempts import attempt_decide, attempt_start
from faceauth.services.lockout import LOCK_AFTER_FAILURES, face_lock_of
from shop.tests.concurrency import run_together
from shop.tests.factories import UserFactory

from .factories import OBAMA, attempt_failures, face_enrol

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason
PAYMENT = VerificationAttempt.Purpose.PAYMENT
THREADS = 6
ROUNDS = 5


# --- the lockout, from parallel starts ---------------------------------------------


def _starter(user, reference):
    return lambda: attempt_start(user=user, purpose=PAYMENT, reference=reference)


def _open_attempts(user):
    return list(VerificationAttempt.objects.filter(user=user, status=Status.OPEN))


def _assert_never_two_open_at_once(user):
    """Each attempt was decided before the next one started."""
    attempts = list(
        VerificationAttempt.objects.filter(user=user).order_by("started_at", "pk")
    )
    for earlier, later in zip(attempts, attempts[1:], strict=False):
        assert earlier.decided_at is not None, (earlier, later)
        assert earlier.decided_at <= later.started_at, (earlier, later)


@pytest.fixture
def tried_four_times(transactional_db):
    """An enrolled shopper with four failed face checks in a row: one try left."""
    user = UserFactory(username="racer")
    face_enrol(user, OBAMA)
    attempt_failures(user, LOCK_AFTER_FAILURES - 1)
    return user


@pytest.mark.parametrize("references", ["same", "different"])
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_starts_leave_one_open_attempt_and_never_two_at_once(
    tried_four_times, references
):
    user = tried_four_times
    for round_ in range(ROUNDS):
        calls = [
            _starter(user, "SP-1" if references == "same" else f"SP-{round_}-{i}")
            for i in range(THREADS)
        ]

        outcomes = run_together(calls)

        assert [o.error for o in outcomes] == [None] * THREADS
        assert len(_open_attempts(user)) == 1
        _assert_never_two_open_at_once(user)
        # Replaced before any frame was judged: no try was used up.
        assert face_lock_of(user).failures == LOCK_AFTER_FAILURES - 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_starts_after_the_fifth_failure_are_all_locked(tried_four_times):
    user = tried_four_times
    last = attempt_start(user=user, purpose=PAYMENT, reference="SP-1")
    attempt_decide(attempt=last, status=Status.DECLINED, reason=Reason.NO_MATCH)

    outcomes = run_together([_starter(user, f"SP-{i % 2}") for i in range(THREADS)])

    assert all(isinstance(o.error, FaceLocked) for o in outcomes), outcomes
    assert _open_attempts(user) == []
    assert face_lock_of(user).locked


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_fifth_failure_racing_new_starts_never_gives_a_sixth_try(
    tried_four_times,
):
    """The last try is declined while other tabs start checks: either a start came
    first (the last try was replaced, not failed, and one new check is open) or the
    decline came first (locked, and nothing is open). Never locked with a check open,
    which would be a sixth try."""
    user = tried_four_times
    seen = set()
    # The starts take a few milliseconds to reach the last try: delay the decline by
    # less each round, so that it lands after the starts, among them, then first.
    delays = [step / 100 for step in range(10, -1, -1)]
    for round_, delay in enumerate(delays):
        last = attempt_start(user=user, purpose=PAYMENT, reference=f"SP-{round_}")

        def decline(last=last, delay=delay):
            time.sleep(delay)
            return attempt_decide(
                attempt=last, status=Status.DECLINED, reason=Reason.NO_MATCH
            )

        outcomes = run_together(
            [decline] + [_starter(user, f"SP-{round_}-{i}") for i in range(THREADS - 1)]
        )

        lock = face_lock_of(user)
        open_now = _open_attempts(user)
        errors = [o.error for o in outcomes[1:]]
        if lock.locked:
            seen.add("declined first")
            assert open_now == [], "locked, yet a check is open: a sixth try"
            assert any(isinstance(error, FaceLocked) for error in errors)
            break  # locked: no more rounds
        seen.add("a start first")
        assert lock.failures == LOCK_AFTER_FAILURES - 1
        assert len(open_now) == 1
        assert errors == [None] * (THREADS - 1)
        for attempt in _open_attempts(user):  # start the next round clean
            attempt_decide(
                attempt=attempt, status=Status.EXPIRED, reason=Reason.REPLACED
            )
    print(f"\noutcomes seen: {sorted(seen)}, last delay {delay * 1000:.0f} ms")
