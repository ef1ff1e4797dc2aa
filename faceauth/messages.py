"""What the shopper reads during and after a face check: one place for every string.

The tracker (faceauth/liveness.py) and the services speak in codes; this module
turns them into words, in the active language. The words are mostly composed in the
Celery worker, which has no request: its callers activate the language the shopper
started the check in (`VerificationAttempt.language`, see `in_language_of`).
"""

from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import VerificationAttempt

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason

CUES = {
    "smile": gettext_lazy("Now smile!"),
    # The shopper's own left: the page shows the video mirrored, so it moves as in a
    # mirror; the frames sent are not mirrored (docs/architecture.md).
    # Translators: the shopper's own left, as they see themselves in a mirror.
    "turn-left": gettext_lazy("Now turn your head to your left"),
    # Translators: the shopper's own right, as they see themselves in a mirror.
    "turn-right": gettext_lazy("Now turn your head to your right"),
    "open-mouth": gettext_lazy("Now open your mouth wide"),
}

HINTS = {
    "no_face": gettext_lazy("We can't see your face: look at the camera."),
    "several_faces": gettext_lazy("More than one face is visible: only you, please."),
    "baseline": gettext_lazy("Hold still and look at the camera…"),
    # Translators: between two moves of the face check; the next cue comes soon.
    "waiting": gettext_lazy("Keep a neutral face… wait for the next move…"),
    "relax": gettext_lazy("Good. Back to a neutral face, looking at the camera."),
    "answered": gettext_lazy("Got it, checking…"),
    "done": gettext_lazy("Checking…"),
    # The check starts again after these.
    "moved_early": gettext_lazy(
        "Not yet! Keep a neutral face until we ask. Starting again…"
    ),
    "baseline_dropped": gettext_lazy(
        "Keep a neutral face, then we begin. Starting again…"
    ),
    "wrong_move": gettext_lazy("That was another move. Starting again…"),
    "no_response": gettext_lazy("Too slow. Starting again: move as soon as we ask."),
    "no_return": gettext_lazy(
        "Come back to a neutral face between moves. Starting again…"
    ),
    # The answer did not count; the cue goes on.
    "not_continuous": gettext_lazy(
        "Move smoothly, not in jumps: back to neutral and again."
    ),
    # Every frame for a second or more was sent to an earlier check first: a
    # recording played again, or a camera showing the same still (covered, paused).
    "replayed": gettext_lazy(
        "These pictures were already sent once: a live camera is needed. "
        "Is the camera covered?"
    ),
}

VERDICTS = {
    Status.APPROVED: gettext_lazy("Approved! Thank you."),
    Reason.NO_MATCH: gettext_lazy(
        "That face does not match the one enrolled on this account."
    ),
    Reason.NO_RESPONSE: gettext_lazy("We did not see the move we asked for in time."),
    Reason.WRONG_MOVE: gettext_lazy("We saw another move than the one we asked for."),
    Reason.MOVED_EARLY: gettext_lazy("You moved before we asked."),
    Reason.NOT_CONTINUOUS: gettext_lazy("We could not follow the move: it jumped."),
    Reason.NO_RETURN: gettext_lazy(
        "You did not come back to a neutral face between moves."
    ),
    Reason.NO_SMILE: gettext_lazy("We did not see a smile when we asked."),
    Reason.SEVERAL_FACES: gettext_lazy("More than one face was in the picture."),
    Reason.NO_FACE: gettext_lazy("We could not see your face."),
    Reason.TIMED_OUT: gettext_lazy("Time ran out."),
    Reason.REPLACED: gettext_lazy("A newer face check took over from this one."),
    Reason.KEYS_UNAVAILABLE: gettext_lazy("Face payment is unavailable right now."),
    Reason.NOT_ENROLLED: gettext_lazy("Set up face payment first."),
    Reason.REPLAYED: gettext_lazy(
        "This picture was already used; a live camera is needed."
    ),
    Reason.SIGNED_OUT: gettext_lazy("You signed out, so this face check stopped."),
}


def in_language_of(attempt: VerificationAttempt | None):
    """Compose the words for `attempt` in the language its shopper started it in
    (a context manager): the worker and the websocket have no request to ask.
    Without an attempt (a socket refused before it has one), the site's default."""
    language = getattr(attempt, "language", "") or settings.LANGUAGE_CODE
    return translation.override(language)


def hint_text(hint: str, cue: str) -> str:
    """The words for a tracker's hint, or the cue itself while one is asked."""
    if hint == "cue" and cue in CUES:
        return str(CUES[cue])
    return str(HINTS.get(hint, HINTS["baseline"]))


def verdict_text(attempt: VerificationAttempt) -> str:
    return str(VERDICTS.get(attempt.status) or VERDICTS.get(attempt.reason, ""))


def tries_left_text(tries_left: int) -> str:
    return ngettext(
        "%(count)d face try left, or use your password.",
        "%(count)d face tries left, or use your password.",
        tries_left,
    ) % {"count": tries_left}


def locked_text(until: datetime) -> str:
    return _("Face payment is locked until %(when)s: confirm with your password.") % {
        "when": when(until)
    }


def locked_on_start_text(until: datetime) -> str:
    return _(
        "Too many face checks failed in a row. Face payment is locked until "
        "%(when)s; confirm with your password."
    ) % {"when": when(until)}


def when(moment: datetime) -> str:
    """The time alone today, else the day and the time (the active language's
    formats)."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "TIME_FORMAT")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")
