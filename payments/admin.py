from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin

from .models import LedgerEntry, Payment, Transfer, Wallet


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "balance", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "merchant__name", "name"]
    list_select_related = ["user", "merchant"]


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    readonly_fields = ["wallet", "amount", "balance_after", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "memo", "payment", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["memo", "payment__order__number"]
    list_select_related = ["payment__order"]
    inlines = [LedgerEntryInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "wallet", "amount", "balance_after", "transfer"]
    list_filter = ["wallet__kind", "transfer__kind", "created_at"]
    search_fields = [
        "wallet__user__username",
        "wallet__merchant__name",
        "transfer__memo",
    ]
    list_select_related = ["wallet__user", "wallet__merchant", "transfer"]
    date_hierarchy = "created_at"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order",
        "user",
        "amount",
        "status",
        "method",
        "deadline",
        "decided_at",
    ]
    list_filter = ["status", "method", "created_at"]
    search_fields = ["order__number", "user__username"]
    list_select_related = ["order", "user"]
    date_hierarchy = "created_at"
    readonly_fields = ["confirmation"]

    @admin.display(description=_("How it was confirmed"))
    def confirmation(self, payment):
        if payment.method != Payment.Method.FACE:
            return payment.get_method_display() or "—"
        # The words and the distance of the merchant's order page, from one template.
        evidence = payment.evidence or {}
        shown = render_to_string("payments/_face_evidence.html", {"evidence": evidence})
        if not evidence.get("attempt"):
            return shown
        # Translators: the id of the face check (verification attempt) in the admin.
        attempt = _("Attempt %(attempt)s") % {"attempt": evidence["attempt"]}
        return format_html("{}<p>{}</p>", shown, attempt)
