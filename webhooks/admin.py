from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Attempt, Delivery, Endpoint, Event


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "merchant", "enabled", "created_at"]
    list_filter = ["enabled"]
    # Secrets are shown to the merchant once, and never here.
    fields = ["merchant", "url", "events", "enabled", "created_at"]
    readonly_fields = ["merchant", "created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["public_id", "type", "merchant", "created_at"]
    list_filter = ["type"]
    search_fields = ["public_id"]
    readonly_fields = ["public_id", "merchant", "type", "data", "created_at"]

    def has_add_permission(self, request):
        return False


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "started_at",
        "duration_ms",
        "status_code",
        "error_message",
        "response_excerpt",
    ]
    fields = readonly_fields

    @admin.display(description=_("error"))
    def error_message(self, attempt):
        return attempt.error_message


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempt_count", "next_attempt_at"]
    list_filter = ["status"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [
        "event",
        "endpoint",
        "attempt_count",
        "delivered_at",
        "created_at",
    ]
    inlines = [AttemptInline]

    def has_add_permission(self, request):
        return False
