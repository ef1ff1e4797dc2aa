"""One frame of a face check: take it, look at it, step the tracker, apply the outcome.

`attempt_process_next` is what the verify_frame task runs. The decision about the
frame is the tracker's (`liveness.step`: state and measures in, one Outcome out);
`_apply` is the one place that acts on it: encode and match, decide, or save the
progress and tell the page.
"""

import logging
import statistics
import time

from django.db.models import F
from django.utils import timezone

from .. import engine, frames, liveness, messages
from ..exceptions import FaceKeysMissing, NotEnrolled, TemplateUnreadable
from ..models import VerificationAttempt
from ..push import attempt_push
from .attempts import (
    PROBLEM_REASONS,
    attempt_decide,
    attempt_expire_if_overdue,
    attempt_frames_forget,
)
from .enrolment import face_match
from .sessions import session_signed_in

logger = logging.getLogger(__name__)

# When a frame is judged, in epoch seconds (a test may play a clock of its own).
clock = time.time
# The page's state is pushed when it changes, and at least this often.
REPUSH_SECONDS = 0.5
# At most this many waiting frames of a cue's answer judged by one task (about
# 0.3 s of work with an encoding): other shoppers' tasks wait no longer than that.
BATCH_FRAMES = 8

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason


def attempt_process_next(*, attempt_id: int) -> bool | None:
    """Judge the attempt's next frame: the oldest waiting while a cue is answered
    (every frame counts then), else the newest. While a cue is answered, the frames
    already waiting are judged too, in order, up to BATCH_FRAMES: a worker behind
    its queue then pays for one task, one hold and one send, not one per frame.

    Returns True while a cue is being answered (the next frame is urgent,
    faceauth.tasks), or None if another task is judging this attempt's frames:
    that one sends the next task.
    """
    with frames.judging(attempt_id) as ours:
        if not ours:
            return None
        for _ in range(BATCH_FRAMES):
            urgent = _process_next(attempt_id)
            if not (urgent and frames.frames_waiting(attempt_id)):
                break
        return urgent


def _process_next(attempt_id: int) -> bool:
    attempt = VerificationAttempt.objects.select_related("user").get(pk=attempt_id)
    if attempt.status != Status.OPEN:
        # A frame that was on its way when the verdict came: the verdict already
        # forgot the attempt's keys, and this frame wrote them again.
        attempt_frames_forget(attempt.pk)
        return False
    if attempt.deadline <= timezone.now():
        attempt_expire_if_overdue(attempt)
        return False
    tracker = liveness.Tracker.from_dict(attempt.tracker)
    frame = frames.frame_take(attempt.pk, in_order=tracker.wants_every_frame)
    if frame is None:
        return tracker.wants_every_frame
    started = time.perf_counter()
    image, look = _look(attempt, frame)
    outcome = liveness.step(
        tracker,
        liveness.observe(
            seq=frame.seq,
            at=frame.received_at,
            faces=len(look.boxes),
            measures=look.measures,
        ),
        now=clock(),
    )
    return _apply(
        attempt, tracker, outcome, frame=frame, image=image, look=look, started=started
    )


def _look(attempt, frame: frames.Frame):
    try:
        image = engine.decode_image(frame.data)
    except engine.FrameRejected as rejected:
        logger.info(
            "Attempt %s: frame refused (%s)", attempt.public_id, rejected.reason
        )
        return None, engine.FrameLook(boxes=[], measures=None)
    return image, engine.look_at_frame(image)


def _apply(attempt, tracker, outcome, *, frame, image, look, started) -> bool:
    """Act on the tracker's outcome for one frame, once. True while a cue is
    answered."""
    timings = dict(attempt.timings)
    _note_step_time(timings, "frame_ms", started)
    progress = _progress(attempt, tracker, look, frame)
    refused = None
    if outcome.encode:
        refused = _match(attempt, image, look.box, progress, timings)
        if attempt.challenge_at is None:
            progress["challenge_at"] = timezone.now()
    decide = {
        "attempt": attempt,
        "processed_before": attempt.frames_processed,
        "timings": timings,
        **progress,
    }
    if refused:
        attempt_decide(status=Status.DECLINED, reason=refused, **decide)
        return False
    if outcome.kind == liveness.Kind.FAIL:
        reason = PROBLEM_REASONS.get(outcome.problem, Reason.NO_RESPONSE)
        attempt_decide(status=Status.DECLINED, reason=reason, **decide)
        return False
    if outcome.kind == liveness.Kind.PASS:
        if frame.session_key and not session_signed_in(
            session_key=frame.session_key, user_id=attempt.user_id, user=attempt.user
        ):
            # The answer came through a session that has signed out since: whoever
            # is at the camera now, this is no longer the signed-in shopper's payment.
            attempt_decide(status=Status.EXPIRED, reason=Reason.SIGNED_OUT, **decide)
            return False
        timings["decision_ms"] = round((time.perf_counter() - started) * 1000, 1)
        timings["answer_to_verdict_ms"] = round((clock() - frame.received_at) * 1000, 1)
        attempt_decide(status=Status.APPROVED, reason=Reason.MATCHED_AND_LIVE, **decide)
        return False
    with messages.in_language_of(attempt):  # the worker has no request
        message = messages.hint_text(outcome.hint, outcome.cue)
    shown = {
        "state": outcome.state,
        "cue": outcome.cue,
        "message": message,
        "step": min(tracker.index + 1, len(tracker.cues)),
        "steps": len(tracker.cues),
    }
    if outcome.cue_out:
        # The cue's time starts when the page can see it: after this frame's work.
        liveness.cue_sent(tracker, clock())
        progress["tracker"] = tracker.to_dict()
    # The page is told what changed, and reminded now and then: a push is a few
    # milliseconds a frame, and a lost one is sent again within REPUSH_SECONDS.
    last = attempt.liveness.get("shown") or {}
    push = shown != last.get("what") or frame.received_at - last.get("at", 0) >= (
        REPUSH_SECONDS
    )
    if push:
        progress["liveness"]["shown"] = {"what": shown, "at": frame.received_at}
    # Only if no other task judged a frame meanwhile (a duplicate task): the other
    # one's state stands, and this frame is "not seen".
    updated = VerificationAttempt.objects.filter(
        pk=attempt.pk, status=Status.OPEN, frames_processed=attempt.frames_processed
    ).update(timings=timings, **progress)
    if not updated:
        return False
    if push:
        attempt_push(attempt.public_id, {**shown, "final": False})
    return tracker.wants_every_frame


def _progress(attempt, tracker, look, frame) -> dict:
    faces = len(look.boxes)
    faces_key = "2+" if faces > 1 else str(faces)
    faces_per_frame = dict(attempt.faces_per_frame)
    faces_per_frame[faces_key] = faces_per_frame.get(faces_key, 0) + 1
    return {
        "tracker": tracker.to_dict(),
        "faces_per_frame": faces_per_frame,
        "frames_processed": F("frames_processed") + 1,
        "frames_received": max(attempt.frames_received, frame.seq),
        "liveness": {
            **attempt.liveness,
            "answers": tracker.answers,
            "restarts": tracker.restarts,
            "restart_reasons": tracker.restart_reasons,
            "jumps": tracker.jumps,
        },
    }


def _match(attempt, image, box, progress, timings) -> str | None:
    """Encode the face and compare it with the user's templates only; the reason to
    decline, or None if it is the user."""
    encode_started = time.perf_counter()
    try:
        match = face_match(user=attempt.user, encoding=engine.encode_face(image, box))
    except (FaceKeysMissing, TemplateUnreadable):
        logger.error("Attempt %s: templates unreadable", attempt.public_id)
        return Reason.KEYS_UNAVAILABLE
    except NotEnrolled:
        return Reason.NOT_ENROLLED
    _note_step_time(timings, "encode_ms", encode_started)
    distances = [*attempt.liveness.get("distances", []), round(match.distance, 4)]
    progress["liveness"]["distances"] = distances
    progress["best_distance"] = min(distances)
    return None if match.matched else Reason.NO_MATCH


def _note_step_time(timings: dict, key: str, started: float) -> None:
    """Keep a running median of a step's milliseconds (the last 32 samples)."""
    samples = timings.setdefault(f"{key}_samples", [])
    samples.append(round((time.perf_counter() - started) * 1000, 1))
    del samples[:-32]
    timings[key] = statistics.median(samples)
