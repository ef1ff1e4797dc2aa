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
