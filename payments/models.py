from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from shop.models import Merchant, Order


class Wallet(models.Model):
    """An Alipay-style balance; it only ever moves through ledger entries."""

    class Kind(models.TextChoices):
        SHOPPER = "shopper", "Shopper"
        MERCHANT = "merchant", "Merchant"
        # Money entering or leaving the marketplace (top-ups, withdrawals): the one
        # account that may go negative, so every other balance is backed.
        SYSTEM = "system", "System"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="wallet",
        null=True,
        blank=True,
    )
    merchant = models.OneToOneField(
        Merchant,
        on_delete=models.PROTECT,
        related_name="wallet",
        null=True,
        blank=True,
    )
    name = models.CharField(max_length=64, blank=True, unique=True, null=True)
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
            return f"Wallet of {self.user}"
        if self.kind == self.Kind.MERCHANT:
            return f"Wallet of {self.merchant}"
        return f"System wallet {self.name}"


class Transfer(models.Model):
    """One movement of money: ledger entries that sum to zero."""

    class Kind(models.TextChoices):
        TOPUP = "topup", "Top-up"
        PAYMENT = "payment", "Payment"
        REFUND = "refund", "Refund"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    payment = models.ForeignKey(
        "Payment",
        on_delete=models.PROTECT,
        related_name="transfers",
        null=True,
        blank=True,
    )
    memo = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        Transfer, on_delete=models.PROTECT, related_name="entries"
    )
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0), name="ledgerentry_amount_ne_0"
            ),
        ]

    def __str__(self):
        return f"{self.amount:+} {self.wallet}"


class Payment(models.Model):
    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting_confirmation", "Awaiting confirmation"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    TRANSITIONS = {
        Status.AWAITING_CONFIRMATION: {
            Status.APPROVED,
            Status.DECLINED,
            Status.EXPIRED,
            Status.CANCELLED,
        },
        Status.APPROVED: set(),
        Status.DECLINED: set(),
        Status.EXPIRED: set(),
        Status.CANCELLED: set(),
    }

    class Method(models.TextChoices):
        PASSWORD = "password", "Password"
        FACE = "face", "Face"

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="payment"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=32, choices=Status.choices, default=Status.AWAITING_CONFIRMATION
    )
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    deadline = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="payment_amount_gte_0"
            ),
        ]

    def __str__(self):
        return f"Payment for {self.order.number}"

    @property
    def is_open(self):
        return self.status == self.Status.AWAITING_CONFIRMATION
