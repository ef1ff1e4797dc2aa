"""Consent, enrolment, matching, key rotation and retention."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import crypto, engine
from ..exceptions import (
    ConsentRequired,
    EnrolmentRejected,
    FaceAuthError,
    NotEnrolled,
)
from ..models import FaceConsent, FaceTemplate
from ..selectors import consent_active_for, templates_of

logger = logging.getLogger(__name__)

ENROL_MIN_IMAGES = 1
ENROL_MAX_IMAGES = 5
# Jittered encodings per enrolment, shared between its images: one photo gets ten,
# five webcam frames get two each. About 80 ms each (docs/faces.md).
ENROL_JITTER_BUDGET = 10


@dataclass(frozen=True)
class FaceMatch:
    """The outcome of comparing one encoding with a user's templates."""

    distance: float
    tolerance: float

    @property
    def matched(self) -> bool:
        return self.distance <= self.tolerance


# --- consent --------------------------------------------------------------------


def consent_give(*, user, ip_address: str | None = None) -> FaceConsent:
    """Record the user's consent; giving it twice keeps the first record."""
    existing = consent_active_for(user)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            consent = FaceConsent.objects.create(user=user, ip_address=ip_address)
    except IntegrityError:
        # Two tabs agreeing at once: the unique constraint kept one record.
        return consent_active_for(user)
    logger.info("User #%s: face consent given", user.pk)
    return consent


@transaction.atomic
def consent_withdraw(*, user) -> int:
    """Delete every face template of the user and close their consent.

    Returns how many templates were deleted. The consent row stays, without
    biometrics, as the record that consent was given and withdrawn.
    """
    now = timezone.now()
    deleted, _ = FaceTemplate.objects.filter(user=user).delete()
    FaceConsent.objects.filter(user=user, withdrawn_at__isnull=True).update(
        withdrawn_at=now, biometrics_deleted_at=now
    )
    logger.info(
        "User #%s: face consent withdrawn, %s templates deleted", user.pk, deleted
    )
    return deleted


# --- enrolment ------------------------------------------------------------------


def enrolment_frame_check(data: bytes) -> engine.Box:
    """Check one webcam frame for enrolment without keeping anything.

    Returns the face box, or raises engine.FrameRejected with the guidance to show.
    """
    image = engine.decode_image(data)
    return engine.enrolment_face(image, engine.find_faces_in_frame(image))


def face_enroll(
    *, user, images: list[bytes], source: str = FaceTemplate.Source.UPLOAD
) -> list[FaceTemplate]:
    """Replace the user's face templates with encodings of the given images.

    Every image must hold exactly one large, sharp face, or nothing changes and
    EnrolmentRejected says which image and why. Only encodings are kept.
    """
    if not ENROL_MIN_IMAGES <= len(images) <= ENROL_MAX_IMAGES:
        raise EnrolmentRejected(
            _("Send between %(fewest)d and %(most)d pictures.")
            % {"fewest": ENROL_MIN_IMAGES, "most": ENROL_MAX_IMAGES},
            index=-1,
            reason="image_count",
        )
    if consent_active_for(user) is None:
        raise ConsentRequired(_("Agree to face payment before enrolling your face."))
    crypto.keyring()  # fail before the slow part when no key is configured
    jitters = max(1, ENROL_JITTER_BUDGET // len(images))
    encodings = [
        _enrolment_encoding(data, index=index, jitters=jitters)
        for index, data in enumerate(images)
    ]
    tokens = [crypto.encrypt_encoding(encoding) for encoding in encodings]
    with transaction.atomic():
        consent = (
            FaceConsent.objects.select_for_update()
            .filter(user=user, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:  # withdrawn while the images were being encoded
            raise ConsentRequired(
                _("Agree to face payment before enrolling your face.")
            )
        FaceTemplate.objects.filter(user=user).delete()
        # Enrolling again after a purge: this consent holds biometrics once more.
        if consent.biometrics_deleted_at is not None:
            consent.biometrics_deleted_at = None
            consent.save(update_fields=["biometrics_deleted_at"])
        templates = FaceTemplate.objects.bulk_create(
            FaceTemplate(user=user, consent=consent, ciphertext=token, source=source)
            for token in tokens
        )
    logger.info("User #%s: enrolled %s face templates", user.pk, len(templates))
    return templates


def enrolment_frame_answer(data: bytes) -> dict:
    """What the webcam page is told of one frame: where the face is, or what to
    change (the answer of faceauth.tasks.enrol_frame_check)."""
    try:
        top, right, bottom, left = enrolment_frame_check(data)
    except engine.FrameRejected as rejected:
        return _refusal(rejected)
    return {
        "ok": True,
        "message": _("Good: hold still."),
        "box": {"top": top, "right": right, "bottom": bottom, "left": left},
    }


def enrolment_frame_screen(data: bytes) -> dict | None:
    """The answer for a frame refused without decoding it (empty, or too large to
    hand on), or None: cheap enough for the web process."""
    try:
        engine.bytes_check(data)
    except engine.FrameRejected as rejected:
        return _refusal(rejected)
    return None


def _refusal(rejected: engine.FrameRejected) -> dict:
    return {"ok": False, "reason": str(rejected.reason), "message": rejected.message}


def enrolment_answer(*, user_id: int, images: list[bytes], source: str) -> dict:
    """Enrol the images for the user (`face_enroll`) and say how it went, for the
    page (the answer of faceauth.tasks.enrol_face)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:  # deleted or deactivated since the page sent the pictures
        return {"ok": False, "reason": "no_user", "message": _("Sign in again.")}
    try:
        face_enroll(user=user, images=images, source=source)
    except ConsentRequired as error:
        return {"ok": False, "reason": "consent_required", "message": str(error)}
    except FaceAuthError as error:
        reason = getattr(error, "reason", "refused")
        return {"ok": False, "reason": reason, "message": str(error)}
    return {"ok": True}


def _enrolment_encoding(data: bytes, *, index: int, jitters: int) -> np.ndarray:
    try:
        image = engine.decode_photo(data)
        box = engine.enrolment_face(image, engine.find_faces_in_photo(image))
    except engine.FrameRejected as rejected:
        raise EnrolmentRejected(
            # Translators: which picture (1 to 5), then what is wrong with it.
            _("Picture %(number)d: %(problem)s")
            % {"number": index + 1, "problem": rejected.message},
            index=index,
            reason=str(rejected.reason),
        ) from rejected
    return engine.encode_face(image, box, jitters=jitters)


# --- matching -------------------------------------------------------------------


def face_match(*, user, encoding: np.ndarray) -> FaceMatch:
    """Compare an encoding with this user's templates only, and note their use.

    Raises NotEnrolled, FaceKeysMissing or TemplateUnreadable: all fail closed.
    """
    templates = templates_of(user)
    if not len(templates):
        raise NotEnrolled(_("Set up face payment first."))
    match = FaceMatch(
        distance=engine.face_distance(templates, encoding),
        tolerance=settings.FACEAUTH_TOLERANCE,
    )
    FaceTemplate.objects.filter(user=user).update(last_used_at=timezone.now())
    return match


# --- keys and retention ---------------------------------------------------------


def templates_reencrypt(*, batch_size: int = 500) -> int:
    """Re-encrypt every template under the newest key; returns how many."""
    count = 0
    pks = list(FaceTemplate.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch_size):
        with transaction.atomic():
            batch = FaceTemplate.objects.select_for_update().filter(
                pk__in=pks[start : start + batch_size]
            )
            for template in batch:
                template.ciphertext = crypto.reencrypt(template.ciphertext)
                template.save(update_fields=["ciphertext"])
                count += 1
    logger.info("Re-encrypted %s face templates under the newest key", count)
    return count


@transaction.atomic
def biometrics_purge(*, now: datetime | None = None) -> int:
    """Delete templates unused for FACEAUTH_RETENTION_DAYS; consent rows stay."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FACEAUTH_RETENTION_DAYS)
    stale_users = set(
        FaceTemplate.objects.filter(created_at__lt=cutoff)
        .exclude(last_used_at__gte=cutoff)
        .values_list("user_id", flat=True)
    )
    # A user's templates are one enrolment: when it has gone stale, all of it goes.
    deleted, _ = FaceTemplate.objects.filter(user_id__in=stale_users).delete()
    FaceConsent.objects.filter(
        user_id__in=stale_users, biometrics_deleted_at__isnull=True
    ).update(biometrics_deleted_at=now)
    logger.info(
        "Retention: deleted %s face templates of %s users", deleted, len(stale_users)
    )
    return deleted
