"""Face checks: start, the state the page shows, the verdict, expiry.

The frame-by-frame work is in checks.py; the lockout in lockout.py; the words in
faceauth/messages.py; the payment's evidence in evidence.py.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.transitions import transition

from .. import frames, liveness, messages
from ..exceptions import FaceLocked, NotEnrolled
from ..models import VerificationAttempt
from ..push import attempt_push
from ..selectors import templates_of, user_is_enrolled
from ..signals import attempt_decided
from .lockout import NOT_COUNTED, face_lock_of

logger = logging.getLogger(__name__)

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason

# What went wrong last (the tracker's problem codes), as a verdict's reason.
PROBLEM_REASONS = {
    "several_faces": Reason.SEVERAL_FACES,
    "no_face": Reason.NO_FACE,
    "no_response": Reason.NO_RESPONSE,
    "wrong_move": Reason.WRONG_MOVE,
    "moved_early": Reason.MOVED_EARLY,
    "baseline_dropped": Reason.MOVED_EARLY,
    "not_continuous": Reason.NOT_CONTINUOUS,
    "no_return": Reason.NO_RETURN,
}


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
        raise NotEnrolled(_("Set up face payment first."))
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
        raise FaceLocked(messages.locked_on_start_text(lock.until), until=lock.until)
    logger.info("Attempt %s: started for user #%s", attempt.public_id, user.pk)
    return attempt


def _attempt_close_older(older: VerificationAttempt) -> None:
    if attempt_expire_if_overdue(older):
        return  # it failed on its own: counted as such
    # Once the first cue went out the face had matched: starting over must not
    # give a free try, or the lockout could be dodged by restarting.
    reason = Reason.NO_RESPONSE if older.challenge_at else Reason.REPLACED
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
        # Started in a request: the worker writes to the page in its language.
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )


# --- the state the page shows ---------------------------------------------------


def attempt_speak(attempt: VerificationAttempt, language: str) -> None:
    """The shopper reloaded the face page in another language (the switcher): the
    worker's next words come in that one."""
    if language and attempt.language != language:
        VerificationAttempt.objects.filter(pk=attempt.pk).update(language=language)
        attempt.language = language


def attempt_state(attempt: VerificationAttempt) -> dict:
    """What the face page shows for an attempt: `state` is face-status's data-state,
    `cue` its data-cue (never a cue that has not gone out yet).

    In the language the check was started in, whoever asks: the worker's push, the
    socket and the page's reload over HTTP all say the same words.
    """
    with messages.in_language_of(attempt):
        return _attempt_state(attempt)


def _attempt_state(attempt: VerificationAttempt) -> dict:
    if attempt.status == Status.OPEN:
        tracker = liveness.Tracker.from_dict(attempt.tracker)
        cue = tracker.cue
        state = "challenge" if cue != liveness.NEUTRAL else "streaming"
        return {
            "state": state,
            "cue": cue,
            "message": messages.hint_text("cue" if state == "challenge" else "", cue),
            "deadline": attempt.deadline.isoformat(),
            "final": False,
        }
    lock = face_lock_of(attempt.user)
    state = attempt.status
    if attempt.status != Status.APPROVED and lock.locked:
        state = "locked"
    message = messages.verdict_text(attempt)
    if state == "locked":
        message += " " + messages.locked_text(lock.until)
    elif attempt.status != Status.APPROVED and attempt.reason not in NOT_COUNTED:
        message += " " + messages.tries_left_text(lock.tries_left)
    return {
        "state": state,
        "cue": liveness.NEUTRAL,
        "message": message.strip(),
        "reason": attempt.reason,
        "tries_left": lock.tries_left,
        "final": True,
    }


# --- verdicts -------------------------------------------------------------------


def attempt_decide(
    *,
    attempt: VerificationAttempt,
    status: str,
    reason: str,
    processed_before: int | None = None,
    **fields,
) -> VerificationAttempt | None:
    """Store the verdict (once), then announce it, then push it to the page.

    A guarded update: only an open attempt is decided, and only an attempt still
    inside its deadline can be approved, so a late or repeated verdict is harmless.
    `processed_before`: decide only if no other frame was judged since the caller
    read the attempt. Returns the decided attempt, or None if another write came
    first.
    """
    now = timezone.now()
    guard = Q()
    if status == Status.APPROVED:
        guard &= Q(deadline__gt=now)
    if processed_before is not None:
        guard &= Q(frames_processed=processed_before)
    counts = _redis_counts(attempt.pk)
    if counts.get("received"):
        fields.setdefault("frames_received", counts["received"])
    timings = {**attempt.timings, **fields.pop("timings", {})}
    timings["attempt_ms"] = round((now - attempt.started_at).total_seconds() * 1000)
    if counts.get("dropped"):
        timings["frames_dropped"] = counts["dropped"]
    if counts.get("replayed"):
        timings["frames_replayed"] = counts["replayed"]
    updated = transition(
        attempt,
        status,
        guard=guard,
        reason=reason,
        decided_at=now,
        timings=timings,
        **fields,
    )
    if not updated:
        return None
    attempt = VerificationAttempt.objects.select_related("user").get(pk=attempt.pk)
    attempt_frames_forget(attempt.pk)
    logger.info(
        "Attempt %s: %s (%s)", attempt.public_id, attempt.status, attempt.reason
    )
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
    # Pushed last: a page told "approved" finds the order paid when it looks.
    attempt_push(attempt.public_id, attempt_state(attempt))
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
    reason = PROBLEM_REASONS.get(tracker.last_problem, Reason.TIMED_OUT)
    if tracker.phase == liveness.Phase.CUE:
        reason = Reason.NOT_CONTINUOUS if tracker.cue_jumps else Reason.NO_RESPONSE
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


def _redis_counts(attempt_id: int) -> dict:
    try:
        return frames.counts(attempt_id)
    except Exception:  # noqa: BLE001 - the audit counts are best effort
        return {}


def attempt_frames_forget(attempt_id: int) -> None:
    """Delete the attempt's frames and counts from Redis, if Redis answers."""
    try:
        frames.attempt_forget(attempt_id)
    except Exception:  # noqa: BLE001 - the keys expire within seconds anyway
        logger.warning("Attempt #%s: could not delete its Redis keys", attempt_id)
