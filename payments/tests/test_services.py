"""Wallets, the ledger, checkout and payment transitions, through their services."""

import threading
import time
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from payments.exceptions import (
    CheckoutStale,
    InsufficientFunds,
    InvalidAmount,
    PasswordLocked,
    PaymentNotOpen,
    UnbalancedTransfer,
    WrongPassword,
)
from payments.models import LedgerEntry, Payment, Transfer, Wallet
from payments.services import (
    MAX_TOPUP,
    checkout_place,
    payment_approve,
    payment_cancel,
    payment_confirm_with_password,
    payment_expire,
    payments_expire_overdue,
    transfer_post,
    wallet_for_user,
    wallet_system,
    wallet_topup,
)
from payments.tasks import expire_overdue_payments
from shop.cart import CartSession
from shop.exceptions import CartEmpty, OutOfStock
from shop.models import Cart, CartItem, Order, Product
from shop.tests.concurrency import run_together
from shop.tests.factories import ProductFactory, UserFactory

from .conftest import balance_of
from .factories import SHIPPING, cart_fill, order_place, payment_make_overdue

pytestmark = pytest.mark.django_db

D = Decimal


def _stock(product):
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def _approve(payment):
    return payment_approve(
        payment=payment, method=Payment.Method.PASSWORD, evidence={"test": True}
    )


# The ledger ---------------------------------------------------------------------


def test_transfer_post_moves_money_as_entries_summing_to_zero(
    shopper, other_shopper, assert_invariants
):
    source, target = wallet_for_user(user=shopper), wallet_for_user(user=other_shopper)
    system = wallet_system()

    transfer = transfer_post(
        kind=Transfer.Kind.TOPUP,
        entries=[(system, D("-30.00")), (source, D("20.00")), (target, D("10.00"))],
        memo="split",
    )

    entries = {e.wallet_id: (e.amount, e.balance_after) for e in transfer.entries.all()}
    assert entries == {
        system.pk: (D("-30.00"), D("-30.00")),
        source.pk: (D("20.00"), D("20.00")),
        target.pk: (D("10.00"), D("10.00")),
    }
    assert balance_of(source) == D("20.00")
    assert balance_of(target) == D("10.00")
    assert balance_of(system) == D("-30.00")
    assert_invariants()


@pytest.mark.parametrize(
    "amounts",
    [
        [D("-10.00"), D("9.99")],
        [D("10.00")],
        [D("-10.00"), D("10.00"), D("0.01")],
        [],
        [D("0"), D("0")],
    ],
)
def test_transfer_post_refuses_unbalanced_entries(
    funded_shopper, merchant, amounts, state
):
    wallets = [wallet_for_user(user=funded_shopper), merchant.wallet, wallet_system()]
    before = state()

    with pytest.raises(UnbalancedTransfer):
        transfer_post(
            kind=Transfer.Kind.TOPUP, entries=list(zip(wallets, amounts, strict=False))
        )

    assert state() == before


def test_transfer_post_refuses_overdraft_and_changes_nothing(
    shopper, other_shopper, assert_invariants, state
):
    # The credited wallet is older, so its row is updated before the debit fails.
    credited = wallet_for_user(user=shopper)
    debited = wallet_for_user(user=other_shopper)
    assert credited.pk < debited.pk
    wallet_topup(user=other_shopper, amount="10.00")
    before = state()

    with pytest.raises(InsufficientFunds):
        transfer_post(
            kind=Transfer.Kind.PAYMENT,
            entries=[(credited, D("10.01")), (debited, D("-10.01"))],
        )

    assert state() == before
    assert balance_of(credited) == D("0.00")
    assert balance_of(debited) == D("10.00")
    assert_invariants()


def test_transfer_post_may_empty_a_wallet_exactly(shopper, merchant, assert_invariants):
    wallet_topup(user=shopper, amount="10.00")
    wallet = wallet_for_user(user=shopper)

    transfer_post(
        kind=Transfer.Kind.PAYMENT,
        entries=[(wallet, D("-10.00")), (merchant.wallet, D("10.00"))],
    )

    assert balance_of(wallet) == D("0.00")
    assert balance_of(merchant.wallet) == D("10.00")
    assert_invariants()


def test_system_wallet_is_the_only_one_that_may_go_negative(shopper):
    wallet_topup(user=shopper, amount="250.00")

    assert balance_of(wallet_system()) == D("-250.00")
    assert balance_of(wallet_for_user(user=shopper)) == D("250.00")


# Top-ups ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "credited"),
    [
        ("12.30", D("12.30")),
        (" 5 ", D("5.00")),
        (D("0.01"), D("0.01")),
        (7, D("7.00")),
        (str(MAX_TOPUP), MAX_TOPUP),
    ],
)
def test_wallet_topup_credits_shopper_from_system_wallet(
    shopper, amount, credited, assert_invariants
):
    transfer = wallet_topup(user=shopper, amount=amount, memo="Birthday")

    assert transfer.kind == Transfer.Kind.TOPUP
    assert transfer.memo == "Birthday"
    assert balance_of(wallet_for_user(user=shopper)) == credited
    assert balance_of(wallet_system()) == -credited
    assert transfer.entries.count() == 2
    assert_invariants()


@pytest.mark.parametrize(
    "amount",
    [
        0,
        "0",
        "0.00",
        -1,
        "-0.01",
        "abc",
        "",
        " ",
        None,
        "1.001",
        "0.001",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1e-5",
        str(MAX_TOPUP + D("0.01")),
        "1e30",
        "9" * 40,
        D("1e100"),
    ],
)
def test_wallet_topup_refuses_bad_amount(funded_shopper, amount, state):
    before = state()

    with pytest.raises(InvalidAmount):
        wallet_topup(user=funded_shopper, amount=amount)

    assert state() == before
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")


# Checkout -----------------------------------------------------------------------


def test_checkout_place_creates_order_and_open_payment(
    funded_shopper, product, other_product, assert_invariants
):
    cart = cart_fill(user=funded_shopper, items={product: 2, other_product: 1})
    started = timezone.now()

    order, created = checkout_place(
        user=funded_shopper,
        checkout_key=cart.checkout_key,
        shipping=SHIPPING,
        expected_total=D("91.00"),
    )

    assert created is True
    assert order.total == D("91.00")
    assert order.idempotency_key == cart.checkout_key
    assert order.status == Order.Status.AWAITING_PAYMENT
    payment = Payment.objects.get(order=order)
    assert payment.user == funded_shopper
    assert payment.amount == D("91.00")
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert started + timedelta(minutes=15) <= payment.deadline
    assert payment.deadline <= timezone.now() + timedelta(minutes=15)
    assert _stock(product) == 3
    assert _stock(other_product) == 2
    # The cart is emptied and its key moves on, so that review cannot be placed anew.
    assert not CartItem.objects.filter(cart__user=funded_shopper).exists()
    assert Cart.objects.get(user=funded_shopper).checkout_key != cart.checkout_key
    # Placing an order moves no money: that waits for the confirmation.
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")
    assert not Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).exists()
    assert_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_checkout_place_same_key_twice_returns_same_order(
    funded_shopper, product, assert_invariants
):
    cart = cart_fill(user=funded_shopper, items={product: 2})
    kwargs = dict(
        user=funded_shopper,
        checkout_key=cart.checkout_key,
        shipping=SHIPPING,
        expected_total=D("51.00"),
    )
    first, first_created = checkout_place(**kwargs)

    second, second_created = checkout_place(**kwargs)

    assert (first_created, second_created) == (True, False)
    assert second.pk == first.pk
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert _stock(product) == 3
    assert_invariants(initial_stock={product.pk: 5})


def test_checkout_place_same_key_after_refilling_cart_returns_old_order(
    funded_shopper, product
):
    first = order_place(user=funded_shopper, items={product: 1})
    cart_fill(user=funded_shopper, items={product: 3})

    again, created = checkout_place(
        user=funded_shopper,
        checkout_key=first.idempotency_key,
        shipping=SHIPPING,
        expected_total=D("25.50"),
    )

    assert (again.pk, created) == (first.pk, False)
    assert CartItem.objects.get(cart__user=funded_shopper).quantity == 3
    assert _stock(product) == 4


def test_checkout_place_with_stale_key_raises_checkout_stale(
    funded_shopper, product, other_product, state
):
    reviewed = cart_fill(user=funded_shopper, items={product: 1}).checkout_key
    # After reviewing, the shopper adds a teapot in another tab.
    other_tab = SimpleNamespace(session={}, user=funded_shopper)
    CartSession(other_tab).add(product=other_product, quantity=1)
    before = state()

    with pytest.raises(CheckoutStale, match="Your cart changed"):
        checkout_place(
            user=funded_shopper,
            checkout_key=reviewed,
            shipping=SHIPPING,
            expected_total=D("25.50"),
        )

    assert state() == before
    assert not Order.objects.exists()


@pytest.mark.parametrize("tampered", [D("0.01"), D("91.01"), D("90.99"), D("0")])
def test_checkout_place_with_tampered_total_changes_nothing(
    funded_shopper, product, other_product, tampered, state
):
    cart = cart_fill(user=funded_shopper, items={product: 2, other_product: 1})
    before = state()

    with pytest.raises(CheckoutStale, match="total you confirmed"):
        checkout_place(
            user=funded_shopper,
            checkout_key=cart.checkout_key,
            shipping=SHIPPING,
            expected_total=tampered,
        )

    assert state() == before
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert _stock(product) == 5
    assert CartItem.objects.filter(cart__user=funded_shopper).count() == 2


def test_checkout_place_with_price_changed_since_review_is_stale(
    funded_shopper, product, state
):
    cart = cart_fill(user=funded_shopper, items={product: 2})
    Product.objects.filter(pk=product.pk).update(price=D("30.00"))
    before = state()

    with pytest.raises(CheckoutStale):
        checkout_place(
            user=funded_shopper,
            checkout_key=cart.checkout_key,
            shipping=SHIPPING,
            expected_total=D("51.00"),
        )

    assert state() == before


def test_checkout_place_leaves_out_product_withdrawn_before_review(
    funded_shopper, product, other_product, assert_invariants
):
    cart = cart_fill(user=funded_shopper, items={product: 2, other_product: 1})
    Product.objects.filter(pk=other_product.pk).update(active=False)
    # The review, like the cart page, shows only what is still for sale.
    review = CartSession(SimpleNamespace(session={}, user=funded_shopper)).lines()
    assert [(line.product.pk, line.quantity) for line in review] == [(product.pk, 2)]

    order, created = checkout_place(
        user=funded_shopper,
        checkout_key=cart.checkout_key,
        shipping=SHIPPING,
        expected_total=sum(line.line_total for line in review),
    )

    assert created is True
    assert order.total == D("51.00")
    assert list(order.lines.values_list("product_id", "quantity")) == [(product.pk, 2)]
    assert (_stock(product), _stock(other_product)) == (3, 3)
    assert_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_checkout_place_of_product_withdrawn_after_review_is_stale(
    funded_shopper, product, other_product, state
):
    cart = cart_fill(user=funded_shopper, items={product: 2, other_product: 1})
    Product.objects.filter(pk=other_product.pk).update(active=False)
    before = state()

    with pytest.raises(CheckoutStale):
        checkout_place(
            user=funded_shopper,
            checkout_key=cart.checkout_key,
            shipping=SHIPPING,
            expected_total=D("91.00"),
        )

    assert state() == before


def test_checkout_place_of_empty_cart_raises_cart_empty(funded_shopper, product):
    cart = cart_fill(user=funded_shopper, items={})

    with pytest.raises(CartEmpty):
        checkout_place(
            user=funded_shopper,
            checkout_key=cart.checkout_key,
            shipping=SHIPPING,
            expected_total=D("0"),
        )

    assert not Order.objects.exists()


def test_checkout_place_of_sold_out_product_keeps_cart(funded_shopper, product, state):
    cart = cart_fill(user=funded_shopper, items={product: 2})
    Product.objects.filter(pk=product.pk).update(stock=1)
    before = state()

    with pytest.raises(OutOfStock, match="Only 1 of “Tea Mug” left"):
        checkout_place(
            user=funded_shopper,
            checkout_key=cart.checkout_key,
            shipping=SHIPPING,
            expected_total=D("51.00"),
        )

    assert state() == before


# Approving a payment ----------------------------------------------------------------


def test_payment_approve_pays_each_merchant_for_its_own_lines(
    payment, shopper_wallet, merchant_wallets, assert_invariants
):
    panda, koala = merchant_wallets
    non_system_before = Wallet.objects.exclude(kind=Wallet.Kind.SYSTEM)
    total_before = sum(w.balance for w in non_system_before)

    approved = _approve(payment)

    assert approved.status == Payment.Status.APPROVED
    assert approved.method == Payment.Method.PASSWORD
    assert approved.evidence == {"test": True}
    assert approved.decided_at is not None
    assert Order.objects.get(pk=payment.order_id).status == Order.Status.PAID
    assert balance_of(shopper_wallet) == D("909.00")
    assert balance_of(panda) == D("51.00")
    assert balance_of(koala) == D("40.00")
    [transfer] = Transfer.objects.filter(kind=Transfer.Kind.PAYMENT)
    assert transfer.payment_id == payment.pk
    assert sorted((e.wallet_id, e.amount) for e in transfer.entries.all()) == sorted(
        [
            (shopper_wallet.pk, D("-91.00")),
            (panda.pk, D("51.00")),
            (koala.pk, D("40.00")),
        ]
    )
    non_system_after = Wallet.objects.exclude(kind=Wallet.Kind.SYSTEM)
    assert sum(w.balance for w in non_system_after) == total_before
    assert_invariants()


def test_second_approve_raises_payment_not_open_and_moves_nothing(
    payment, assert_invariants, state
):
    _approve(payment)
    before = state()

    with pytest.raises(PaymentNotOpen, match="This payment is approved"):
        _approve(Payment.objects.get(pk=payment.pk))

    assert state() == before
    assert Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count() == 1
    assert_invariants()


def test_second_approve_with_stale_object_is_refused_too(
    payment, shopper_wallet, assert_invariants
):
    stale = Payment.objects.get(pk=payment.pk)
    _approve(payment)

    with pytest.raises(PaymentNotOpen):
        _approve(stale)

    assert Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count() == 1
    assert balance_of(shopper_wallet) == D("909.00")
    assert_invariants()


def test_payment_approve_after_deadline_raises_payment_not_open(
    payment, assert_invariants, state
):
    payment_make_overdue(payment)
    before = state()

    with pytest.raises(PaymentNotOpen, match="time to confirm has run out"):
        _approve(payment)

    assert state() == before
    assert Payment.objects.get(pk=payment.pk).status == (
        Payment.Status.AWAITING_CONFIRMATION
    )
    assert_invariants()


def test_payment_approve_with_insufficient_funds_leaves_payment_awaiting(
    shopper, product, other_product, assert_invariants, state
):
    wallet_topup(user=shopper, amount="90.99")
    order = order_place(user=shopper, items={product: 2, other_product: 1})
    before = state()

    with pytest.raises(InsufficientFunds):
        _approve(order.payment)

    assert state() == before
    payment = Payment.objects.get(pk=order.payment.pk)
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert payment.method == ""
    assert payment.decided_at is None
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT
    assert balance_of(wallet_for_user(user=shopper)) == D("90.99")
    assert_invariants(initial_stock={product.pk: 5, other_product.pk: 3})

    # Topped up, the shopper confirms again and it goes through.
    wallet_topup(user=shopper, amount="0.01")
    _approve(payment)
    assert balance_of(wallet_for_user(user=shopper)) == D("0.00")
    assert_invariants()


# Confirming with a password --------------------------------------------------------


def test_payment_confirm_with_right_password_approves(
    payment, funded_shopper, password, assert_invariants
):
    approved = payment_confirm_with_password(
        payment=payment, user=funded_shopper, password=password
    )

    assert approved.status == Payment.Status.APPROVED
    assert approved.method == Payment.Method.PASSWORD
    assert "password_confirmed_at" in approved.evidence
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("909.00")
    assert_invariants()


@pytest.mark.parametrize("wrong", ["wrong-horse", "", None, "CORRECT-HORSE-BATTERY"])
def test_payment_confirm_with_wrong_password_changes_nothing(
    payment, funded_shopper, wrong, state
):
    before = state()

    with pytest.raises(WrongPassword, match="Nothing was charged"):
        payment_confirm_with_password(
            payment=payment, user=funded_shopper, password=wrong
        )

    assert state() == before


def test_five_wrong_passwords_lock_confirmation_even_with_the_right_one(
    payment, funded_shopper, password, state
):
    before = state()
    for _ in range(4):
        with pytest.raises(WrongPassword):
            payment_confirm_with_password(
                payment=payment, user=funded_shopper, password="guess"
            )
    with pytest.raises(PasswordLocked, match="Too many sign-in attempts") as locked:
        payment_confirm_with_password(
            payment=payment, user=funded_shopper, password="guess"
        )
    assert locked.value.retry_after > 0

    with pytest.raises(PasswordLocked, match="Nothing was charged"):
        payment_confirm_with_password(
            payment=payment, user=funded_shopper, password=password
        )
    assert state() == before


def test_wrong_passwords_at_the_login_form_do_not_count_at_checkout(
    client, payment, funded_shopper, password
):
    # Whoever guesses at the login form, signed out, cannot stop the shopper paying.
    for _ in range(8):
        client.post(
            "/accounts/login/",
            {"username": funded_shopper.username, "password": "guess"},
        )
    with pytest.raises(WrongPassword, match="4 tries left"):
        payment_confirm_with_password(
            payment=payment, user=funded_shopper, password="guess"
        )

    paid = payment_confirm_with_password(
        payment=payment, user=funded_shopper, password=password
    )

    assert paid.status == Payment.Status.APPROVED


def test_wrong_passwords_at_checkout_make_the_shopper_wait(
    payment, funded_shopper, password
):
    for _ in range(4):
        with pytest.raises(WrongPassword):
            payment_confirm_with_password(
                payment=payment, user=funded_shopper, password="guess"
            )
    with pytest.raises(PasswordLocked) as locked:
        payment_confirm_with_password(
            payment=payment, user=funded_shopper, password="guess"
        )
    assert locked.value.retry_after == 60

    with pytest.raises(PasswordLocked):
        payment_confirm_with_password(
            payment=payment, user=funded_shopper, password=password
        )


def test_the_right_password_forgets_earlier_wrong_ones(
    payment, funded_shopper, password
):
    other = order_place(user=funded_shopper, items={ProductFactory(stock=3): 1})
    for _ in range(4):
        with pytest.raises(WrongPassword):
            payment_confirm_with_password(
                payment=payment, user=funded_shopper, password="guess"
            )
    payment_confirm_with_password(
        payment=payment, user=funded_shopper, password=password
    )

    with pytest.raises(WrongPassword):  # a fifth wrong one in all: not locked
        payment_confirm_with_password(
            payment=other.payment, user=funded_shopper, password="guess"
        )


def test_parallel_wrong_passwords_at_confirmation_get_five_checks_at_most(
    payment, funded_shopper, monkeypatch
):
    checked = []
    lock = threading.Lock()

    def check_password(raw_password):  # as slow as a real hash, and wrong
        with lock:
            checked.append(raw_password)
        time.sleep(0.2)
        return False

    monkeypatch.setattr(funded_shopper, "check_password", check_password)
    assert payment.order.number  # loaded here: the threads see no test rows

    outcomes = run_together(
        [
            lambda: payment_confirm_with_password(
                payment=payment, user=funded_shopper, password="guess"
            )
        ]
        * 20
    )

    errors = [type(outcome.error) for outcome in outcomes]
    assert set(errors) <= {WrongPassword, PasswordLocked}
    assert len(checked) <= 5, f"{len(checked)} passwords checked in parallel"
    assert errors.count(WrongPassword) < 5


def test_empty_passwords_do_not_count_towards_the_lock(
    payment, funded_shopper, password
):
    for _ in range(8):
        with pytest.raises(WrongPassword):
            payment_confirm_with_password(
                payment=payment, user=funded_shopper, password=""
            )

    approved = payment_confirm_with_password(
        payment=payment, user=funded_shopper, password=password
    )
    assert approved.status == Payment.Status.APPROVED


def test_payment_confirm_by_someone_else_is_refused(
    payment, other_shopper, password, state
):
    wallet_topup(user=other_shopper, amount="500.00")
    before = state()

    with pytest.raises(PaymentNotOpen, match="not yours"):
        payment_confirm_with_password(
            payment=payment, user=other_shopper, password=password
        )

    assert state() == before


def test_payment_confirm_of_cancelled_payment_is_refused(
    payment, funded_shopper, password, state
):
    payment_cancel(payment=payment)
    before = state()

    with pytest.raises(PaymentNotOpen, match="cancelled"):
        payment_confirm_with_password(
            payment=payment, user=funded_shopper, password=password
        )

    assert state() == before


# Cancelling and expiring -----------------------------------------------------------


def test_payment_cancel_returns_stock_and_moves_no_money(
    payment, product, other_product, shopper_wallet, assert_invariants
):
    assert (_stock(product), _stock(other_product)) == (3, 2)

    payment_cancel(payment=payment)

    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CANCELLED
    assert Order.objects.get(pk=payment.order_id).status == Order.Status.CANCELLED
    assert (_stock(product), _stock(other_product)) == (5, 3)
    assert balance_of(shopper_wallet) == D("1000.00")
    assert not Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).exists()
    assert_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_payment_cancel_of_approved_payment_is_refused(
    payment, product, assert_invariants, state
):
    _approve(payment)
    before = state()

    with pytest.raises(PaymentNotOpen, match="approved"):
        payment_cancel(payment=payment)

    assert state() == before
    assert _stock(product) == 3
    assert_invariants()


def test_payment_cancel_twice_returns_stock_once(payment, product):
    payment_cancel(payment=payment)

    with pytest.raises(PaymentNotOpen):
        payment_cancel(payment=Payment.objects.get(pk=payment.pk))

    assert _stock(product) == 5


def test_payment_expire_before_deadline_is_refused(payment, state):
    before = state()

    with pytest.raises(PaymentNotOpen):
        payment_expire(payment=payment)

    assert state() == before


def test_payments_expire_overdue_expires_only_overdue_payments(
    funded_shopper, other_shopper, product, other_product, assert_invariants
):
    wallet_topup(user=other_shopper, amount="500.00")
    overdue = order_place(user=funded_shopper, items={product: 2, other_product: 1})
    on_time = order_place(user=other_shopper, items={product: 1})
    payment_make_overdue(overdue.payment)
    paid_late = ProductFactory(merchant=product.merchant, stock=4, price=D("5.00"))
    approved = order_place(user=other_shopper, items={paid_late: 1})
    _approve(approved.payment)
    payment_make_overdue(approved.payment)
    assert (_stock(product), _stock(other_product)) == (2, 2)

    assert payments_expire_overdue() == 1

    assert Payment.objects.get(order=overdue).status == Payment.Status.EXPIRED
    assert Order.objects.get(pk=overdue.pk).status == Order.Status.EXPIRED
    assert Payment.objects.get(order=on_time).status == (
        Payment.Status.AWAITING_CONFIRMATION
    )
    assert Payment.objects.get(order=approved).status == Payment.Status.APPROVED
    assert (_stock(product), _stock(other_product), _stock(paid_late)) == (4, 3, 3)
    assert_invariants(
        initial_stock={product.pk: 5, other_product.pk: 3, paid_late.pk: 4}
    )


def test_payments_expire_overdue_twice_expires_once(payment, product):
    payment_make_overdue(payment)

    assert payments_expire_overdue() == 1
    assert payments_expire_overdue() == 0

    assert _stock(product) == 5


def test_expire_overdue_task_expires_and_returns_stock(payment, product, other_product):
    payment_make_overdue(payment)

    assert expire_overdue_payments() == 1

    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.EXPIRED
    assert (_stock(product), _stock(other_product)) == (5, 3)


def test_expired_payment_cannot_be_approved(payment, shopper_wallet, state):
    payment_make_overdue(payment)
    payments_expire_overdue()
    before = state()

    with pytest.raises(PaymentNotOpen, match="expired"):
        _approve(Payment.objects.get(pk=payment.pk))

    assert state() == before
    assert balance_of(shopper_wallet) == D("1000.00")


def test_purchases_keep_money_inside_the_marketplace(
    funded_shopper, product, other_product, assert_invariants
):
    other = UserFactory(username="cleo")
    wallet_topup(user=other, amount="100.00")
    outside = -balance_of(wallet_system())
    assert outside == D("1100.00")

    first = order_place(user=funded_shopper, items={product: 1})
    second = order_place(user=other, items={other_product: 2})
    _approve(first.payment)
    _approve(second.payment)

    inside = sum(
        Wallet.objects.exclude(kind=Wallet.Kind.SYSTEM).values_list(
            "balance", flat=True
        )
    )
    assert inside == outside
    assert LedgerEntry.objects.filter(transfer__kind=Transfer.Kind.PAYMENT).count() == 4
    assert_invariants(initial_stock={product.pk: 5, other_product.pk: 3})
