from django.conf import settings
from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin

from .models import FaceConsent, FaceTemplate, VerificationAttempt
from .services.evidence import attempt_distance, distance_text


def _distance_heading() -> str:
    # Read when the page is drawn: the tolerance is a setting, the words per language.
    return _("Face distance (lower is closer; a match is at most %(tolerance)s)") % {
        "tolerance": distance_text(settings.FACEAUTH_TOLERANCE)
    }


@admin.register(FaceConsent)
class FaceConsentAdmin(ReadOnlyAdmin):
    """Consent records are evidence: the admin may read them, never edit them."""

    list_display = [
        "user",
        "text_version",
        "given_at",
        "withdrawn_at",
        "biometrics_deleted_at",
    ]
    list_filter = ["text_version", "given_at", "withdrawn_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(FaceTemplate)
class FaceTemplateAdmin(admin.ModelAdmin):
    """Shows that templates exist, never their contents; deleting one is allowed."""

    list_display = ["pk", "user", "source", "created_at", "last_used_at"]
    list_filter = ["source", "created_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "source", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(VerificationAttempt)
class VerificationAttemptAdmin(ReadOnlyAdmin):
    """The audit trail of face checks: counts, distances, timings; never a face.

    One distance, the worst, as the payment's evidence shows it (evidence.py).
    """

    list_display = [
        "public_id",
        "user",
        "purpose",
        "reference",
        "status",
        "reason",
        "face_distance",
        "frames_processed",
        "started_at",
        "duration_seconds",
    ]
    list_filter = ["status", "reason", "purpose", "started_at"]
    search_fields = ["user__username", "reference", "public_id"]
    list_select_related = ["user"]
    date_hierarchy = "started_at"
    fields = [
        "public_id",
        "user",
        "purpose",
        "reference",
        "status",
        "reason",
        "face_distance",
        "started_at",
        "deadline",
        "challenge_at",
        "decided_at",
        "frames_received",
        "frames_processed",
        "faces_per_frame",
        "liveness",
        "timings",
        "ip_address",
        "user_agent",
        "language",
    ]
    readonly_fields = ["public_id", "face_distance"]
    # The tracker's working state is no record; the best distance is not the one
    # the verdict rests on, and two distances side by side read as a contradiction.
    exclude = ["tracker", "best_distance"]

    @admin.display(description=lazy(_distance_heading, str)())
    def face_distance(self, attempt):
        distance = attempt_distance(attempt)
        if distance is None:
            return self.get_empty_value_display()
        count = len(attempt.liveness["distances"])
        return ngettext(
            "%(distance)s (worst of %(count)d encoding)",
            "%(distance)s (worst of %(count)d encodings)",
            count,
        ) % {"distance": distance_text(distance), "count": count}
