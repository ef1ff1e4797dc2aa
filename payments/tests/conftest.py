"""Fixtures for the payments tests: merchants, funded shoppers, the money invariants."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum

from payments.models import LedgerEntry, Payment, Transfer, Wallet
from payments.services import wallet_for_merchant, wallet_for_user
from shop.models import Cart, CartItem, Order, OrderLine, Product
from shop.tests.helpers import stock_ledger_problems

from .factories import order_place

ZERO = Decimal("0")

# The order statuses each payment status may leave behind: a paid order goes on to
# be fulfilled, or cancelled when its merchants cancel (and refund) every line.
ORDER_STATUS_FOR = {
    Payment.Status.AWAITING_CONFIRMATION: {Order.Status.AWAITING_PAYMENT},
    Payment.Status.APPROVED: {
        Order.Status.PAID,
        Order.Status.FULFILLED,
        Order.Status.CANCELLED,
    },
    Payment.Status.CANCELLED: {Order.Status.CANCELLED},
    Payment.Status.EXPIRED: {Order.Status.EXPIRED},
}
# Orders whose stock stays off the shelf (shipped lines included, cancelled not).
HOLDING_STOCK = [
    Order.Status.AWAITING_PAYMENT,
    Order.Status.PAID,
    Order.Status.FULFILLED,
    Order.Status.CANCELLED,
]


def balance_of(wallet) -> Decimal:
    wallet.refresh_from_db(fields=["balance"])
    return wallet.balance


def wallets_total(*, kinds=None) -> Decimal:
    rows = Wallet.objects.all()
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    return rows.aggregate(total=Sum("balance"))["total"] or ZERO


def check_invariants(*, initial_stock=None):
    """Assert what must hold whatever happened: stock, payments and the ledger agree.

    `initial_stock` maps product pk to the stock it had before any order: each
    product's shelf plus the units held by live orders must still add up to it.
    """
    for title, stock in Product.objects.values_list("title", "stock"):
        assert stock >= 0, f"{title} has stock {stock}"
    assert stock_ledger_problems() == []

    for payment in Payment.objects.select_related("order"):
        transfers = Transfer.objects.filter(payment=payment, kind=Transfer.Kind.PAYMENT)
        expected = 1 if payment.status == Payment.Status.APPROVED else 0
        assert transfers.count() == expected, (
            f"{payment} is {payment.status} with {transfers.count()} transfers"
        )
        assert payment.order.status in ORDER_STATUS_FOR[payment.status], (
            f"{payment} is {payment.status}, its order {payment.order.status}"
        )

    for transfer in Transfer.objects.prefetch_related("entries"):
        amounts = [entry.amount for entry in transfer.entries.all()]
        assert len(amounts) >= 2, f"{transfer} has {len(amounts)} entries"
        assert sum(amounts, ZERO) == ZERO, f"{transfer} sums to {sum(amounts)}"

    for wallet in Wallet.objects.all():
        entries = LedgerEntry.objects.filter(wallet=wallet)
        ledger = entries.aggregate(total=Sum("amount"))["total"] or ZERO
        assert wallet.balance == ledger, f"{wallet}: {wallet.balance} != {ledger}"
        if wallet.kind != Wallet.Kind.SYSTEM:
            assert wallet.balance >= ZERO, f"{wallet} is at {wallet.balance}"
        last = entries.order_by("-pk").first()
        if last is not None:
            assert last.balance_after == wallet.balance, f"{wallet} last entry"

    assert wallets_total() == ZERO

    if initial_stock is not None:
        held = defaultdict(int)
        # An unpaid order released as cancelled or expired gave all its stock back;
        # a paid order gives back only its cancelled lines.
        holding = OrderLine.objects.filter(
            order__status__in=HOLDING_STOCK,
            order__payment__status__in=[
                Payment.Status.AWAITING_CONFIRMATION,
                Payment.Status.APPROVED,
            ],
        ).exclude(status=OrderLine.Status.CANCELLED)
        for product_id, quantity in holding.values_list("product_id", "quantity"):
            held[product_id] += quantity
        for pk, stock in Product.objects.filter(pk__in=initial_stock).values_list(
            "pk", "stock"
        ):
            assert stock + held[pk] == initial_stock[pk], (
                f"product {pk}: {stock} on the shelf + {held[pk]} held "
                f"!= {initial_stock[pk]}"
            )


def db_state() -> dict:
    """Everything a refused action must leave as it was."""
    return {
        "balances": dict(Wallet.objects.values_list("pk", "balance")),
        "stock": dict(Product.objects.values_list("pk", "stock")),
        "orders": sorted(Order.objects.values_list("pk", "status")),
        "payments": sorted(Payment.objects.values_list("pk", "status", "decided_at")),
        "transfers": Transfer.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "cart_items": sorted(
            CartItem.objects.values_list("cart__user_id", "product_id", "quantity")
        ),
        "cart_keys": sorted(Cart.objects.values_list("user_id", "checkout_key")),
    }


@pytest.fixture
def assert_invariants():
    """The invariant check, as a fixture so every payments test can call it."""
    return check_invariants


@pytest.fixture
def state():
    """A snapshot of the database's money, stock, orders and carts, to compare."""
    return db_state


@pytest.fixture
def shopper_client(client, funded_shopper):
    """The test client, signed in as the funded shopper."""
    client.force_login(funded_shopper)
    return client


@pytest.fixture
def shopper_wallet(funded_shopper):
    return wallet_for_user(user=funded_shopper)


@pytest.fixture
def two_merchant_order(funded_shopper, product, other_product):
    """An order for 2 Tea Mugs (Panda) and 1 Teapot (Koala): 51.00 + 40.00."""
    return order_place(user=funded_shopper, items={product: 2, other_product: 1})


@pytest.fixture
def payment(two_merchant_order):
    return two_merchant_order.payment


@pytest.fixture
def merchant_wallets(merchant, other_merchant):
    return wallet_for_merchant(merchant=merchant), wallet_for_merchant(
        merchant=other_merchant
    )
