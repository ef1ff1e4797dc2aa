from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from shop.models import Merchant, Order


class Wallet(models.Model):
    """An Alipay-style balance; it only ever moves through ledger entries."""

    class Kind(models.TextChoices):
        SHOPPER = "shopper", pgettext_lazy("wallet kind", "Shopper")
        MERCHANT = "merchant", pgettext_lazy("wallet kind", "Merchant")
        # Money entering or leaving the marketplace (top-ups, withdrawals): the one
        # account that may go negative, so every other balance is backed.
        SYSTEM = "system", pgettext_lazy("wallet kind", "System")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="wallet",
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    merchant = models.OneToOneField(
        Merchant,
        on_delete=models.PROTECT,
        related_name="wallet",
        null=True,
        blank=True,
        verbose_name=_("merchant"),
    )
    name = models.CharField(
        _("name"), max_length=64, blank=True, unique=True, null=True
    )
    balance = models.DecimalField(
        _("balance"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(kind="system"),
                name="wallet_balance_gte_0",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="shopper", user__isnull=False, merchant__isnull=True)
                    | Q(kind="merchant", merchant__isnull=False, user__isnull=True)
                    | Q(kind="system", user__isnull=True, merchant__isnull=True)
                ),
                name="wallet_owner_matches_kind",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.SHOPPER:
            # Translators: in the admin; %(owner)s is a username or a shop's name.
            return gettext("Wallet of %(owner)s") % {"owner": self.user}
        if self.kind == self.Kind.MERCHANT:
            return gettext("Wallet of %(owner)s") % {"owner": self.merchant}
        return gettext("System wallet %(name)s") % {"name": self.name}


class Transfer(models.Model):
    """One movement of money: ledger entries that sum to zero."""

    class Kind(models.TextChoices):
        TOPUP = "topup", pgettext_lazy("transfer kind", "Top-up")
        PAYMENT = "payment", pgettext_lazy("transfer kind", "Payment")
        REFUND = "refund", pgettext_lazy("transfer kind", "Refund")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    payment = models.ForeignKey(
        "Payment",
        on_delete=models.PROTECT,
        related_name="transfers",
        null=True,
        blank=True,
        verbose_name=_("payment"),
    )
    # Written once, in English, as a record (the wallet page shows it as it is).
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # However often an approval arrives, a payment moves money once.
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(kind="payment"),
                name="transfer_one_per_payment",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class LedgerEntry(models.Model):
    transfer = models.ForeignKey(
        Transfer,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("transfer"),
    )
    wallet = models.ForeignKey(
        Wallet,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("wallet"),
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(
        _("balance after"), max_digits=14, decimal_places=2
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="ledgerentry_amount_ne_0"
            ),
        ]

    def __str__(self):
        return f"{self.amount:+} {self.wallet}"


class Payment(models.Model):
    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = (
            "awaiting_confirmation",
            pgettext_lazy("payment status", "Awaiting confirmation"),
        )
        APPROVED = "approved", pgettext_lazy("payment status", "Approved")
        EXPIRED = "expired", pgettext_lazy("payment status", "Expired")
        CANCELLED = "cancelled", pgettext_lazy("payment status", "Cancelled")

    # A refused face check does not decide the payment: the shopper may try again,
    # or confirm with the password, until its deadline. (A "declined" status was
    # declared and never set; migration 0003 removed it.)
    TRANSITIONS = {
        Status.AWAITING_CONFIRMATION: {
            Status.APPROVED,
            Status.EXPIRED,
            Status.CANCELLED,
        },
        Status.APPROVED: set(),
        Status.EXPIRED: set(),
        Status.CANCELLED: set(),
    }

    class Method(models.TextChoices):
        PASSWORD = "password", pgettext_lazy("payment method", "Password")
        FACE = "face", pgettext_lazy("payment method", "Face")

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="payment", verbose_name=_("order")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("user"),
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=Status.choices,
        default=Status.AWAITING_CONFIRMATION,
    )
    method = models.CharField(
        _("method"), max_length=16, choices=Method.choices, blank=True
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="payment_amount_gte_0"
            ),
        ]

    def __str__(self):
        return gettext("Payment for %(number)s") % {"number": self.order.number}

    @property
    def is_open(self):
        return self.status == self.Status.AWAITING_CONFIRMATION

    # What the shopper reads of a status where it differs from the status's own label
    # ("Approved"), which merchants and the admin read.
    SHOPPER_STATUS_LABELS = {Status.APPROVED: pgettext_lazy("payment status", "Paid")}

    @property
    def shopper_status_label(self) -> str:
        return self.SHOPPER_STATUS_LABELS.get(self.status, self.get_status_display())
