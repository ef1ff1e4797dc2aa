"""What a payment records about the face check that approved it: numbers only.

And the one distance every view shows of a check (the payment's evidence, the
merchant's order page, the admin's attempts): the worst, as `attempt_distance`
gives it, written by `distance_text`.
"""

from django.conf import settings
from django.utils import formats

from ..models import VerificationAttempt

Reason = VerificationAttempt.Reason

# Distances are shown to two places everywhere (templates: `|floatformat:2`).
DISTANCE_PLACES = 2


def attempt_distance(attempt: VerificationAttempt) -> float | None:
    """The distance of a check as every view shows it: the worst (largest) of its
    encodings' distances to the user's templates, rounded; None before any encoding.

    The verdict rests on it: every encoding must be within FACEAUTH_TOLERANCE
    (services/checks.py, `_match`), so an approval is as sure as its worst encoding,
    and the encoding that declines a check is its largest.
    """
    distances = attempt.liveness.get("distances") or []
    return round(max(distances), DISTANCE_PLACES) if distances else None


def distance_text(distance: float | None) -> str:
    """A distance as every view writes it: two places, the language's decimal mark."""
    if distance is None:
        return ""
    return formats.number_format(distance, DISTANCE_PLACES)


def attempt_evidence(attempt: VerificationAttempt) -> dict:
    """The evidence of an approved check: its distance (the worst, see
    `attempt_distance`) out of how many encodings and under which tolerance; the
    cues it answered, and how fast."""
    distances = attempt.liveness.get("distances") or []
    answers = attempt.liveness.get("answers") or []
    return {
        "attempt": str(attempt.public_id),
        "distance": attempt_distance(attempt),
        "encodings": len(distances),
        "tolerance": settings.FACEAUTH_TOLERANCE,
        "answered_on_cue": attempt.reason == Reason.MATCHED_AND_LIVE,
        "cues": [answer["cue"] for answer in answers],
        "reaction_s": [answer["reaction_s"] for answer in answers],
        "seconds": attempt.duration_seconds,
        "frames": attempt.frames_processed,
    }
