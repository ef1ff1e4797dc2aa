import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class FaceConsent(models.Model):
    """A user's consent to face payment; kept as the record after withdrawal."""

    # Bump when the consent text changes, so a record says what was agreed to.
    CURRENT_VERSION = "2026-11"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="face_consents",
        verbose_name=_("user"),
    )
    text_version = models.CharField(
        _("text version"), max_length=16, default=CURRENT_VERSION
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    biometrics_deleted_at = models.DateTimeField(
        _("biometrics deleted at"),
        null=True,
        blank=True,
        help_text=_("When the face templates given under this consent were deleted."),
    )

    class Meta:
        verbose_name = _("face consent")
        verbose_name_plural = _("face consents")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(withdrawn_at__isnull=True),
                name="faceauth_one_active_consent_per_user",
            ),
        ]

    def __str__(self):
        if self.withdrawn_at:
            return gettext("Face consent of %(user)s (withdrawn)") % {"user": self.user}
        return gettext("Face consent of %(user)s (active)") % {"user": self.user}

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class FaceTemplate(models.Model):
    """One encrypted 128-d face encoding; never the image it came from."""

    class Source(models.TextChoices):
        WEBCAM = "webcam", _("Webcam")
        UPLOAD = "upload", _("Uploaded photo")
        COMMAND = "command", _("Operator command")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="face_templates",
        verbose_name=_("user"),
    )
    consent = models.ForeignKey(
        FaceConsent,
        on_delete=models.CASCADE,
        related_name="templates",
        verbose_name=_("consent"),
    )
    # Fernet token of 128 little-endian float64s (see faceauth/crypto.py).
    ciphertext = models.BinaryField()
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("face template")
        verbose_name_plural = _("face templates")
        ordering = ["user_id", "pk"]
        indexes = [models.Index(fields=["last_used_at", "created_at"])]

    def __str__(self):
        return gettext("Face template #%(number)s of %(user)s") % {
            "number": self.pk,
            "user": self.user,
        }


class VerificationAttempt(models.Model):
    """One live face check of a user for a purpose: the audit record of it.

    Holds counts, distances and timings; never an image or an encoding. faceauth
    does not know orders: `reference` is whatever the caller names the purpose by.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS = {
        Status.OPEN: {Status.APPROVED, Status.DECLINED, Status.EXPIRED},
        Status.APPROVED: set(),
        Status.DECLINED: set(),
        Status.EXPIRED: set(),
    }

    class Reason(models.TextChoices):
        MATCHED_AND_LIVE = "matched_and_live", _("Matched and answered every cue")
        # Before several cues (2026-12): one smile on cue.
        MATCHED_AND_SMILED = "matched_and_smiled", _("Matched and smiled on cue")
        NO_MATCH = "no_match", _("Face did not match")
        NO_RESPONSE = "no_response", _("A cue was not answered in time")
        WRONG_MOVE = "wrong_move", _("Answered a cue with another move")
        MOVED_EARLY = "moved_early", _("Moved before the cue")
        NOT_CONTINUOUS = "not_continuous", _("Moved in jumps, not continuously")
        NO_RETURN = "no_return", _("Did not come back to neutral between cues")
        NO_SMILE = "no_smile", _("No smile on cue")
        SEVERAL_FACES = "several_faces", _("More than one face")
        NO_FACE = "no_face", _("No face seen")
        TIMED_OUT = "timed_out", _("Timed out")
        REPLACED = "replaced", _("Replaced by a newer attempt")
        KEYS_UNAVAILABLE = "keys_unavailable", _("Face templates unreadable")
        NOT_ENROLLED = "not_enrolled", _("Not enrolled")
        REPLAYED = "replayed", _("A frame of an earlier check was sent again")
        SIGNED_OUT = "signed_out", _("The shopper signed out during the check")

    class Purpose(models.TextChoices):
        PAYMENT = "payment", _("Payment")

    public_id = models.UUIDField(
        _("public ID"), default=uuid.uuid4, unique=True, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="face_attempts",
        verbose_name=_("user"),
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    reason = models.CharField(
        _("reason"), max_length=32, choices=Reason.choices, blank=True
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"))
    challenge_at = models.DateTimeField(_("challenge at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    frames_received = models.PositiveIntegerField(_("frames received"), default=0)
    frames_processed = models.PositiveIntegerField(_("frames processed"), default=0)
    # Frames by number of faces seen: {"0": 3, "1": 40, "2+": 0}.
    faces_per_frame = models.JSONField(_("faces per frame"), default=dict, blank=True)
    # The closest encoding of the check, kept for the record; the distance every
    # view shows is the worst one (faceauth/services/evidence.py): the verdict
    # rests on it.
    best_distance = models.FloatField(_("best distance"), null=True, blank=True)
    # The cues asked and how each was answered, restarts, the encoded distances.
    liveness = models.JSONField(_("liveness"), default=dict, blank=True)
    # Milliseconds: per-step medians, the decision itself, the whole attempt.
    timings = models.JSONField(_("timings"), default=dict, blank=True)
    # The liveness tracker's working state between frames (numbers only).
    tracker = models.JSONField(_("tracker"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=256, blank=True)
    # The language the shopper started the check in: the worker, which has no
    # request, writes the hints and the verdict pushed to the page in it.
    language = models.CharField(
        _("language"), max_length=16, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("verification attempt")
        verbose_name_plural = _("verification attempts")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["user", "purpose", "-started_at"]),
            # The payments sweep looks approved checks up by their order number.
            models.Index(fields=["reference", "status"]),
        ]

    def __str__(self):
        return gettext("Face check %(id)s of %(user)s (%(status)s)") % {
            "id": self.public_id,
            "user": self.user,
            "status": self.get_status_display().lower(),
        }

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline > timezone.now()

    @property
    def duration_seconds(self) -> float | None:
        if self.decided_at is None:
            return None
        return round((self.decided_at - self.started_at).total_seconds(), 1)
