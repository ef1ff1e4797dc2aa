from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import FaceConsent, FaceTemplate, VerificationAttempt


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
    """The audit trail of face checks: counts, distances, timings; never a face."""

    list_display = [
        "public_id",
        "user",
        "purpose",
        "reference",
        "status",
        "reason",
        "best_distance",
        "frames_processed",
        "started_at",
        "duration_seconds",
    ]
    list_filter = ["status", "reason", "purpose", "started_at"]
    search_fields = ["user__username", "reference", "public_id"]
    list_select_related = ["user"]
    date_hierarchy = "started_at"
    exclude = ["tracker"]
