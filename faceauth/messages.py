"""What the shopper reads during and after a face check: one place for every string.

The tracker (faceauth/liveness.py) and the services speak in codes; this module
turns them into words.
"""

from datetime import datetime

from django.utils import timezone

from .models import VerificationAttempt

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason

CUES = {
    "smile": "Now smile!",
    # The shopper's own left: the page shows the video mirrored, so it moves as in a
    # mirror; the frames sent are not mirrored (docs/architecture.md).
    "turn-left": "Now turn your head to your left",
    "turn-right": "Now turn your head to your right",
    "open-mouth": "Now open your mouth wide",
}

HINTS = {
    "no_face": "We can't see your face: look at the camera.",
    "several_faces": "More than one face is visible: only you, please.",
    "baseline": "Hold still and look at the camera…",
    "waiting": "Keep a neutral face… wait for the next move…",
    "relax": "Good. Back to a neutral face, looking at the camera.",
    "answered": "Got it, checking…",
    "done": "Checking…",
    # The check starts again after these.
    "moved_early": "Not yet! Keep a neutral face until we ask. Starting again…",
    "baseline_dropped": "Keep a neutral face, then we begin. Starting again…",
    "wrong_move": "That was another move. Starting again…",
    "no_response": "Too slow. Starting again: move as soon as we ask.",
    "no_return": "Come back to a neutral face between moves. Starting again…",
    # The answer did not count; the cue goes on.
    "not_continuous": "Move smoothly, not in jumps: back to neutral and again.",
}

VERDICTS = {
    Status.APPROVED: "Approved! Thank you.",
    Reason.NO_MATCH: "That face does not match the one enrolled on this account.",
    Reason.NO_RESPONSE: "We did not see the move we asked for in time.",
    Reason.WRONG_MOVE: "We saw another move than the one we asked for.",
    Reason.MOVED_EARLY: "You moved before we asked.",
    Reason.NOT_CONTINUOUS: "We could not follow the move: it jumped.",
    Reason.NO_RETURN: "You did not come back to a neutral face between moves.",
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


def hint_text(hint: str, cue: str) -> str:
    """The words for a tracker's hint, or the cue itself while one is asked."""
    if hint == "cue" and cue in CUES:
        return CUES[cue]
    return HINTS.get(hint, HINTS["baseline"])


def verdict_text(attempt: VerificationAttempt) -> str:
    return VERDICTS.get(attempt.status) or VERDICTS.get(attempt.reason, "")


def tries_left_text(tries_left: int) -> str:
    return f"{tries_left} face tries left, or use your password."


def locked_text(until: datetime) -> str:
    return f"Face payment is locked until {when(until)}: confirm with your password."


def locked_on_start_text(until: datetime) -> str:
    return (
        "Too many face checks failed in a row. Face payment is locked until "
        f"{when(until)}; confirm with your password."
    )


def when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local:%d %b %H:%M}"
