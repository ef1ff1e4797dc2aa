"""Verification attempts as services: start, state, verdicts, lockout, expiry, audit.

No websockets here: verdicts go through attempt_decide, as the Celery task gives
them; where a test needs real frames, faceauth/tests/live.py films them through
the task.
"""

import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from cryptography.fernet import Fernet
from django.utils import timezone

from core.transitions import TransitionNotAllowed
from faceauth import frames as frame_store
from faceauth import liveness, messages
from faceauth.exceptions import (
    FaceKeysMissing,
    FaceLocked,
    NotEnrolled,
    TemplateUnreadable,
)
from faceauth.models import VerificationAttempt
from faceauth.services.attempts import (
    attempt_decide,
    attempt_expire_if_overdue,
    attempt_start,
    attempt_state,
    attempt_stop_signed_out,
    attempts_expire_overdue,
)
from faceauth.services.evidence import attempt_evidence
from faceauth.services.lockout import LOCK_AFTER_FAILURES, face_lock_of
from faceauth.signals import attempt_decided
from faceauth.tests.factories import (
    OBAMA,
    attempt_failures,
    attempt_make,
    attempt_make_overdue,
    face_enrol,
    frame_jpeg,
    probe_encoding,
)
from faceauth.tests.live import fix_draws, play_genuine

pytestmark = pytest.mark.django_db

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason
PAYMENT = VerificationAttempt.Purpose.PAYMENT


@pytest.fixture
def enrolled(shopper):
    face_enrol(shopper, OBAMA)
    return shopper


@pytest.fixture
def decisions():
    """Every attempt_decided announcement, as (pk, status, reason)."""
    heard = []

    def listen(sender, attempt, **kwargs):
        heard.append((attempt.pk, attempt.status, attempt.reason))

    uid = "faceauth.tests.test_attempts.decisions"
    attempt_decided.connect(listen, sender=VerificationAttempt, dispatch_uid=uid)
    yield heard
    attempt_decided.disconnect(sender=VerificationAttempt, dispatch_uid=uid)


def _start(user, reference="SP-1", **kwargs):
    return attempt_start(user=user, purpose=PAYMENT, reference=reference, **kwargs)


def _reload(attempt):
    return VerificationAttempt.objects.get(pk=attempt.pk)


# attempt_start -----------------------------------------------------------------------


def test_attempt_start_refuses_a_user_who_is_not_enrolled(shopper):
    with pytest.raises(NotEnrolled):
        _start(shopper)

    assert not VerificationAttempt.objects.exists()


def test_attempt_start_refuses_templates_no_configured_key_can_read(enrolled, settings):
    settings.FACEAUTH_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(TemplateUnreadable):
        _start(enrolled)

    assert not VerificationAttempt.objects.exists()


def test_attempt_start_without_keys_says_the_keys_are_missing(enrolled, settings):
    settings.FACEAUTH_KEYS = []

    with pytest.raises(FaceKeysMissing):
        _start(enrolled)

    assert not VerificationAttempt.objects.exists()


def test_attempt_start_opens_an_attempt_for_the_configured_time(enrolled, settings):
    settings.FACEAUTH_ATTEMPT_SECONDS = 45
    before = timezone.now()

    attempt = _start(enrolled, reference="SP-42")

    after = timezone.now()
    attempt = _reload(attempt)
    assert attempt.user == enrolled
    assert attempt.purpose == PAYMENT
    assert attempt.reference == "SP-42"
    assert attempt.status == Status.OPEN
    assert attempt.decided_at is None
    assert before <= attempt.started_at <= after
    assert attempt.deadline == attempt.started_at + timedelta(seconds=45)


def test_attempt_start_never_runs_past_the_deadline_cap(enrolled):
    cap = timezone.now() + timedelta(seconds=10)

    attempt = _start(enrolled, deadline_cap=cap)

    assert _reload(attempt).deadline == cap


def test_attempt_start_with_a_far_deadline_cap_keeps_its_own_window(enrolled, settings):
    settings.FACEAUTH_ATTEMPT_SECONDS = 30

    attempt = _start(enrolled, deadline_cap=timezone.now() + timedelta(hours=1))

    attempt = _reload(attempt)
    assert attempt.deadline == attempt.started_at + timedelta(seconds=30)


def test_attempt_start_records_the_ip_address_and_a_truncated_user_agent(enrolled):
    agent = "Mozilla/5.0 " + "x" * 400

    attempt = _start(enrolled, ip_address="203.0.113.7", user_agent=agent)

    attempt = _reload(attempt)
    assert attempt.ip_address == "203.0.113.7"
    assert attempt.user_agent == agent[:256]
    assert len(attempt.user_agent) == 256


def test_attempt_start_again_for_the_same_reference_replaces_the_open_one(
    enrolled, decisions
):
    first = _start(enrolled, reference="SP-1")

    second = _start(enrolled, reference="SP-1")

    first = _reload(first)
    assert first.status == Status.EXPIRED
    assert first.reason == Reason.REPLACED
    assert first.decided_at is not None
    assert _reload(second).status == Status.OPEN
    assert list(VerificationAttempt.objects.filter(status=Status.OPEN)) == [second]
    assert decisions == [(first.pk, Status.EXPIRED, Reason.REPLACED)]


def test_attempt_start_for_another_reference_replaces_the_open_one_too(enrolled):
    # One try at a time: two orders in two tabs must not give two tries at once.
    first = _start(enrolled, reference="SP-1")

    second = _start(enrolled, reference="SP-2")

    assert (_reload(first).status, _reload(first).reason) == (
        Status.EXPIRED,
        Reason.REPLACED,
    )
    assert list(VerificationAttempt.objects.filter(status=Status.OPEN)) == [second]


def test_attempt_start_leaves_another_users_attempt_open(enrolled, other_shopper):
    face_enrol(other_shopper, OBAMA)
    theirs = _start(other_shopper)

    _start(enrolled)

    assert _reload(theirs).status == Status.OPEN


def test_replaced_attempts_do_not_count_towards_the_lockout(enrolled):
    for _ in range(LOCK_AFTER_FAILURES + 2):
        _start(enrolled)

    lock = face_lock_of(enrolled)
    assert VerificationAttempt.objects.filter(reason=Reason.REPLACED).count() == 6
    assert lock.failures == 0
    assert not lock.locked
    assert lock.tries_left == LOCK_AFTER_FAILURES
    assert _start(enrolled).status == Status.OPEN


def test_restarting_after_the_first_cue_counts_as_a_failure(enrolled):
    # Once the first cue went out, starting over must not be a free try.
    for _ in range(LOCK_AFTER_FAILURES):
        attempt = _start(enrolled)
        VerificationAttempt.objects.filter(pk=attempt.pk).update(
            challenge_at=timezone.now()
        )
    with pytest.raises(FaceLocked):
        _start(enrolled)

    assert face_lock_of(enrolled).failures == LOCK_AFTER_FAILURES
    assert VerificationAttempt.objects.filter(reason=Reason.NO_RESPONSE).count() == 5


def test_restarting_after_the_deadline_counts_the_old_attempt_as_timed_out(enrolled):
    old = _start(enrolled)
    VerificationAttempt.objects.filter(pk=old.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    _start(enrolled)

    assert _reload(old).reason == Reason.TIMED_OUT
    assert face_lock_of(enrolled).failures == 1


# attempt_state -------------------------------------------------------------------------


def test_attempt_state_of_an_open_attempt_is_streaming_and_not_final(shopper):
    attempt = attempt_make(shopper)

    state = attempt_state(attempt)

    assert state["state"] == "streaming"
    assert state["cue"] == "neutral"
    assert state["final"] is False
    assert state["message"] == messages.HINTS["baseline"]
    assert state["deadline"] == attempt.deadline.isoformat()


def test_attempt_state_while_a_cue_is_shown_names_it(shopper):
    tracker = liveness.Tracker(
        cues=["smile", "turn-left", "open-mouth"],
        phase=liveness.Phase.CUE,
        index=1,
        cue_at=time.time(),
    )
    attempt = attempt_make(shopper, tracker=tracker.to_dict())

    state = attempt_state(attempt)

    assert state["state"] == "challenge"
    assert state["cue"] == "turn-left"
    assert state["message"] == "Now turn your head to your left"
    assert state["final"] is False


@pytest.mark.parametrize(
    "phase", [liveness.Phase.BASELINE, liveness.Phase.WAITING, liveness.Phase.RELAX]
)
def test_attempt_state_never_tells_a_cue_before_it_goes_out(shopper, phase):
    tracker = liveness.Tracker(cues=["open-mouth"] * 3, phase=phase)
    attempt = attempt_make(shopper, tracker=tracker.to_dict())

    state = attempt_state(attempt)

    assert (state["state"], state["cue"]) == ("streaming", "neutral")
    assert "mouth" not in state["message"]


def test_attempt_state_of_an_approved_attempt_is_final(shopper):
    attempt = attempt_make(
        shopper, status=Status.APPROVED, reason=Reason.MATCHED_AND_LIVE
    )

    state = attempt_state(attempt)

    assert state["state"] == "approved"
    assert state["final"] is True
    assert state["message"] == "Approved! Thank you."


def test_attempt_state_of_a_declined_attempt_says_why_and_how_many_tries_are_left(
    shopper,
):
    attempt = attempt_make(shopper, status=Status.DECLINED, reason=Reason.NO_MATCH)

    state = attempt_state(attempt)

    assert state["state"] == "declined"
    assert state["final"] is True
    assert state["reason"] == Reason.NO_MATCH
    assert state["tries_left"] == LOCK_AFTER_FAILURES - 1
    assert state["message"] == (
        "That face does not match the one enrolled on this account. "
        "4 face tries left, or use your password."
    )


def test_attempt_state_of_an_expired_attempt_says_time_ran_out(shopper):
    attempt_failures(shopper, 2, last_at=timezone.now() - timedelta(minutes=1))
    attempt = attempt_make(shopper, status=Status.EXPIRED, reason=Reason.TIMED_OUT)

    state = attempt_state(attempt)

    assert state["state"] == "expired"
    assert state["final"] is True
    assert state["tries_left"] == 2
    assert state["message"] == "Time ran out. 2 face tries left, or use your password."


def test_attempt_state_of_a_replaced_attempt_does_not_count_down_tries(shopper):
    attempt = attempt_make(shopper, status=Status.EXPIRED, reason=Reason.REPLACED)

    state = attempt_state(attempt)

    assert state["state"] == "expired"
    assert state["message"] == "A newer face check took over from this one."
    assert state["tries_left"] == LOCK_AFTER_FAILURES


def test_attempt_state_after_the_fifth_failure_is_locked_and_points_to_the_password(
    shopper,
):
    *_, last = attempt_failures(shopper, LOCK_AFTER_FAILURES)

    state = attempt_state(last)

    until = timezone.localtime(last.decided_at + timedelta(minutes=1))
    assert state["state"] == "locked"
    assert state["final"] is True
    assert state["tries_left"] == 0
    assert f"locked until {until:%H:%M}" in state["message"]
    assert "password" in state["message"]


def test_attempt_state_of_an_approval_is_not_locked_by_older_failures(shopper):
    attempt_failures(shopper, LOCK_AFTER_FAILURES)
    attempt = attempt_make(
        shopper, status=Status.APPROVED, reason=Reason.MATCHED_AND_LIVE
    )
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        decided_at=timezone.now() - timedelta(hours=1)
    )

    assert attempt_state(_reload(attempt))["state"] == "approved"


# The lockout ---------------------------------------------------------------------------


def test_four_failures_in_a_row_leave_one_try(enrolled):
    attempt_failures(enrolled, LOCK_AFTER_FAILURES - 1)

    lock = face_lock_of(enrolled)

    assert lock.failures == 4
    assert not lock.locked
    assert lock.tries_left == 1
    assert _start(enrolled).status == Status.OPEN


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(5, 1), (6, 2), (7, 4), (8, 8), (16, 24 * 60), (40, 24 * 60)],
)
def test_failures_in_a_row_lock_face_pay_for_a_doubling_time_capped_at_a_day(
    shopper, failures, minutes
):
    last_at = timezone.now() - timedelta(seconds=10)
    attempt_failures(shopper, failures, last_at=last_at)

    lock = face_lock_of(shopper)

    assert lock.failures == failures
    assert lock.until == last_at + timedelta(minutes=minutes)
    assert lock.locked
    assert lock.tries_left == 0


def test_a_locked_user_cannot_start_a_face_check(enrolled):
    *_, last = attempt_failures(enrolled, LOCK_AFTER_FAILURES)

    with pytest.raises(FaceLocked) as raised:
        _start(enrolled)

    assert raised.value.until == last.decided_at + timedelta(minutes=1)
    assert "password" in str(raised.value)
    assert not VerificationAttempt.objects.filter(status=Status.OPEN).exists()


def test_when_the_lock_ends_one_more_failure_locks_for_twice_as_long(enrolled):
    attempt_failures(
        enrolled, LOCK_AFTER_FAILURES, last_at=timezone.now() - timedelta(seconds=61)
    )
    assert not face_lock_of(enrolled).locked

    attempt = attempt_decide(
        attempt=_start(enrolled), status=Status.DECLINED, reason=Reason.NO_MATCH
    )

    lock = face_lock_of(enrolled)
    assert lock.failures == LOCK_AFTER_FAILURES + 1
    assert lock.until == attempt.decided_at + timedelta(minutes=2)
    assert lock.locked


def test_an_approval_between_failures_resets_the_count(shopper):
    attempt_failures(shopper, 4, last_at=timezone.now() - timedelta(minutes=10))
    attempt_make(
        shopper,
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_LIVE,
        decided_at=timezone.now() - timedelta(minutes=5),
    )
    attempt_failures(shopper, 4)

    lock = face_lock_of(shopper)

    assert lock.failures == 4
    assert not lock.locked


def test_an_approval_after_five_failures_unlocks(shopper):
    attempt_failures(shopper, 5, last_at=timezone.now() - timedelta(seconds=30))
    attempt_make(shopper, status=Status.APPROVED, reason=Reason.MATCHED_AND_LIVE)

    lock = face_lock_of(shopper)

    assert lock.failures == 0
    assert not lock.locked


@pytest.mark.parametrize(
    "reason", [Reason.REPLACED, Reason.KEYS_UNAVAILABLE, Reason.NOT_ENROLLED]
)
def test_failures_that_are_not_the_shoppers_do_not_count(shopper, reason):
    attempt_failures(shopper, 4)
    attempt_make(shopper, status=Status.DECLINED, reason=reason)

    assert face_lock_of(shopper).failures == 4
    assert not face_lock_of(shopper).locked


def test_another_users_failures_do_not_lock_me(shopper, other_shopper):
    attempt_failures(other_shopper, 10)

    assert face_lock_of(other_shopper).locked
    assert face_lock_of(shopper).failures == 0
    assert not face_lock_of(shopper).locked


def test_open_attempts_do_not_count_as_failures(shopper):
    attempt_failures(shopper, 4)
    attempt_make(shopper)

    assert face_lock_of(shopper).failures == 4


# attempt_decide ------------------------------------------------------------------------


def test_attempt_decide_stores_the_verdict_and_its_fields(shopper):
    attempt = attempt_make(shopper)

    decided = attempt_decide(
        attempt=attempt,
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_LIVE,
        liveness={"distances": [0.31, 0.35], "rise": 0.4},
        best_distance=0.31,
    )

    stored = _reload(attempt)
    assert decided == stored
    assert stored.status == Status.APPROVED
    assert stored.reason == Reason.MATCHED_AND_LIVE
    assert stored.decided_at is not None
    assert stored.liveness == {"distances": [0.31, 0.35], "rise": 0.4}
    assert stored.best_distance == 0.31
    assert stored.timings["attempt_ms"] >= 0


def test_attempt_decide_twice_keeps_the_first_verdict(shopper, decisions):
    attempt = attempt_make(shopper)
    first = attempt_decide(
        attempt=attempt, status=Status.DECLINED, reason=Reason.NO_MATCH
    )

    second = attempt_decide(
        attempt=attempt, status=Status.APPROVED, reason=Reason.MATCHED_AND_LIVE
    )

    assert first is not None
    assert second is None
    stored = _reload(attempt)
    assert (stored.status, stored.reason) == (Status.DECLINED, Reason.NO_MATCH)
    assert stored.decided_at == first.decided_at
    assert decisions == [(attempt.pk, Status.DECLINED, Reason.NO_MATCH)]


def test_attempt_decide_never_approves_after_the_deadline(shopper, decisions):
    attempt = attempt_make_overdue(attempt_make(shopper))

    decided = attempt_decide(
        attempt=attempt, status=Status.APPROVED, reason=Reason.MATCHED_AND_LIVE
    )

    assert decided is None
    stored = _reload(attempt)
    assert stored.status == Status.OPEN
    assert stored.reason == ""
    assert stored.decided_at is None
    assert decisions == []


def test_attempt_decide_still_expires_an_attempt_after_the_deadline(shopper):
    attempt = attempt_make_overdue(attempt_make(shopper))

    decided = attempt_decide(
        attempt=attempt, status=Status.EXPIRED, reason=Reason.TIMED_OUT
    )

    assert decided is not None
    assert _reload(attempt).status == Status.EXPIRED


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Status.APPROVED, Reason.MATCHED_AND_LIVE),
        (Status.DECLINED, Reason.SEVERAL_FACES),
        (Status.EXPIRED, Reason.TIMED_OUT),
    ],
)
def test_attempt_decided_is_announced_once_per_decision(
    shopper, decisions, status, reason
):
    attempt = attempt_make(shopper)

    for _ in range(3):
        attempt_decide(attempt=attempt, status=status, reason=reason)

    assert decisions == [(attempt.pk, status, reason)]


def test_attempt_decide_refuses_to_reopen_an_attempt(shopper):
    attempt = attempt_make(shopper)

    with pytest.raises(TransitionNotAllowed):
        attempt_decide(attempt=attempt, status=Status.OPEN, reason="")

    assert _reload(attempt).status == Status.OPEN


# Expiry --------------------------------------------------------------------------------


def test_attempts_expire_overdue_expires_only_open_attempts_past_their_deadline(
    shopper, other_shopper, decisions
):
    overdue = [
        attempt_make(shopper, seconds=-1),
        attempt_make(other_shopper, seconds=-60),
    ]
    running = attempt_make(shopper, reference="SP-2", seconds=30)
    declined = attempt_make(
        shopper, status=Status.DECLINED, reason=Reason.NO_MATCH, seconds=-60
    )

    assert attempts_expire_overdue() == 2

    for attempt in overdue:
        stored = _reload(attempt)
        assert (stored.status, stored.reason) == (Status.EXPIRED, Reason.TIMED_OUT)
        assert stored.decided_at is not None
    assert _reload(running).status == Status.OPEN
    assert _reload(declined).status == Status.DECLINED
    assert sorted(pk for pk, _, _ in decisions) == sorted(a.pk for a in overdue)


def test_attempts_expire_overdue_twice_changes_nothing_more(shopper, decisions):
    attempt = attempt_make(shopper, seconds=-1)
    attempts_expire_overdue()
    decided_at = _reload(attempt).decided_at

    assert attempts_expire_overdue() == 0

    assert _reload(attempt).decided_at == decided_at
    assert len(decisions) == 1


@pytest.mark.parametrize(
    ("tracker", "reason"),
    [
        ({}, Reason.TIMED_OUT),
        ({"last_problem": "no_face"}, Reason.NO_FACE),
        ({"last_problem": "several_faces"}, Reason.SEVERAL_FACES),
        ({"last_problem": "moved_early"}, Reason.MOVED_EARLY),
        ({"last_problem": "baseline_dropped"}, Reason.MOVED_EARLY),
        ({"last_problem": "wrong_move"}, Reason.WRONG_MOVE),
        ({"last_problem": "no_return"}, Reason.NO_RETURN),
        ({"phase": liveness.Phase.CUE, "cues": ["smile"]}, Reason.NO_RESPONSE),
        (
            {"phase": liveness.Phase.CUE, "cues": ["smile"], "cue_jumps": 1},
            Reason.NOT_CONTINUOUS,
        ),
    ],
)
def test_an_expired_attempt_names_what_went_wrong_last(shopper, tracker, reason):
    attempt = attempt_make(
        shopper, seconds=-1, tracker=liveness.Tracker(**tracker).to_dict()
    )

    assert attempt_expire_if_overdue(attempt) is True

    assert _reload(attempt).reason == reason


def test_attempt_expire_if_overdue_leaves_a_running_attempt_open(shopper):
    attempt = attempt_make(shopper, seconds=30)

    assert attempt_expire_if_overdue(attempt) is False

    assert _reload(attempt).status == Status.OPEN


# Evidence and the audit record ---------------------------------------------------------


def test_attempt_evidence_reports_the_worst_distance_the_cues_and_the_time(shopper):
    attempt = attempt_make(shopper)
    answers = [
        {"cue": "smile", "reaction_s": 0.52, "answered_s": 0.8, "frames": 7},
        {"cue": "turn-right", "reaction_s": 0.61, "answered_s": 0.9, "frames": 6},
    ]
    decided = attempt_decide(
        attempt=attempt,
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_LIVE,
        liveness={"distances": [0.3121, 0.3549, 0.3302], "answers": answers},
        frames_processed=12,
    )

    evidence = attempt_evidence(decided)

    assert evidence["attempt"] == str(attempt.public_id)
    assert evidence["distance"] == 0.35
    assert evidence["answered_on_cue"] is True
    assert evidence["cues"] == ["smile", "turn-right"]
    assert evidence["reaction_s"] == [0.52, 0.61]
    assert evidence["frames"] == 12
    assert evidence["seconds"] == round(
        (decided.decided_at - decided.started_at).total_seconds(), 1
    )
    assert evidence["seconds"] >= 5  # attempt_make started it 5 s ago


def test_attempt_evidence_without_an_answer_or_a_match_says_so(shopper):
    attempt = attempt_make(shopper, status=Status.DECLINED, reason=Reason.NO_RESPONSE)

    evidence = attempt_evidence(attempt)

    assert evidence["distance"] is None
    assert evidence["answered_on_cue"] is False
    assert evidence["cues"] == []


ENCODING_LIKE = 64  # a list this long of numbers looks like (part of) an encoding


def _biometric_like(value, where="") -> list[str]:
    """Where in a row's values something could be an image or a face encoding."""
    if isinstance(value, bytes | bytearray | memoryview):
        return [where]
    if isinstance(value, str):
        return [where] if len(value) > 512 else []  # e.g. a base64 picture
    if isinstance(value, dict):
        return [
            hit for key, item in value.items() for hit in _biometric_like(item, key)
        ]
    if isinstance(value, list | tuple):
        if len(value) >= ENCODING_LIKE and all(
            isinstance(item, int | float) for item in value
        ):
            return [where]
        return [hit for item in value for hit in _biometric_like(item, where)]
    return []


def test_the_audit_scan_would_notice_an_encoding_or_a_picture():
    encoding = probe_encoding(OBAMA)

    assert _biometric_like({"liveness": {"enc": encoding.tolist()}}) == ["enc"]
    assert _biometric_like({"frame": frame_jpeg(OBAMA)}) == ["frame"]
    assert _biometric_like({"tracker": {"samples": [0.8, 0.81, 0.8]}}) == []


@pytest.mark.usefixtures("redis_namespace", "sent_tasks")
def test_an_attempt_approved_from_real_frames_keeps_no_image_or_encoding(
    enrolled, monkeypatch
):
    fix_draws(monkeypatch)
    attempt = _start(enrolled, reference="SP-AUDIT")

    play_genuine(attempt, monkeypatch=monkeypatch)

    stored = _reload(attempt)
    assert (stored.status, stored.reason) == (Status.APPROVED, Reason.MATCHED_AND_LIVE)
    distances = stored.liveness["distances"]
    # The neutral face and every answer were encoded (a restart encodes again).
    restarts = stored.liveness["restarts"]
    assert len(distances) >= (1 + liveness.CUES_PER_CHECK) + restarts
    assert all(0 <= distance < 0.59 for distance in distances)
    assert attempt_evidence(stored)["distance"] == round(max(distances), 2)
    row = VerificationAttempt.objects.filter(pk=attempt.pk).values().get()
    assert _biometric_like(row) == []


# Replayed frames and signing out ---------------------------------------------------------


@pytest.fixture
def frame_keys(redis_namespace):
    """This test's attempt keys in Redis, apart from other runs sharing the db."""
    return redis_namespace


def _frames_sent(attempt, *, replayed: int = 0, received: int = 0) -> None:
    """Count frames as the consumer does: dropped as replayed, or stored."""

    async def send():
        client = frame_store.async_client()
        try:
            for _ in range(replayed):
                await frame_store.frame_replayed(client, attempt.pk)
            for _ in range(received):
                await frame_store.frame_put(client, attempt.pk, b"frame", time.time())
        finally:
            await client.aclose()

    async_to_sync(send)()


def test_an_attempt_sent_only_replayed_frames_expires_as_replayed_and_counts(
    shopper, decisions, frame_keys
):
    attempt_failures(shopper, 1)
    attempt = attempt_make(shopper, seconds=-1)
    _frames_sent(attempt, replayed=3)

    assert attempt_expire_if_overdue(attempt) is True

    expired = _reload(attempt)
    assert (expired.status, expired.reason) == (Status.EXPIRED, Reason.REPLAYED)
    assert expired.timings["frames_replayed"] == 3
    assert decisions == [(attempt.pk, Status.EXPIRED, Reason.REPLAYED)]
    assert face_lock_of(shopper).failures == 2
    assert attempt_state(expired)["message"] == (
        "This picture was already used; a live camera is needed. "
        "3 face tries left, or use your password."
    )


@pytest.mark.parametrize(
    ("received", "processed", "tracker", "reason"),
    [
        (1, 0, {}, Reason.TIMED_OUT),  # a live frame came, the worker never got to it
        (4, 4, {"last_problem": "no_face"}, Reason.NO_FACE),
    ],
)
def test_an_attempt_with_live_frames_after_replayed_ones_expires_as_usual(
    shopper, frame_keys, received, processed, tracker, reason
):
    attempt = attempt_make(
        shopper,
        seconds=-1,
        frames_processed=processed,
        tracker=liveness.Tracker(**tracker).to_dict(),
    )
    _frames_sent(attempt, replayed=2, received=received)

    assert attempt_expire_if_overdue(attempt) is True

    expired = _reload(attempt)
    assert (expired.status, expired.reason) == (Status.EXPIRED, reason)
    assert expired.timings["frames_replayed"] == 2
    assert expired.frames_received == received


def test_attempt_stop_signed_out_expires_it_without_counting_a_failure(
    shopper, decisions
):
    attempt_failures(shopper, LOCK_AFTER_FAILURES - 1)
    attempt = attempt_make(shopper)

    stopped = attempt_stop_signed_out(attempt_id=attempt.pk)

    assert (stopped.status, stopped.reason) == (Status.EXPIRED, Reason.SIGNED_OUT)
    assert decisions == [(attempt.pk, Status.EXPIRED, Reason.SIGNED_OUT)]
    assert face_lock_of(shopper).failures == LOCK_AFTER_FAILURES - 1
    assert attempt_state(stopped)["message"] == (
        "You signed out, so this face check stopped."
    )
