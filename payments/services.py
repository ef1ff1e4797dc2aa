"""Wallets, the ledger, payment transitions and the checkout that ties them to orders."""

import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import throttle
from accounts.exceptions import TooManyAttempts
from core.transitions import transition
from faceauth.models import VerificationAttempt
from faceauth.services.attempts import attempt_start
from faceauth.services.evidence import attempt_evidence
from shop.cart import cart_clear, cart_lock_for_checkout
from shop.exceptions import CartEmpty
from shop.models import Order
from shop.selectors import order_find_by_checkout_key
from shop.services import (
    Shipping,
    order_create,
    order_line_cancel,
    order_mark_paid,
    order_release,
)

from .exceptions import (
    CheckoutStale,
    FaceLimitExceeded,
    InsufficientFunds,
    InvalidAmount,
    PasswordLocked,
    PaymentError,
    PaymentNotOpen,
    UnbalancedTransfer,
    WrongPassword,
)
from .limits import face_limit_for
from .models import LedgerEntry, Payment, Transfer, Wallet
from .signals import order_line_refunded, payment_approved, payment_expired

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_TOPUP = Decimal("1000000")
TOPUP_WALLET = "topups"


def money(value) -> Decimal:
    """Parse a positive amount of money with at most two decimals."""
    try:
        amount = Decimal(str(value).strip())
        # quantize() raises for numbers too long to hold in cents (e.g. 1e30).
        in_cents = amount.is_finite() and amount == amount.quantize(CENT)
    except (InvalidOperation, ValueError):
        raise InvalidAmount(
            _("“%(value)s” is not an amount of money.") % {"value": value}
        ) from None
    if not in_cents or amount <= 0:
        raise InvalidAmount(
            _("“%(value)s” is not a positive amount in cents.") % {"value": value}
        )
    return amount


# Wallets and the ledger --------------------------------------------------------


def wallet_for_user(*, user) -> Wallet:
    wallet, _ = Wallet.objects.get_or_create(
        user=user, defaults={"kind": Wallet.Kind.SHOPPER}
    )
    return wallet


def wallet_close_unused(*, user) -> int:
    """Delete `user`'s wallet if no money ever moved through it (its ledger is
    empty); a used wallet stays, and keeps its user (PROTECT). Returns how many
    wallets were deleted."""
    deleted, _ = Wallet.objects.filter(user=user, entries__isnull=True).delete()
    return deleted


def wallet_for_merchant(*, merchant) -> Wallet:
    wallet, _ = Wallet.objects.get_or_create(
        merchant=merchant, defaults={"kind": Wallet.Kind.MERCHANT}
    )
    return wallet


def wallet_system(*, name=TOPUP_WALLET) -> Wallet:
    wallet, _ = Wallet.objects.get_or_create(
        name=name, defaults={"kind": Wallet.Kind.SYSTEM}
    )
    return wallet


@transaction.atomic
def transfer_post(
    *, kind, entries: list[tuple[Wallet, Decimal]], payment=None, memo=""
) -> Transfer:
    """Move money between wallets as one balanced set of ledger entries."""
    entries = [(wallet, amount) for wallet, amount in entries if amount]
    if not entries or sum(amount for _wallet, amount in entries) != 0:
        raise UnbalancedTransfer(_("Ledger entries must sum to zero."))
    transfer = Transfer.objects.create(kind=kind, payment=payment, memo=memo)
    # One fixed order of row locks, so two transfers never deadlock.
    for wallet, amount in sorted(entries, key=lambda entry: entry[0].pk):
        rows = Wallet.objects.filter(pk=wallet.pk)
        if amount < 0 and wallet.kind != Wallet.Kind.SYSTEM:
            rows = rows.filter(balance__gte=-amount)
        if not rows.update(balance=F("balance") + amount):
            raise InsufficientFunds(
                _(
                    "Your wallet balance is too low for this payment. "
                    "Top up your wallet, then confirm again."
                )
            )
        balance = Wallet.objects.filter(pk=wallet.pk).values_list("balance", flat=True)[
            0
        ]
        LedgerEntry.objects.create(
            transfer=transfer, wallet=wallet, amount=amount, balance_after=balance
        )
    return transfer


def wallet_topup(*, user, amount, memo="") -> Transfer:
    """Credit a shopper's wallet with money from outside the marketplace."""
    amount = money(amount)
    if amount > MAX_TOPUP:
        raise InvalidAmount(
            _("A single top-up is at most %(max)s.") % {"max": MAX_TOPUP}
        )
    transfer = transfer_post(
        kind=Transfer.Kind.TOPUP,
        entries=[(wallet_system(), -amount), (wallet_for_user(user=user), amount)],
        memo=memo,
    )
    logger.info("Wallet of user %s: topped up by %s", user.pk, amount)
    return transfer


# Checkout ----------------------------------------------------------------------


def checkout_place(
    *, user, checkout_key, shipping: Shipping, expected_total
) -> tuple[Order, bool]:
    """Place the order reviewed under `checkout_key`; return it and whether it is new.

    The same key always yields the same order, so a double click, a retried POST or
    a second tab never places a second one.
    """
    with transaction.atomic():
        current_key, lines = cart_lock_for_checkout(user=user)
        existing = order_find_by_checkout_key(user=user, key=checkout_key)
        if existing is not None:
            return existing, False
        if not lines:
            raise CartEmpty(_("Your cart is empty."))
        if current_key != checkout_key:
            raise CheckoutStale(
                _(
                    "Your cart changed since you reviewed it. "
                    "Please review your order again."
                )
            )
        total = sum((line.line_total for line in lines), Decimal("0"))
        if expected_total != total:
            raise CheckoutStale(
                _(
                    "The total you confirmed no longer matches your cart. "
                    "Please review your order again."
                )
            )
        order = order_create(
            user=user, lines=lines, shipping=shipping, idempotency_key=checkout_key
        )
        Payment.objects.create(
            order=order,
            user=user,
            amount=order.total,
            deadline=timezone.now()
            + timedelta(minutes=settings.PAYMENT_CONFIRMATION_MINUTES),
        )
        cart_clear(user=user)
    return order, True


# Payment transitions -------------------------------------------------------------


# Why a payment cannot be confirmed: a whole sentence for each decided status.
PAYMENT_IS = {
    Payment.Status.APPROVED: gettext_lazy("This payment is approved."),
    Payment.Status.EXPIRED: gettext_lazy("This payment is expired."),
    Payment.Status.CANCELLED: gettext_lazy("This payment is cancelled."),
}
PAYMENT_TIME_RAN_OUT = gettext_lazy("This payment's time to confirm has run out.")


def _payment_transition(*, payment, to, **fields) -> Payment:
    """Move an open payment to `to`; a decided or late payment raises PaymentNotOpen."""
    now = timezone.now()
    guard = None
    if to == Payment.Status.APPROVED:
        guard = Q(deadline__gt=now)  # a late confirmation never approves
    elif to == Payment.Status.EXPIRED:
        guard = Q(deadline__lte=now)
    if not transition(payment, to, guard=guard, decided_at=now, **fields):
        payment.refresh_from_db()
        raise PaymentNotOpen(str(PAYMENT_IS.get(payment.status, PAYMENT_TIME_RAN_OUT)))
    # A fresh object: if the caller's transaction rolls back, its own copy is still true.
    return Payment.objects.select_related("order", "user").get(pk=payment.pk)


@transaction.atomic
def payment_approve(*, payment, method, evidence) -> Payment:
    """Approve a payment: debit the shopper, credit each merchant, mark the order paid.

    The only way a payment is approved, whatever confirmed it. By face, only within
    the face limits (FaceLimitExceeded otherwise, and nothing is applied).
    """
    payment = _payment_transition(
        payment=payment, to=Payment.Status.APPROVED, method=method, evidence=evidence
    )
    order = payment.order
    per_merchant = defaultdict(Decimal)
    for line in order.lines.select_related("merchant"):
        per_merchant[line.merchant] += line.line_total
    entries = [(wallet_for_user(user=payment.user), -payment.amount)]
    entries += [
        (wallet_for_merchant(merchant=merchant), amount)
        for merchant, amount in per_merchant.items()
    ]
    if method == Payment.Method.FACE:
        _face_limit_enforce_locked(payment=payment, wallets=[w for w, _ in entries])
    transfer_post(
        kind=Transfer.Kind.PAYMENT,
        entries=entries,
        payment=payment,
        memo=f"Order {order.number}",
    )
    order_mark_paid(order=order)
    payment_approved.send(sender=Payment, payment=payment)
    logger.info("Order #%s: payment approved by %s", order.number, method)
    return payment


def _face_limit_enforce(*, payment) -> None:
    """Raise FaceLimitExceeded if paying `payment` by face now passes a face limit."""
    limit = face_limit_for(payment=payment)
    if not limit.allowed:
        raise FaceLimitExceeded(limit.message, limit=limit)


def _face_limit_enforce_locked(*, payment, wallets) -> None:
    """Enforce the face limits again at approval, holding the transfer's wallet rows.

    Two face checks of one shopper may each start under the daily limit: their
    approvals take turns on the shopper's wallet row, so the second one counts the
    first. The rows transfer_post is about to lock, in its primary-key order: the
    lock comes earlier, in the same order, and adds no deadlock.
    """
    list(
        Wallet.objects.select_for_update()
        .filter(pk__in=[wallet.pk for wallet in wallets])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _face_limit_enforce(payment=payment)


def payment_confirm_with_password(*, payment, user, password) -> Payment:
    """Approve `user`'s own payment after they re-entered their account password."""
    if payment.user_id != user.pk:
        raise PaymentNotOpen(_("This payment is not yours to confirm."))
    if not payment.is_open:
        raise PaymentNotOpen(str(PAYMENT_IS[payment.status]))
    # Counted as the user's signed-in checks (accounts/throttle.py): a stolen session
    # guessing here is slowed, and no stranger at the login form can block it.
    try:
        right = throttle.password_check(user=user, password=password or "")
    except TooManyAttempts as exc:
        raise PasswordLocked(
            # Translators: %(reason)s says how long to wait, a sentence of its own.
            _("%(reason)s Nothing was charged.") % {"reason": exc},
            retry_after=exc.retry_after,
        ) from exc
    if not right:
        logger.warning(
            "Order #%s: wrong password at confirmation", payment.order.number
        )
        left = throttle.password_tries_left(user=user)
        raise WrongPassword(
            ngettext(
                "That password is not right. Nothing was charged. %(left)d try left "
                "before you have to wait to try again.",
                "That password is not right. Nothing was charged. %(left)d tries left "
                "before you have to wait to try again.",
                left,
            )
            % {"left": left}
        )
    return payment_approve(
        payment=payment,
        method=Payment.Method.PASSWORD,
        evidence={"password_confirmed_at": timezone.now().isoformat()},
    )


def payment_face_start(
    *, payment, user, ip_address=None, user_agent=""
) -> VerificationAttempt:
    """Open a face check for `user`'s own open payment.

    Raises PaymentNotOpen, InsufficientFunds or FaceLimitExceeded here, and
    faceauth's NotEnrolled, FaceLocked or key errors from attempt_start: the camera
    never starts for a payment that could not be approved.
    """
    if payment.user_id != user.pk or not payment.is_open:
        raise PaymentNotOpen(_("This payment is no longer waiting for confirmation."))
    if payment.deadline <= timezone.now():
        raise PaymentNotOpen(str(PAYMENT_TIME_RAN_OUT))
    if wallet_for_user(user=user).balance < payment.amount:
        raise InsufficientFunds(
            _("Your wallet holds less than this order's total: top it up first.")
        )
    _face_limit_enforce(payment=payment)
    return attempt_start(
        user=user,
        purpose=VerificationAttempt.Purpose.PAYMENT,
        reference=payment.order.number,
        deadline_cap=payment.deadline,
        ip_address=ip_address,
        user_agent=user_agent,
    )


def payment_confirm_with_face(*, attempt) -> Payment | None:
    """Approve the payment an approved face check was for; once, however often asked.

    Returns None when the payment cannot be approved any more (cancelled, expired,
    already paid) or not by face (over a face limit: it stays open for the
    password): the check's verdict alone never moves money.
    """
    if (
        attempt.status != VerificationAttempt.Status.APPROVED
        or attempt.purpose != VerificationAttempt.Purpose.PAYMENT
    ):
        return None
    payment = _payment_of_attempt(attempt)
    if payment is None:
        logger.error("Attempt %s: no payment for its reference", attempt.public_id)
        return None
    try:
        return payment_approve(
            payment=payment,
            method=Payment.Method.FACE,
            evidence=attempt_evidence(attempt),
        )
    except FaceLimitExceeded as exc:
        logger.warning(
            "Order #%s: face approval refused, %s (%s, %s paid by face today, "
            "limits %s an order and %s a day); left open for the password",
            payment.order.number,
            exc.limit.code,
            payment.amount,
            exc.limit.paid_by_face_today,
            exc.limit.max_amount,
            exc.limit.daily_max_amount,
        )
        return None
    except PaymentError as exc:
        logger.warning(
            "Order #%s: face approval not applied (%s)", payment.order.number, exc
        )
        return None


def _payment_of_attempt(attempt) -> Payment | None:
    """The payment a face check of the shopper names, if there is one."""
    return (
        Payment.objects.select_related("order", "user")
        .filter(order__number=attempt.reference, user=attempt.user_id)
        .first()
    )


@transaction.atomic
def payment_cancel(*, payment) -> Payment:
    """Cancel an open payment at the shopper's request; its stock returns."""
    payment = _payment_transition(payment=payment, to=Payment.Status.CANCELLED)
    order_release(order=payment.order, status=Order.Status.CANCELLED)
    return payment


@transaction.atomic
def payment_expire(*, payment) -> Payment:
    """Expire an open payment whose deadline passed; its stock returns."""
    payment = _payment_transition(payment=payment, to=Payment.Status.EXPIRED)
    order_release(order=payment.order, status=Order.Status.EXPIRED)
    payment_expired.send(sender=Payment, payment=payment)
    return payment


def payments_apply_face_verdicts() -> int:
    """Apply approved face checks whose payment is still open: the answer to the
    `attempt_decided` signal failed (the database went away mid-way, say), so the
    verdict is stored but no money moved. Once per payment, as always; run by
    celery beat. Returns how many payments it approved.

    An approval the face limits refused is left alone while they still refuse it:
    it was logged once, when refused, and is not tried (nor logged) every 10 s.
    """
    open_orders = Payment.objects.filter(
        status=Payment.Status.AWAITING_CONFIRMATION, deadline__gt=timezone.now()
    ).values("order__number")
    unapplied = VerificationAttempt.objects.filter(
        status=VerificationAttempt.Status.APPROVED,
        purpose=VerificationAttempt.Purpose.PAYMENT,
        reference__in=open_orders,
    )
    applied = 0
    for attempt in unapplied:
        payment = _payment_of_attempt(attempt)
        if payment is not None and not face_limit_for(payment=payment).allowed:
            continue
        if payment_confirm_with_face(attempt=attempt) is not None:
            applied += 1
            logger.warning(
                "Order #%s: face approval applied late, by the sweep", attempt.reference
            )
    return applied


def payments_expire_overdue() -> int:
    """Expire every open payment past its deadline; return how many expired."""
    overdue = Payment.objects.filter(
        status=Payment.Status.AWAITING_CONFIRMATION, deadline__lte=timezone.now()
    ).select_related("order")
    expired = 0
    for payment in overdue:
        try:
            payment_expire(payment=payment)
        except PaymentNotOpen:
            continue  # approved or cancelled meanwhile: that one won
        expired += 1
        logger.info("Order #%s: payment expired", payment.order.number)
    return expired


@transaction.atomic
def order_line_cancel_and_refund(*, line, user=None) -> Transfer:
    """Cancel a merchant's line of a paid order: its stock returns and its amount
    goes back from the merchant's wallet to the shopper's, through the ledger;
    `user` is the staff member who cancelled it."""
    line = order_line_cancel(line=line, user=user)
    order = line.order
    payment = Payment.objects.get(order=order)
    transfer = transfer_post(
        kind=Transfer.Kind.REFUND,
        entries=[
            (wallet_for_merchant(merchant=line.merchant), -line.line_total),
            (wallet_for_user(user=order.user), line.line_total),
        ],
        payment=payment,
        memo=f"Refund: order {order.number}, {line.quantity} × {line.title}",
    )
    order_line_refunded.send(sender=Payment, line=line, transfer=transfer)
    logger.info(
        "Order #%s: line %s refunded %s", order.number, line.pk, line.line_total
    )
    return transfer
