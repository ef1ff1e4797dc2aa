"""Cancelling a merchant's line refunds it through the ledger, once, whatever races it.

`check_refund_invariants` is the money-and-stock check for orders that merchants
fulfil: payments/tests/conftest.check_invariants predates fulfilment and expects every
approved payment's order to stay "paid" and every line to hold its stock.
"""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from payments.exceptions import InsufficientFunds
from payments.models import LedgerEntry, Payment, Transfer, Wallet
from payments.services import (
    order_line_cancel_and_refund,
    payment_approve,
    transfer_post,
    wallet_for_merchant,
    wallet_for_user,
    wallet_system,
    wallet_topup,
)
from shop.exceptions import LineNotPending
from shop.models import Order, OrderLine, Product
from shop.services import order_line_ship
from shop.tests.concurrency import run_together
from shop.tests.factories import ProductFactory, UserFactory

from .conftest import balance_of, check_invariants
from .factories import order_place

D = Decimal
ZERO = D("0")


def check_refund_invariants(*, initial_stock=None):
    """Assert what holds however lines were shipped, cancelled and refunded: the
    shared invariants (stock, ledger, conservation), then the refunds'."""
    check_invariants(initial_stock=initial_stock)

    owed = defaultdict(Decimal)  # what each merchant keeps of approved payments
    for payment in Payment.objects.select_related("order", "user"):
        order = payment.order
        lines = list(order.lines.all())
        payments = Transfer.objects.filter(payment=payment, kind=Transfer.Kind.PAYMENT)
        refunds = Transfer.objects.filter(payment=payment, kind=Transfer.Kind.REFUND)
        cancelled = [
            line for line in lines if line.status == OrderLine.Status.CANCELLED
        ]
        if payment.status != Payment.Status.APPROVED:
            assert payments.count() == 0, f"{payment} moved money"
            assert refunds.count() == 0, f"{payment} refunded money"
            assert not cancelled, f"{order} of an unpaid payment has cancelled lines"
            continue
        assert payments.count() == 1, f"{payment}: {payments.count()} payment transfers"
        # One refund per cancelled line, each of exactly its amount, to the shopper.
        assert refunds.count() == len(cancelled), (
            f"{order}: {refunds.count()} refunds for {len(cancelled)} cancelled lines"
        )
        shopper = wallet_for_user(user=payment.user)
        refunded = (
            LedgerEntry.objects.filter(transfer__in=refunds, wallet=shopper).aggregate(
                total=Sum("amount")
            )["total"]
            or ZERO
        )
        assert refunded == sum((line.line_total for line in cancelled), ZERO)
        statuses = {line.status for line in lines}
        if OrderLine.Status.PENDING in statuses:
            expected = Order.Status.PAID
        elif statuses == {OrderLine.Status.CANCELLED}:
            expected = Order.Status.CANCELLED
        else:
            expected = Order.Status.FULFILLED
        assert order.status == expected, f"{order} is {order.status}, not {expected}"
        for line in lines:
            if line.status != OrderLine.Status.CANCELLED:
                owed[line.merchant_id] += line.line_total

    for wallet in Wallet.objects.filter(kind=Wallet.Kind.MERCHANT):
        assert wallet.balance == owed[wallet.merchant_id], (
            f"{wallet} holds {wallet.balance}, its lines {owed[wallet.merchant_id]}"
        )


def _approve(payment):
    return payment_approve(
        payment=payment,
        method=Payment.Method.PASSWORD,
        evidence={"password_confirmed_at": "2026-11-29T10:00:00+00:00"},
    )


def _line_pk(order, product) -> int:
    return order.lines.values_list("pk", flat=True).get(product=product)


def _fresh(pk) -> OrderLine:
    return OrderLine.objects.get(pk=pk)


def _stock(product) -> int:
    return Product.objects.values_list("stock", flat=True).get(pk=product.pk)


@pytest.fixture
def paid_order(two_merchant_order, payment):
    """2 Tea Mugs (Panda, 51.00) and 1 Teapot (Koala, 40.00), paid from 1000.00."""
    _approve(payment)
    return Order.objects.get(pk=two_merchant_order.pk)


@pytest.fixture
def initial_stock(product, other_product):
    return {product.pk: 5, other_product.pk: 3}


# --- the refund -------------------------------------------------------------------


def test_refund_moves_the_line_total_from_merchant_to_shopper(
    paid_order, product, funded_shopper, merchant_wallets, initial_stock
):
    panda, koala = merchant_wallets
    shopper = wallet_for_user(user=funded_shopper)
    assert (balance_of(shopper), balance_of(panda), balance_of(koala)) == (
        D("909.00"),
        D("51.00"),
        D("40.00"),
    )

    order_line_cancel_and_refund(line=paid_order.lines.get(product=product))

    assert balance_of(shopper) == D("960.00")
    assert balance_of(panda) == ZERO
    assert balance_of(koala) == D("40.00")  # the other shop keeps its sale
    check_refund_invariants(initial_stock=initial_stock)


def test_refund_is_one_refund_transfer_linked_to_the_payment(
    paid_order, product, funded_shopper, merchant
):
    transfer = order_line_cancel_and_refund(line=paid_order.lines.get(product=product))

    assert transfer.kind == Transfer.Kind.REFUND
    assert transfer.payment_id == paid_order.payment.pk
    assert paid_order.number in transfer.memo
    assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).get() == transfer
    entries = {
        (entry.wallet.kind, entry.amount, entry.balance_after)
        for entry in transfer.entries.select_related("wallet")
    }
    assert entries == {
        (Wallet.Kind.MERCHANT, D("-51.00"), ZERO),
        (Wallet.Kind.SHOPPER, D("51.00"), D("960.00")),
    }
    assert {entry.wallet for entry in transfer.entries.all()} == {
        wallet_for_merchant(merchant=merchant),
        wallet_for_user(user=funded_shopper),
    }
    # The payment itself still moved money once.
    assert paid_order.payment.transfers.filter(kind=Transfer.Kind.PAYMENT).count() == 1


def test_refund_cancels_the_line_and_returns_its_stock(
    paid_order, product, other_product
):
    line = paid_order.lines.get(product=product)

    order_line_cancel_and_refund(line=line)

    line.refresh_from_db()
    assert line.status == OrderLine.Status.CANCELLED
    assert (_stock(product), _stock(other_product)) == (5, 2)
    assert Order.objects.get(pk=paid_order.pk).status == Order.Status.PAID


def test_refunding_every_line_cancels_the_order_and_gives_all_money_back(
    paid_order, product, other_product, funded_shopper, merchant_wallets, initial_stock
):
    for line in paid_order.lines.all():
        order_line_cancel_and_refund(line=line)

    assert Order.objects.get(pk=paid_order.pk).status == Order.Status.CANCELLED
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")
    assert [balance_of(wallet) for wallet in merchant_wallets] == [ZERO, ZERO]
    assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).count() == 2
    assert (_stock(product), _stock(other_product)) == (5, 3)
    check_refund_invariants(initial_stock=initial_stock)


def test_refund_after_the_other_line_shipped_fulfils_the_order(
    paid_order, product, other_product, initial_stock
):
    order_line_ship(line=paid_order.lines.get(product=other_product))

    order_line_cancel_and_refund(line=paid_order.lines.get(product=product))

    assert Order.objects.get(pk=paid_order.pk).status == Order.Status.FULFILLED
    check_refund_invariants(initial_stock=initial_stock)


def test_second_refund_of_a_line_is_refused_and_moves_nothing(
    paid_order, product, state, initial_stock
):
    line = paid_order.lines.get(product=product)
    order_line_cancel_and_refund(line=line)
    before = state()

    with pytest.raises(LineNotPending):
        order_line_cancel_and_refund(line=line)

    assert state() == before
    assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).count() == 1
    check_refund_invariants(initial_stock=initial_stock)


def test_shipped_line_is_not_refunded(paid_order, product, state, initial_stock):
    line = paid_order.lines.get(product=product)
    order_line_ship(line=line)
    before = state()

    with pytest.raises(LineNotPending) as raised:
        order_line_cancel_and_refund(line=line)

    assert str(raised.value) == "“Tea Mug” is shipped already."
    assert state() == before
    assert not Transfer.objects.filter(kind=Transfer.Kind.REFUND).exists()
    check_refund_invariants(initial_stock=initial_stock)


def test_line_of_an_unpaid_order_is_not_refunded(
    two_merchant_order, product, state, initial_stock
):
    before = state()

    with pytest.raises(LineNotPending):
        order_line_cancel_and_refund(line=two_merchant_order.lines.get(product=product))

    assert state() == before
    assert not Transfer.objects.filter(kind=Transfer.Kind.REFUND).exists()
    check_refund_invariants(initial_stock=initial_stock)


def test_refund_the_merchant_cannot_cover_is_rolled_back_entirely(
    paid_order, product, merchant, state, initial_stock
):
    # The shop's takings left the marketplace (a payout) before the cancel.
    transfer_post(
        kind=Transfer.Kind.TOPUP,
        entries=[
            (wallet_for_merchant(merchant=merchant), D("-30.00")),
            (wallet_system(), D("30.00")),
        ],
        memo="Payout",
    )
    before = state()

    with pytest.raises(InsufficientFunds):
        order_line_cancel_and_refund(line=paid_order.lines.get(product=product))

    # Not cancelled, no stock back, no money moved: the line is still to ship.
    assert state() == before
    assert paid_order.lines.get(product=product).status == OrderLine.Status.PENDING
    assert _stock(product) == 3


# --- races on PostgreSQL ----------------------------------------------------------


def race(test):
    """Real threads on real row locks: PostgreSQL, with each thread's work committed."""
    return pytest.mark.postgres(pytest.mark.django_db(transaction=True)(test))


def _errors(outcomes):
    return [o.error for o in outcomes if o.error is not None]


@pytest.mark.parametrize("round_", range(8))
@race
def test_cancel_racing_ship_of_one_line_has_one_winner_and_at_most_one_refund(
    paid_order, product, other_product, funded_shopper, merchant, initial_stock, round_
):
    pk = _line_pk(paid_order, product)
    calls = [
        lambda: order_line_cancel_and_refund(line=_fresh(pk)),
        lambda: order_line_ship(line=_fresh(pk)),
    ]
    if round_ % 2:
        calls.reverse()

    outcomes = run_together(calls)

    errors = _errors(outcomes)
    assert len(errors) == 1, errors
    assert isinstance(errors[0], LineNotPending), errors
    line = _fresh(pk)
    refunds = Transfer.objects.filter(kind=Transfer.Kind.REFUND).count()
    shopper = balance_of(wallet_for_user(user=funded_shopper))
    if line.status == OrderLine.Status.CANCELLED:
        assert (refunds, shopper, _stock(product)) == (1, D("960.00"), 5)
        assert balance_of(merchant.wallet) == ZERO
        assert line.shipped_at is None
    else:
        assert line.status == OrderLine.Status.SHIPPED
        assert (refunds, shopper, _stock(product)) == (0, D("909.00"), 3)
        assert balance_of(merchant.wallet) == D("51.00")
        assert line.cancelled_at is None
    assert Order.objects.get(pk=paid_order.pk).status == Order.Status.PAID
    check_refund_invariants(initial_stock=initial_stock)


@pytest.mark.parametrize("round_", range(5))
@race
def test_two_cancels_of_one_line_at_once_refund_it_once(
    paid_order, product, funded_shopper, merchant, initial_stock, round_
):
    pk = _line_pk(paid_order, product)

    outcomes = run_together([lambda: order_line_cancel_and_refund(line=_fresh(pk))] * 2)

    errors = _errors(outcomes)
    assert len(errors) == 1, errors
    assert str(errors[0]) == "“Tea Mug” is cancelled already."
    assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).count() == 1
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("960.00")
    assert balance_of(merchant.wallet) == ZERO
    assert _stock(product) == 5
    check_refund_invariants(initial_stock=initial_stock)


@pytest.mark.parametrize("round_", range(5))
@race
def test_two_shipments_of_one_line_at_once_ship_it_once(
    paid_order, product, initial_stock, round_
):
    pk = _line_pk(paid_order, product)

    outcomes = run_together([lambda: order_line_ship(line=_fresh(pk))] * 2)

    errors = _errors(outcomes)
    assert len(errors) == 1, errors
    assert str(errors[0]) == "“Tea Mug” is shipped already."
    winner = next(o.value for o in outcomes if o.ok)
    line = _fresh(pk)
    assert (line.status, line.shipped_at) == (
        OrderLine.Status.SHIPPED,
        winner.shipped_at,
    )
    assert _stock(product) == 3
    check_refund_invariants(initial_stock=initial_stock)


# Two merchants act on their own lines of one order at the same moment: whichever
# commits last must see the other's line done and settle the order.


@pytest.mark.parametrize("round_", range(8))
@race
def test_both_lines_shipped_at_once_fulfil_the_order(
    paid_order, product, other_product, initial_stock, round_
):
    pks = [_line_pk(paid_order, product), _line_pk(paid_order, other_product)]

    outcomes = run_together(
        [lambda pk=pk: order_line_ship(line=_fresh(pk)) for pk in pks]
    )

    assert _errors(outcomes) == []
    assert Order.objects.get(pk=paid_order.pk).status == Order.Status.FULFILLED
    check_refund_invariants(initial_stock=initial_stock)


@pytest.mark.parametrize("round_", range(8))
@race
def test_both_lines_cancelled_at_once_cancel_the_order_and_refund_everything(
    paid_order, product, other_product, funded_shopper, initial_stock, round_
):
    pks = [_line_pk(paid_order, product), _line_pk(paid_order, other_product)]

    outcomes = run_together(
        [lambda pk=pk: order_line_cancel_and_refund(line=_fresh(pk)) for pk in pks]
    )

    assert _errors(outcomes) == []
    assert Order.objects.get(pk=paid_order.pk).status == Order.Status.CANCELLED
    assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).count() == 2
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("1000.00")
    assert (_stock(product), _stock(other_product)) == (5, 3)
    check_refund_invariants(initial_stock=initial_stock)


@pytest.mark.parametrize("round_", range(8))
@race
def test_one_line_shipped_as_the_other_is_refunded_fulfils_the_order(
    paid_order, product, other_product, funded_shopper, initial_stock, round_
):
    ship_pk = _line_pk(paid_order, product)
    cancel_pk = _line_pk(paid_order, other_product)
    calls = [
        lambda: order_line_ship(line=_fresh(ship_pk)),
        lambda: order_line_cancel_and_refund(line=_fresh(cancel_pk)),
    ]
    if round_ % 2:
        calls.reverse()

    outcomes = run_together(calls)

    assert _errors(outcomes) == []
    assert Order.objects.get(pk=paid_order.pk).status == Order.Status.FULFILLED
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("949.00")
    check_refund_invariants(initial_stock=initial_stock)


@race
def test_storm_of_ships_and_refunds_across_orders_conserves_money_and_stock(
    funded_shopper, product, other_product, merchant, other_merchant
):
    mug = ProductFactory(merchant=merchant, price=D("12.25"), stock=40)
    pot = ProductFactory(merchant=other_merchant, price=D("30.00"), stock=40)
    shoppers = [UserFactory(username=f"storm{i:02}") for i in range(8)]
    orders = []
    for i, user in enumerate(shoppers):
        wallet_topup(user=user, amount="200.00")
        order = order_place(user=user, items={mug: 1 + i % 3, pot: 1})
        _approve(order.payment)
        orders.append(order)
    initial_stock = {mug.pk: 40, pot.pk: 40}
    check_refund_invariants(initial_stock=initial_stock)

    # Every line is shipped once and cancelled twice, all at the same moment.
    calls = []
    for order in orders:
        for pk in order.lines.values_list("pk", flat=True):
            calls += [
                lambda pk=pk: order_line_ship(line=_fresh(pk)),
                lambda pk=pk: order_line_cancel_and_refund(line=_fresh(pk)),
                lambda pk=pk: order_line_cancel_and_refund(line=_fresh(pk)),
            ]
    outcomes = run_together(calls)

    assert all(isinstance(e, LineNotPending) for e in _errors(outcomes)), _errors(
        outcomes
    )
    for start in range(0, len(outcomes), 3):
        assert sum(o.ok for o in outcomes[start : start + 3]) == 1
    assert not OrderLine.objects.filter(status=OrderLine.Status.PENDING).exists()
    assert not Order.objects.filter(status=Order.Status.PAID).exists()
    cancelled = OrderLine.objects.filter(status=OrderLine.Status.CANCELLED).count()
    assert Transfer.objects.filter(kind=Transfer.Kind.REFUND).count() == cancelled
    check_refund_invariants(initial_stock=initial_stock)
