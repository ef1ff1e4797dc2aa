"""What a payment records about the face check that approved it: numbers only."""

from ..models import VerificationAttempt

Reason = VerificationAttempt.Reason


def attempt_evidence(attempt: VerificationAttempt) -> dict:
    """The evidence of an approved check: every encoded frame matched, so the worst
    (largest) distance is the one to report; the cues it answered, and how fast."""
    distances = attempt.liveness.get("distances") or []
    answers = attempt.liveness.get("answers") or []
    return {
        "attempt": str(attempt.public_id),
        "distance": round(max(distances), 2) if distances else None,
        "answered_on_cue": attempt.reason == Reason.MATCHED_AND_LIVE,
        "cues": [answer["cue"] for answer in answers],
        "reaction_s": [answer["reaction_s"] for answer in answers],
        "seconds": attempt.duration_seconds,
        "frames": attempt.frames_processed,
    }
