import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FaceConsent(models.Model):
    """A user's consent to face payment; kept as the record after withdrawal."""

    # Bump when the consent text changes, so a record says what was agreed to.
    CURRENT_VERSION = "2026-11"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="face_consents",
    )
    text_version = models.CharField(max_length=16, default=CURRENT_VERSION)
    given_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    biometrics_deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the face templates given under this consent were deleted.",
    )

    class Meta:
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(withdrawn_at__isnull=True),
                name="faceauth_one_active_consent_per_user",
            ),
        ]

    def __str__(self):
        state = "withdrawn" if self.withdrawn_at else "active"
        return f"Face consent of {self.user} ({state})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class FaceTemplate(models.Model):
    """One encrypted 128-d face encoding; never the image it came from."""

    class Source(models.TextChoices):
        WEBCAM = "webcam", "Webcam"
        UPLOAD = "upload", "Uploaded photo"
        COMMAND = "command", "Operator command"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="face_templates",
    )
    consent = models.ForeignKey(
        FaceConsent, on_delete=models.CASCADE, related_name="templates"
    )
    # Fernet token of 128 little-endian float64s (see faceauth/crypto.py).
    ciphertext = models.BinaryField()
    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "pk"]
        indexes = [models.Index(fields=["last_used_at", "created_at"])]

    def __str__(self):
        return f"Face template #{self.pk} of {self.user}"


class VerificationAttempt(models.Model):
    """One live face check of a user for a purpose: the audit record of it.

    Holds counts, distances and timings; never an image or an encoding. faceauth
    does not know orders: `reference` is whatever the caller names the purpose by.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"

    TRANSITIONS = {
        Status.OPEN: {Status.APPROVED, Status.DECLINED, Status.EXPIRED},
        Status.APPROVED: set(),
        Status.DECLINED: set(),
        Status.EXPIRED: set(),
    }

    class Reason(models.TextChoices):
        MATCHED_AND_LIVE = "matched_and_live", "Matched and answered every cue"
        # Before several cues (2026-12): one smile on cue.
        MATCHED_AND_SMILED = "matched_and_smiled", "Matched and smiled on cue"
        NO_MATCH = "no_match", "Face did not match"
        NO_RESPONSE = "no_response", "A cue was not answered in time"
        WRONG_MOVE = "wrong_move", "Answered a cue with another move"
        MOVED_EARLY = "moved_early", "Moved before the cue"
        NOT_CONTINUOUS = "not_continuous", "Moved in jumps, not continuously"
        NO_RETURN = "no_return", "Did not come back to neutral between cues"
        NO_SMILE = "no_smile", "No smile on cue"
        SEVERAL_FACES = "several_faces", "More than one face"
        NO_FACE = "no_face", "No face seen"
        TIMED_OUT = "timed_out", "Timed out"
        REPLACED = "replaced", "Replaced by a newer attempt"
        KEYS_UNAVAILABLE = "keys_unavailable", "Face templates unreadable"
        NOT_ENROLLED = "not_enrolled", "Not enrolled"
        REPLAYED = "replayed", "A frame of an earlier check was sent again"
        SIGNED_OUT = "signed_out", "The shopper signed out during the check"

    class Purpose(models.TextChoices):
        PAYMENT = "payment", "Payment"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="face_attempts",
    )
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    reference = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN
    )
    reason = models.CharField(max_length=32, choices=Reason.choices, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    challenge_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    frames_received = models.PositiveIntegerField(default=0)
    frames_processed = models.PositiveIntegerField(default=0)
    # Frames by number of faces seen: {"0": 3, "1": 40, "2+": 0}.
    faces_per_frame = models.JSONField(default=dict, blank=True)
    best_distance = models.FloatField(null=True, blank=True)
    # The cues asked and how each was answered, restarts, the encoded distances.
    liveness = models.JSONField(default=dict, blank=True)
    # Milliseconds: per-step medians, the decision itself, the whole attempt.
    timings = models.JSONField(default=dict, blank=True)
    # The liveness tracker's working state between frames (numbers only).
    tracker = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["user", "purpose", "-started_at"]),
            # The payments sweep looks approved checks up by their order number.
            models.Index(fields=["reference", "status"]),
        ]

    def __str__(self):
        return f"Face check {self.public_id} of {self.user} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline > timezone.now()

    @property
    def duration_seconds(self) -> float | None:
        if self.decided_at is None:
            return None
        return round((self.decided_at - self.started_at).total_seconds(), 1)
