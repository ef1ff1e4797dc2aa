"""Reads of the faceauth app."""

import numpy as np

from . import crypto, engine
from .models import FaceConsent, FaceTemplate, VerificationAttempt


def consent_active_for(user) -> FaceConsent | None:
    return FaceConsent.objects.filter(user=user, withdrawn_at__isnull=True).first()


def face_enrolment_of(user) -> dict:
    """What the face settings page shows: consent, template count, dates."""
    templates = FaceTemplate.objects.filter(user=user).order_by("created_at")
    stats = list(templates.values_list("created_at", "last_used_at"))
    used = [last_used for _, last_used in stats if last_used]
    return {
        "consent": consent_active_for(user),
        "template_count": len(stats),
        "enrolled_at": stats[0][0] if stats else None,
        "last_used_at": max(used) if used else None,
    }


def user_is_enrolled(user) -> bool:
    return FaceTemplate.objects.filter(user=user).exists()


def templates_of(user) -> np.ndarray:
    """Decrypt this user's templates into an ``(n, 128)`` array (``n`` may be 0).

    Raises FaceKeysMissing or TemplateUnreadable rather than return a partial set.
    """
    tokens = FaceTemplate.objects.filter(user=user).values_list("ciphertext", flat=True)
    encodings = [crypto.decrypt_encoding(token) for token in tokens]
    if not encodings:
        return np.empty((0, engine.ENCODING_SIZE), dtype=engine.ENCODING_DTYPE)
    return np.vstack(encodings)


def attempt_open_for(*, user, public_id) -> VerificationAttempt | None:
    """The user's own attempt, if it is still open and inside its deadline."""
    attempt = (
        VerificationAttempt.objects.filter(
            user=user, public_id=public_id, status=VerificationAttempt.Status.OPEN
        )
        .select_related("user")
        .first()
    )
    return attempt if attempt is not None and attempt.is_open else None


def attempt_of(*, user, public_id) -> VerificationAttempt | None:
    return (
        VerificationAttempt.objects.filter(user=user, public_id=public_id)
        .select_related("user")
        .first()
    )


def attempt_latest_for(*, user, purpose: str, reference: str):
    return (
        VerificationAttempt.objects.filter(
            user=user, purpose=purpose, reference=reference
        )
        .order_by("-started_at", "-pk")
        .first()
    )
