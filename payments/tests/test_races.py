"""Races on PostgreSQL: real threads, released together, on real row locks.

Each thread has its own database connection, opened before the barrier so that the
calls meet in the database rather than in connection setup, and closed when it ends.
"""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts import throttle
from faceauth.models import VerificationAttempt
from faceauth.tests.factories import attempt_make
from payments import services
from payments.exceptions import FaceLimitExceeded, PaymentNotOpen
from payments.models import Payment, Transfer, Wallet
from payments.selectors import face_paid_total_on
from payments.services import (
    checkout_place,
    payment_approve,
    payment_cancel,
    payment_confirm_with_face,
    payment_confirm_with_password,
    payment_expire,
    wallet_for_user,
    wallet_topup,
)
from shop.exceptions import OutOfStock
from shop.models import CartItem, Order, Product
from shop.tests.concurrency import JOIN_TIMEOUT, run_together, wait_for_a_blocked_query
from shop.tests.factories import ProductFactory, UserFactory

from .conftest import balance_of, check_invariants, wallets_total
from .factories import SHIPPING, cart_fill, order_place, payment_make_overdue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

D = Decimal
ZERO = D("0")


def _non_system_total():
    return wallets_total(kinds=[Wallet.Kind.SHOPPER, Wallet.Kind.MERCHANT])


def _stock(product):
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


def _approve_by_pk(pk):
    # Each thread loads its own copy, as two requests would.
    return payment_approve(
        payment=Payment.objects.get(pk=pk),
        method=Payment.Method.PASSWORD,
        evidence={"race": True},
    )


def _sleep_until(moment):
    while timezone.now() <= moment:
        time.sleep(0.001)


def _hold_inside(monkeypatch, name, *, before=None) -> threading.Event:
    """Pause `payments.services.<name>`, mid-transaction, until a rival is blocked.

    The returned event is set once the transaction holds its row locks, so the rival
    starts only then; the held transaction goes on once the rival waits for it.
    """
    real = getattr(services, name)
    holding = threading.Event()

    def held(**kwargs):
        if before is not None:
            before()
        holding.set()
        wait_for_a_blocked_query()
        return real(**kwargs)

    monkeypatch.setattr(services, name, held)
    return holding


def _unexpected(outcomes, *allowed):
    return [o.error for o in outcomes if o.error and not isinstance(o.error, allowed)]


@pytest.fixture
def shoppers(db):
    """Twenty shoppers with 100.00 each in their wallets."""
    users = [UserFactory(username=f"racer{i:02}") for i in range(20)]
    for user in users:
        wallet_topup(user=user, amount="100.00")
    return users


def test_twenty_shoppers_racing_for_five_units_get_five_orders(
    shoppers, product, merchant
):
    keys = {
        user.pk: cart_fill(user=user, items={product: 1}).checkout_key
        for user in shoppers
    }
    assert wallets_total() == ZERO
    shoppers_money = _non_system_total()

    outcomes = run_together(
        [
            lambda user=user: checkout_place(
                user=user,
                checkout_key=keys[user.pk],
                shipping=SHIPPING,
                expected_total=D("25.50"),
            )
            for user in shoppers
        ]
    )

    assert _unexpected(outcomes, OutOfStock) == []
    winners = [o.value for o in outcomes if o.ok]
    losers = [o.error for o in outcomes if not o.ok]
    assert len(winners) == 5
    assert all(created for _, created in winners)
    assert len(losers) == 15
    assert {str(e) for e in losers} == {"“Tea Mug” is sold out."}
    assert _stock(product) == 0
    assert Order.objects.count() == 5
    assert Payment.objects.count() == 5
    # Winners' carts were emptied; every loser still holds the unit it wanted.
    winner_ids = {order.user_id for order, _ in winners}
    assert len(winner_ids) == 5
    assert (
        set(
            CartItem.objects.filter(product=product).values_list(
                "cart__user_id", flat=True
            )
        )
        == {u.pk for u in shoppers} - winner_ids
    )
    check_invariants(initial_stock={product.pk: 5})

    # The five winners then pay at once: all into the one merchant's wallet.
    payment_pks = [order.payment.pk for order, _ in winners]
    outcomes = run_together([lambda pk=pk: _approve_by_pk(pk) for pk in payment_pks])

    assert [o.error for o in outcomes] == [None] * 5
    assert balance_of(merchant.wallet) == D("127.50")
    for user in shoppers:
        expected = D("74.50") if user.pk in winner_ids else D("100.00")
        assert balance_of(wallet_for_user(user=user)) == expected
    assert _non_system_total() == shoppers_money
    assert wallets_total() == ZERO
    check_invariants(initial_stock={product.pk: 5})


@pytest.mark.parametrize("round_", range(5))
def test_same_checkout_submitted_twice_at_once_places_one_order(
    funded_shopper, product, round_
):
    key = cart_fill(user=funded_shopper, items={product: 2}).checkout_key

    def place():
        return checkout_place(
            user=funded_shopper,
            checkout_key=key,
            shipping=SHIPPING,
            expected_total=D("51.00"),
        )

    outcomes = run_together([place, place])

    assert [o.error for o in outcomes] == [None, None]
    (first, first_created), (second, second_created) = (o.value for o in outcomes)
    assert first.pk == second.pk
    assert sorted([first_created, second_created]) == [False, True]
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    assert _stock(product) == 3
    check_invariants(initial_stock={product.pk: 5})


@pytest.mark.parametrize("round_", range(5))
def test_two_approvals_of_one_payment_at_once_move_money_once(
    funded_shopper, product, other_product, merchant, other_merchant, round_
):
    order = order_place(user=funded_shopper, items={product: 2, other_product: 1})
    pk = order.payment.pk
    shoppers_money = _non_system_total()

    outcomes = run_together([lambda: _approve_by_pk(pk)] * 2)

    assert _unexpected(outcomes, PaymentNotOpen) == []
    assert sum(o.ok for o in outcomes) == 1
    assert [str(o.error) for o in outcomes if not o.ok] == ["This payment is approved."]
    assert Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count() == 1
    assert Payment.objects.get(pk=pk).status == Payment.Status.APPROVED
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("909.00")
    assert balance_of(merchant.wallet) == D("51.00")
    assert balance_of(other_merchant.wallet) == D("40.00")
    assert _non_system_total() == shoppers_money
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_approval_racing_expiry_of_overdue_payment_loses(
    funded_shopper, product, other_product
):
    order = order_place(user=funded_shopper, items={product: 2, other_product: 1})
    payment_make_overdue(order.payment)
    pk = order.payment.pk

    approve, expire = run_together(
        [
            lambda: _approve_by_pk(pk),
            lambda: payment_expire(payment=Payment.objects.get(pk=pk)),
        ]
    )

    assert expire.ok, expire.error
    assert isinstance(approve.error, PaymentNotOpen)
    assert Payment.objects.get(pk=pk).status == Payment.Status.EXPIRED
    assert Order.objects.get(pk=order.pk).status == Order.Status.EXPIRED
    assert not Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).exists()
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")
    assert (_stock(product), _stock(other_product)) == (5, 3)
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


# Deadlines shortly after the threads are released: approval starts at once, expiry
# waits until just past the deadline. Whichever way the timing falls, exactly one
# wins: the expiry's deadline guard always passes, so only the status can stop it.
@pytest.mark.parametrize("margin_ms", [0, 10, 20, 40, 80])
def test_approval_and_expiry_around_the_deadline_have_one_winner(
    funded_shopper, product, other_product, margin_ms
):
    order = order_place(user=funded_shopper, items={product: 2, other_product: 1})
    pk = order.payment.pk
    deadline = {}

    def set_deadline():
        deadline["at"] = timezone.now() + timedelta(milliseconds=margin_ms)
        Payment.objects.filter(pk=pk).update(deadline=deadline["at"])

    def expire_when_due():
        payment = Payment.objects.get(pk=pk)
        _sleep_until(deadline["at"])
        return payment_expire(payment=payment)

    approve, expire = run_together(
        [lambda: _approve_by_pk(pk), expire_when_due], on_release=set_deadline
    )

    assert _unexpected([approve, expire], PaymentNotOpen) == []
    assert [approve.ok, expire.ok].count(True) == 1
    status = Payment.objects.get(pk=pk).status
    transfers = Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count()
    if approve.ok:
        assert (status, transfers) == (Payment.Status.APPROVED, 1)
        assert balance_of(wallet_for_user(user=funded_shopper)) == D("909.00")
        assert (_stock(product), _stock(other_product)) == (3, 2)
    else:
        assert (status, transfers) == (Payment.Status.EXPIRED, 0)
        assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")
        assert (_stock(product), _stock(other_product)) == (5, 3)
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_expiry_arriving_while_approval_holds_the_payment_loses(
    funded_shopper, product, other_product, monkeypatch
):
    order = order_place(user=funded_shopper, items={product: 2, other_product: 1})
    pk = order.payment.pk
    deadline = timezone.now() + timedelta(milliseconds=500)
    Payment.objects.filter(pk=pk).update(deadline=deadline)
    # The approval passes its guard before the deadline, then holds the payment row
    # until the deadline is past and the expiry, whose guard passes too, waits on it.
    holding = _hold_inside(
        monkeypatch, "order_mark_paid", before=lambda: _sleep_until(deadline)
    )

    def expire_once_held():
        assert holding.wait(JOIN_TIMEOUT)
        assert timezone.now() > deadline
        return payment_expire(payment=Payment.objects.get(pk=pk))

    approve, expire = run_together([lambda: _approve_by_pk(pk), expire_once_held])

    assert approve.ok, approve.error
    assert isinstance(expire.error, PaymentNotOpen)
    assert str(expire.error) == "This payment is approved."
    assert Payment.objects.get(pk=pk).status == Payment.Status.APPROVED
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count() == 1
    assert (_stock(product), _stock(other_product)) == (3, 2)
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_cancel_arriving_while_approval_holds_the_payment_loses(
    funded_shopper, product, other_product, monkeypatch
):
    order = order_place(user=funded_shopper, items={product: 2, other_product: 1})
    pk = order.payment.pk
    holding = _hold_inside(monkeypatch, "order_mark_paid")

    def cancel_once_held():
        assert holding.wait(JOIN_TIMEOUT)
        return payment_cancel(payment=Payment.objects.get(pk=pk))

    approve, cancel = run_together([lambda: _approve_by_pk(pk), cancel_once_held])

    assert approve.ok, approve.error
    assert isinstance(cancel.error, PaymentNotOpen)
    assert str(cancel.error) == "This payment is approved."
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("909.00")
    assert (_stock(product), _stock(other_product)) == (3, 2)
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_approval_arriving_while_cancel_holds_the_payment_loses(
    funded_shopper, product, other_product, monkeypatch
):
    order = order_place(user=funded_shopper, items={product: 2, other_product: 1})
    pk = order.payment.pk
    holding = _hold_inside(monkeypatch, "order_release")

    def approve_once_held():
        assert holding.wait(JOIN_TIMEOUT)
        return _approve_by_pk(pk)

    cancel, approve = run_together(
        [lambda: payment_cancel(payment=Payment.objects.get(pk=pk)), approve_once_held]
    )

    assert cancel.ok, cancel.error
    assert isinstance(approve.error, PaymentNotOpen)
    assert str(approve.error) == "This payment is cancelled."
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert not Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).exists()
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")
    assert (_stock(product), _stock(other_product)) == (5, 3)
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


@pytest.mark.parametrize("round_", range(8))
def test_cancel_racing_approval_has_exactly_one_winner(
    funded_shopper, product, other_product, round_
):
    order = order_place(user=funded_shopper, items={product: 2, other_product: 1})
    pk = order.payment.pk
    # Alternate who starts first; both guards pass, the row lock picks the winner.
    calls = [
        lambda: _approve_by_pk(pk),
        lambda: payment_cancel(payment=Payment.objects.get(pk=pk)),
    ]
    if round_ % 2:
        calls.reverse()

    outcomes = run_together(calls)

    assert _unexpected(outcomes, PaymentNotOpen) == []
    assert sum(o.ok for o in outcomes) == 1
    payment = Payment.objects.get(pk=pk)
    order.refresh_from_db()
    transfers = Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count()
    if payment.status == Payment.Status.APPROVED:
        assert (order.status, transfers) == (Order.Status.PAID, 1)
        assert balance_of(wallet_for_user(user=funded_shopper)) == D("909.00")
        assert (_stock(product), _stock(other_product)) == (3, 2)
    else:
        assert payment.status == Payment.Status.CANCELLED
        assert (order.status, transfers) == (Order.Status.CANCELLED, 0)
        assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")
        assert (_stock(product), _stock(other_product)) == (5, 3)
    check_invariants(initial_stock={product.pk: 5, other_product.pk: 3})


def test_wallets_sum_to_zero_through_a_storm_of_payments(
    shoppers, merchant, other_merchant
):
    mug = ProductFactory(merchant=merchant, price=D("12.25"), stock=40)
    pot = ProductFactory(merchant=other_merchant, price=D("30.00"), stock=40)
    orders = [
        order_place(user=user, items={mug: 1 + i % 3, pot: 1})
        for i, user in enumerate(shoppers[:12])
    ]
    initial_stock = {mug.pk: 40, pot.pk: 40}
    assert wallets_total() == ZERO
    check_invariants(initial_stock=initial_stock)
    shoppers_money = _non_system_total()

    # Every payment is approved twice and cancelled once, all at the same moment,
    # while other shoppers top up their wallets.
    calls = []
    for order in orders:
        pk = order.payment.pk
        calls += [
            lambda pk=pk: _approve_by_pk(pk),
            lambda pk=pk: _approve_by_pk(pk),
            lambda pk=pk: payment_cancel(payment=Payment.objects.get(pk=pk)),
        ]
    topped_up = shoppers[12:]
    calls += [
        lambda user=user: wallet_topup(user=user, amount="7.77") for user in topped_up
    ]
    outcomes = run_together(calls)

    assert _unexpected(outcomes, PaymentNotOpen) == []
    for i in range(len(orders)):
        assert sum(o.ok for o in outcomes[3 * i : 3 * i + 3]) == 1
    assert all(o.ok for o in outcomes[3 * len(orders) :])
    approved = Payment.objects.filter(status=Payment.Status.APPROVED)
    cancelled = Payment.objects.filter(status=Payment.Status.CANCELLED)
    assert approved.count() + cancelled.count() == len(orders)
    paid_mugs = sum(
        line.quantity
        for payment in approved
        for line in payment.order.lines.all()
        if line.product_id == mug.pk
    )
    assert balance_of(merchant.wallet) == paid_mugs * D("12.25")
    assert balance_of(other_merchant.wallet) == approved.count() * D("30.00")
    for user in topped_up:
        assert balance_of(wallet_for_user(user=user)) == D("107.77")
    assert wallets_total() == ZERO
    # Purchases only move money between shoppers and merchants; only top-ups add.
    assert _non_system_total() == shoppers_money + len(topped_up) * D("7.77")
    check_invariants(initial_stock=initial_stock)


# Face payment's daily limit: checks started under it, approved at the same moment --


def _approve_by_face(pk):
    return payment_approve(
        payment=Payment.objects.get(pk=pk),
        method=Payment.Method.FACE,
        evidence={"race": True},
    )


def _face_orders(settings, user, merchant, count):
    """`count` orders of ¥51.00 each, under a face limit of ¥120 an order and a day:
    any two may be paid by face, never three."""
    settings.FACEAUTH_MAX_AMOUNT = D("120")
    settings.FACEAUTH_DAILY_MAX_AMOUNT = D("120")
    jug = ProductFactory(merchant=merchant, price=D("51.00"), stock=10)
    return jug, [order_place(user=user, items={jug: 1}) for _ in range(count)]


@pytest.mark.parametrize("round_", range(5))
def test_face_approvals_racing_past_the_daily_limit_approve_only_what_it_allows(
    settings, funded_shopper, merchant, round_
):
    jug, orders = _face_orders(settings, funded_shopper, merchant, 3)
    approved_checks = [
        attempt_make(
            funded_shopper,
            reference=order.number,
            status=VerificationAttempt.Status.APPROVED,
            reason=VerificationAttempt.Reason.MATCHED_AND_SMILED,
        )
        for order in orders
    ]

    outcomes = run_together(
        [
            lambda attempt=attempt: payment_confirm_with_face(attempt=attempt)
            for attempt in approved_checks
        ]
    )

    assert [o.error for o in outcomes] == [None] * 3
    assert sum(o.value is not None for o in outcomes) == 2
    by_face = Payment.objects.filter(
        status=Payment.Status.APPROVED, method=Payment.Method.FACE
    )
    assert by_face.count() == 2
    today = timezone.localdate()
    assert face_paid_total_on(user=funded_shopper, day=today) == D("102.00")
    left = Payment.objects.get(status=Payment.Status.AWAITING_CONFIRMATION)
    assert (left.method, left.evidence, left.decided_at) == ("", {}, None)
    assert left.order.status == Order.Status.AWAITING_PAYMENT
    assert not Transfer.objects.filter(payment=left).exists()
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("898.00")
    assert balance_of(merchant.wallet) == D("102.00")
    check_invariants(initial_stock={jug.pk: 10})


def test_a_face_approval_waits_for_one_holding_the_wallet_then_counts_it(
    settings, funded_shopper, merchant, monkeypatch
):
    jug, (first, second) = _face_orders(settings, funded_shopper, merchant, 2)
    settings.FACEAUTH_DAILY_MAX_AMOUNT = D("100")  # one of the two, not both
    # The first approval holds its locks until the second waits for them: the
    # second one's limit check must see the first, not the total before it.
    real = services.order_mark_paid
    holding = threading.Event()

    def held(**kwargs):
        if not holding.is_set():
            holding.set()
            wait_for_a_blocked_query()
        return real(**kwargs)

    monkeypatch.setattr(services, "order_mark_paid", held)

    def second_once_held():
        assert holding.wait(JOIN_TIMEOUT)
        return _approve_by_face(second.payment.pk)

    approve, refused = run_together(
        [lambda: _approve_by_face(first.payment.pk), second_once_held]
    )

    assert approve.ok, approve.error
    assert isinstance(refused.error, FaceLimitExceeded), refused.error
    assert refused.error.limit.paid_by_face_today == D("51.00")
    assert Payment.objects.get(pk=first.payment.pk).status == Payment.Status.APPROVED
    second.payment.refresh_from_db()
    assert second.payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("949.00")
    check_invariants(initial_stock={jug.pk: 10})


def test_ten_confirmations_with_the_right_password_at_once_pay_once_and_lock_nothing(
    funded_shopper, product, password, monkeypatch
):
    order = order_place(user=funded_shopper, items={product: 2})
    real_check = funded_shopper.check_password

    def check_password(raw_password):  # as slow as a real hash
        time.sleep(0.2)
        return real_check(raw_password)

    monkeypatch.setattr(funded_shopper, "check_password", check_password)
    payment = order.payment

    outcomes = run_together(
        [
            lambda: payment_confirm_with_password(
                payment=Payment.objects.get(pk=payment.pk),
                user=funded_shopper,
                password=password,
            )
        ]
        * 10
    )

    # One pays; the others waited for a place to check their password, then found
    # the order paid. Nobody is told to wait.
    assert _unexpected(outcomes, PaymentNotOpen) == []
    assert sum(o.ok for o in outcomes) == 1
    assert Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count() == 1
    assert throttle.password_tries_left(user=funded_shopper) == 5
    limit = throttle.limit_get("session_user")
    assert throttle.locked_for(limit, str(funded_shopper.pk)) == 0
