"""Live verification attempts: start, one frame at a time, verdict, lockout, expiry."""

import logging
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .. import engine, frames, liveness
from ..exceptions import (
    FaceKeysMissing,
    FaceLocked,
    NotEnrolled,
    TemplateUnreadable,
)
from ..models import VerificationAttempt
from ..push import attempt_push
from ..selectors import templates_of, user_is_enrolled
from ..signals import attempt_decided
from .enrolment import face_match

logger = logging.getLogger(__name__)

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason

LOCK_AFTER_FAILURES = 5
LOCK_FIRST_MINUTES = 1  # then doubled for every further failure
LOCK_MAX_MINUTES = 24 * 60
FAILED = (Status.DECLINED, Status.EXPIRED)
# Not the shopper's failure: not counted towards the lockout.
NOT_COUNTED = (
    Reason.REPLACED,
    Reason.KEYS_UNAVAILABLE,
    Reason.NOT_ENROLLED,
    Reason.SIGNED_OUT,
)

MESSAGES = {
    Status.APPROVED: "Approved! Thank you.",
    Reason.NO_MATCH: "That face does not match the one enrolled on this account.",
    Reason.NO_SMILE: "We did not see a smile when we asked.",
    Reason.SEVERAL_FACES: "More than one face was in the picture.",
    Reason.NO_FACE: "We could not see your face.",
    Reason.TIMED_OUT: "Time ran out.",
    Reason.REPLACED: "A newer face check took over from this one.",
    Reason.KEYS_UNAVAILABLE: "Face payment is unavailable right now.",
    Reason.NOT_ENROLLED: "Set up face payment first.",
    Reason.REPLAYED: "This picture was already used; a live camera is needed.",
    Reason.SIGNED_OUT: "You signed out, so this face check stopped.",
}


@dataclass(frozen=True)
class FaceLock:
    failures: int  # failed attempts in a row
    until: datetime | None

    @property
    def locked(self) -> bool:
        return self.until is not None and self.until > timezone.now()

    @property
    def tries_left(self) -> int:
        return max(0, LOCK_AFTER_FAILURES - self.failures)


def face_lock_of(user) -> FaceLock:
    """Failed attempts since the last approval, and until when face pay is locked."""
    recent = (
        VerificationAttempt.objects.filter(user=user)
        .exclude(status=Status.OPEN)
        .exclude(reason__in=NOT_COUNTED)
        .order_by("-decided_at")
        .values_list("status", "decided_at")[:64]
    )
    failures, last_failure = 0, None
    for status, decided_at in recent:
        if status not in FAILED:
            break
        failures += 1
        last_failure = last_failure or decided_at
    if failures < LOCK_AFTER_FAILURES:
        return FaceLock(failures=failures, until=None)
    minutes = min(
        LOCK_MAX_MINUTES, LOCK_FIRST_MINUTES * 2 ** (failures - LOCK_AFTER_FAILURES)
    )
    return FaceLock(failures=failures, until=last_failure + timedelta(minutes=minutes))


def attempt_start(
    *,
    user,
    purpose: str,
    reference: str = "",
    deadline_cap: datetime | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> VerificationAttempt:
    """Open a face check of `user` for `purpose`; any older open one of the user is
    closed first, so one person streams into one attempt, and has one try at a time.

    Starts of one user take turns on a lock of the user's row: the older attempts,
    the lockout and the new attempt are read and written by one start at a time, so
    parallel starts never leave two attempts open, nor pass the lockout twice.
    """
    if not user_is_enrolled(user):
        raise NotEnrolled("Set up face payment first.")
    templates_of(user)  # unreadable templates fail here, before the camera starts
    with transaction.atomic():
        # FOR NO KEY UPDATE: starts wait for each other; rows that merely refer to
        # the user (orders, ledger lines) do not wait for a start.
        get_user_model().objects.select_for_update(no_key=True).filter(
            pk=user.pk
        ).first()
        for older in VerificationAttempt.objects.filter(user=user, status=Status.OPEN):
            _attempt_close_older(older)
        lock = face_lock_of(user)
        if not lock.locked:
            attempt = _attempt_create(
                user=user,
                purpose=purpose,
                reference=reference,
                deadline_cap=deadline_cap,
                ip_address=ip_address,
                user_agent=user_agent,
            )
    # Raised once the older attempts' closing is committed: they stay closed.
    if lock.locked:
        raise FaceLocked(
            "Too many face checks failed in a row. Face payment is locked until "
            f"{_when(lock.until)}; confirm with your password.",
            until=lock.until,
        )
    logger.info("Attempt %s: started for user #%s", attempt.public_id, user.pk)
    return attempt


def _attempt_close_older(older: VerificationAttempt) -> None:
    if attempt_expire_if_overdue(older):
        return  # it failed on its own: counted as such
    # Once the prompt went out the face had matched: starting over must not
    # give a free try, or the lockout could be dodged by restarting.
    reason = Reason.NO_SMILE if older.challenge_at else Reason.REPLACED
    attempt_decide(attempt=older, status=Status.EXPIRED, reason=reason)


def _attempt_create(
    *, user, purpose, reference, deadline_cap, ip_address, user_agent
) -> VerificationAttempt:
    now = timezone.now()
    deadline = now + timedelta(seconds=settings.FACEAUTH_ATTEMPT_SECONDS)
    if deadline_cap is not None:
        deadline = min(deadline, deadline_cap)
    return VerificationAttempt.objects.create(
        user=user,
        purpose=purpose,
        reference=reference,
        started_at=now,
        deadline=deadline,
        ip_address=ip_address,
        user_agent=(user_agent or "")[:256],
    )


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local:%d %b %H:%M}"


# --- the state the page shows ---------------------------------------------------


def attempt_state(attempt: VerificationAttempt) -> dict:
    """What the face page shows for an attempt: `state` is face-status's data-state."""
    if attempt.status == Status.OPEN:
        tracker = liveness.Tracker.from_dict(attempt.tracker)
        challenge = tracker.phase == liveness.Phase.CHALLENGE
        return {
            "state": "challenge" if challenge else "streaming",
            "message": liveness.MESSAGES["challenge" if challenge else "baseline"],
            "deadline": attempt.deadline.isoformat(),
            "final": False,
        }
    lock = face_lock_of(attempt.user)
    state = attempt.status
    if attempt.status != Status.APPROVED and lock.locked:
        state = "locked"
    message = MESSAGES.get(attempt.status) or MESSAGES.get(attempt.reason, "")
    if state == "locked":
        message += (
            " Face payment is locked until "
            f"{_when(lock.until)}: confirm with your password."
        )
    elif attempt.status != Status.APPROVED and attempt.reason not in NOT_COUNTED:
        message += f" {lock.tries_left} face tries left, or use your password."
    return {
        "state": state,
        "message": message.strip(),
        "reason": attempt.reason,
        "tries_left": lock.tries_left,
        "final": True,
    }


def attempt_evidence(attempt: VerificationAttempt) -> dict:
    """What a payment records about the face check that approved it."""
    distances = attempt.liveness.get("distances") or []
    return {
        "attempt": str(attempt.public_id),
        # Both the neutral and the smiling face matched: report the larger distance.
        "distance": round(max(distances), 2) if distances else None,
        "smiled_on_cue": attempt.reason == Reason.MATCHED_AND_SMILED,
        "smile_rise": attempt.liveness.get("rise"),
        "seconds": attempt.duration_seconds,
        "frames": attempt.frames_processed,
    }


# --- verdicts -------------------------------------------------------------------


def attempt_decide(
    *, attempt: VerificationAttempt, status: str, reason: str, **fields
) -> VerificationAttempt | None:
    """Store the verdict (once), then push it, then announce it.

    A guarded update: only an open attempt is decided, and only an attempt still
    inside its deadline can be approved, so a late or repeated verdict is harmless.
    Returns the decided attempt, or None if another verdict came first.
    """
    assert status in VerificationAttempt.TRANSITIONS[Status.OPEN]
    now = timezone.now()
    guard = Q(pk=attempt.pk, status=Status.OPEN)
    if status == Status.APPROVED:
        guard &= Q(deadline__gt=now)
    counts = _redis_counts(attempt.pk)
    if counts.get("received"):
        fields.setdefault("frames_received", counts["received"])
    timings = {**attempt.timings, **fields.pop("timings", {})}
    timings["attempt_ms"] = round((now - attempt.started_at).total_seconds() * 1000)
    if counts.get("dropped"):
        timings["frames_dropped"] = counts["dropped"]
    if counts.get("replayed"):
        timings["frames_replayed"] = counts["replayed"]
    updated = VerificationAttempt.objects.filter(guard).update(
        status=status, reason=reason, decided_at=now, timings=timings, **fields
    )
    if not updated:
        return None
    attempt = VerificationAttempt.objects.select_related("user").get(pk=attempt.pk)
    _forget_frames(attempt.pk)
    logger.info(
        "Attempt %s: %s (%s)", attempt.public_id, attempt.status, attempt.reason
    )
    attempt_push(attempt.public_id, attempt_state(attempt))
    # The verdict is stored whatever a receiver does: a failing one is logged, and
    # must catch up on its own (payments sweeps approvals it could not apply).
    for receiver, result in attempt_decided.send_robust(
        sender=VerificationAttempt, attempt=attempt
    ):
        if isinstance(result, Exception):
            logger.error(
                "Attempt %s: %r failed on the verdict",
                attempt.public_id,
                receiver,
                exc_info=result,
            )
    return attempt


def attempts_expire_overdue() -> int:
    """Expire open attempts past their deadline (celery beat, and on reads)."""
    count = 0
    overdue = VerificationAttempt.objects.filter(
        status=Status.OPEN, deadline__lte=timezone.now()
    )
    for attempt in overdue:
        if attempt_expire_if_overdue(attempt):
            count += 1
    return count


def attempt_expire_if_overdue(attempt: VerificationAttempt) -> bool:
    """Expire the attempt if its deadline passed, naming what went wrong last."""
    if attempt.deadline > timezone.now():
        return False
    attempt = VerificationAttempt.objects.select_related("user").get(pk=attempt.pk)
    if attempt.status != Status.OPEN:
        return False
    tracker = liveness.Tracker.from_dict(attempt.tracker)
    reason = {
        "several_faces": Reason.SEVERAL_FACES,
        "no_face": Reason.NO_FACE,
        "no_smile": Reason.NO_SMILE,
        "smiled_early": Reason.NO_SMILE,
    }.get(tracker.last_problem, Reason.TIMED_OUT)
    if tracker.phase == liveness.Phase.CHALLENGE:
        reason = Reason.NO_SMILE
    if not attempt.frames_processed and _only_replayed(attempt.pk):
        reason = Reason.REPLAYED
    return (
        attempt_decide(attempt=attempt, status=Status.EXPIRED, reason=reason)
        is not None
    )


def _only_replayed(attempt_id: int) -> bool:
    """Whether every frame the attempt was sent had been sent to another attempt of
    the user first (and dropped): a recording played again, not a live camera."""
    counts = _redis_counts(attempt_id)
    return bool(counts.get("replayed")) and not counts.get("received")


def attempt_stop_signed_out(*, attempt_id: int) -> VerificationAttempt | None:
    """Stop an attempt whose shopper signed out while it ran (not a failure: only
    the shopper can sign out, and signing in again needs the password)."""
    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    return attempt_decide(
        attempt=attempt, status=Status.EXPIRED, reason=Reason.SIGNED_OUT
    )


def session_signed_in(*, session_key: str, user_id: int, user=None) -> bool:
    """Whether the session is still signed in as the user: not signed out (flushed),
    not expired, not cut off by a password change. Only reads; `user`, when the
    caller has just loaded it, saves reading it again.

    django.contrib.auth.get_user would also flush or cycle the session it checks.
    """
    if not session_key:
        return False
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    if str(data.get(SESSION_KEY, "")) != str(user_id):
        return False
    if user is None:
        user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        return False
    session_hash = data.get(HASH_SESSION_KEY) or ""
    return any(
        constant_time_compare(session_hash, known)
        for known in (
            user.get_session_auth_hash(),
            *user.get_session_auth_fallback_hash(),
        )
    )


def _redis_counts(attempt_id: int) -> dict:
    try:
        return frames.counts(attempt_id)
    except Exception:  # noqa: BLE001 - the audit counts are best effort
        return {}


def _forget_frames(attempt_id: int) -> None:
    try:
        frames.attempt_forget(attempt_id)
    except Exception:  # noqa: BLE001 - the keys expire within seconds anyway
        logger.warning("Attempt #%s: could not delete its Redis keys", attempt_id)


# --- one frame ------------------------------------------------------------------


def attempt_process_frame(*, attempt_id: int, frame: frames.Frame) -> bool:
    """Run one frame through detection, the smile challenge and, when the challenge
    needs it, the encoding and the match against this user's templates only.

    Returns True if the attempt is still open and waiting for the smile it asked
    for: its next frame is urgent (faceauth.tasks)."""
    attempt = VerificationAttempt.objects.select_related("user").get(pk=attempt_id)
    if attempt.status != Status.OPEN:
        # A frame that was on its way when the verdict came: the verdict already
        # forgot the attempt's keys, and this frame wrote them again.
        _forget_frames(attempt.pk)
        return False
    if attempt.deadline <= timezone.now():
        attempt_expire_if_overdue(attempt)
        return False
    started = time.perf_counter()
    timings = dict(attempt.timings)
    tracker = liveness.Tracker.from_dict(attempt.tracker)
    try:
        image = engine.decode_image(frame.data)
    except engine.FrameRejected as rejected:
        logger.info(
            "Attempt %s: frame refused (%s)", attempt.public_id, rejected.reason
        )
        image = None
    faces, smile, box = 0, None, None
    if image is not None:
        boxes = engine.find_faces_in_frame(image)
        faces = len(boxes)
        if faces == 1:
            (box,) = boxes
            smile = engine.smile_measure(engine.face_landmarks(image, box))
    step, message = tracker.observe(at=frame.received_at, faces=faces, smile=smile)
    _note_step_time(timings, "frame_ms", started)

    faces_key = "2+" if faces > 1 else str(faces)
    faces_per_frame = dict(attempt.faces_per_frame)
    faces_per_frame[faces_key] = faces_per_frame.get(faces_key, 0) + 1
    progress = {
        "tracker": tracker.to_dict(),
        "faces_per_frame": faces_per_frame,
        "frames_processed": attempt.frames_processed + 1,
        "frames_received": max(attempt.frames_received, frame.seq),
        "liveness": _liveness_record(attempt, tracker),
    }

    if step in (liveness.Step.PROMPT, liveness.Step.SMILED):
        verdict = _match(attempt, image, box, step, progress, timings, started, frame)
        if verdict:
            return False
    if step == liveness.Step.NO_SMILE:
        attempt_decide(
            attempt=attempt,
            status=Status.DECLINED,
            reason=Reason.NO_SMILE,
            timings=timings,
            **progress,
        )
        return False
    updated = VerificationAttempt.objects.filter(
        pk=attempt.pk, status=Status.OPEN
    ).update(timings=timings, **progress)
    if updated:
        state = (
            "challenge" if tracker.phase == liveness.Phase.CHALLENGE else "streaming"
        )
        attempt_push(
            attempt.public_id,
            {"state": state, "message": message, "faces": faces, "final": False},
        )
    return bool(updated) and tracker.phase == liveness.Phase.CHALLENGE


def _match(attempt, image, box, step, progress, timings, started, frame) -> bool:
    """Encode the frame and compare; decide on a mismatch or a smile. True if decided."""
    encode_started = time.perf_counter()
    try:
        match = face_match(user=attempt.user, encoding=engine.encode_face(image, box))
    except (FaceKeysMissing, TemplateUnreadable):
        logger.error("Attempt %s: templates unreadable", attempt.public_id)
        attempt_decide(
            attempt=attempt,
            status=Status.DECLINED,
            reason=Reason.KEYS_UNAVAILABLE,
            **progress,
        )
        return True
    except NotEnrolled:
        attempt_decide(
            attempt=attempt,
            status=Status.DECLINED,
            reason=Reason.NOT_ENROLLED,
            **progress,
        )
        return True
    _note_step_time(timings, "encode_ms", encode_started)
    distances = [*attempt.liveness.get("distances", []), round(match.distance, 4)]
    progress["liveness"]["distances"] = distances
    progress["best_distance"] = min(distances)
    if not match.matched:
        attempt_decide(
            attempt=attempt,
            status=Status.DECLINED,
            reason=Reason.NO_MATCH,
            timings=timings,
            **progress,
        )
        return True
    if step == liveness.Step.PROMPT:
        progress["challenge_at"] = timezone.now()
        return False
    if frame.session_key and not session_signed_in(
        session_key=frame.session_key, user_id=attempt.user_id, user=attempt.user
    ):
        # The smile came through a session that has signed out since: whoever is
        # at the camera now, this is no longer the signed-in shopper's payment.
        attempt_decide(
            attempt=attempt,
            status=Status.EXPIRED,
            reason=Reason.SIGNED_OUT,
            timings=timings,
            **progress,
        )
        return True
    timings["decision_ms"] = round((time.perf_counter() - started) * 1000, 1)
    timings["smile_to_verdict_ms"] = round((time.time() - frame.received_at) * 1000, 1)
    attempt_decide(
        attempt=attempt,
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_SMILED,
        timings=timings,
        **progress,
    )
    return True


def _liveness_record(attempt, tracker: liveness.Tracker) -> dict:
    record = {
        **attempt.liveness,
        "baseline": tracker.baseline,
        "peak": tracker.peak,
        "resets": tracker.resets,
    }
    if tracker.rise is not None:
        record["rise"] = round(tracker.rise, 3)
    if tracker.challenge_at is not None:
        record["prompted_after_s"] = round(
            tracker.challenge_at - attempt.started_at.timestamp(), 2
        )
    return record


def _note_step_time(timings: dict, key: str, started: float) -> None:
    """Keep a running median of a step's milliseconds (the last 32 samples)."""
    samples = timings.setdefault(f"{key}_samples", [])
    samples.append(round((time.perf_counter() - started) * 1000, 1))
    del samples[:-32]
    timings[key] = statistics.median(samples)
