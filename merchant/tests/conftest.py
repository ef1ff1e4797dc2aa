"""Two shops, their staff, and orders paid the way shoppers pay them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from payments.models import Payment
from payments.services import payment_approve, wallet_topup
from payments.tests.conftest import db_state
from payments.tests.factories import order_place
from payments.tests.test_refunds import check_refund_invariants
from shop.models import Order
from shop.tests.factories import ProductFactory, UserFactory

FACE_EVIDENCE = {
    "attempt": "6f1c2a9e-3d4b-4c5e-8f70-1a2b3c4d5e6f",
    "distance": 0.41,
    "answered_on_cue": True,
    "cues": ["smile", "turn-right", "open-mouth"],
    "reaction_s": [0.52, 0.61, 0.48],
    "seconds": 8.2,
    "frames": 92,
}
# What a payment approved by the single smile on cue (before December 2026) holds.
SMILE_EVIDENCE = {
    "attempt": "0b1e7d2c-5a4f-4e3d-9c8b-7a6f5e4d3c2b",
    "distance": 0.41,
    "smiled_on_cue": True,
    "smile_rise": 0.18,
    "seconds": 3.2,
    "frames": 42,
}


def customer(username, *, funds="1000.00"):
    """A shopper with money in their wallet."""
    user = UserFactory(username=username)
    wallet_topup(user=user, amount=funds)
    return user


def paid_order(*, user, items, method=Payment.Method.PASSWORD, evidence=None):
    """Check `items` out for `user` and approve the payment; return the paid order."""
    order = order_place(user=user, items=items)
    if evidence is None:
        evidence = {"password_confirmed_at": timezone.now().isoformat()}
    payment_approve(payment=order.payment, method=method, evidence=evidence)
    return Order.objects.get(pk=order.pk)


def order_backdate(order, *, days) -> Order:
    """Pretend the order was placed `days` days ago."""
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def assert_invariants():
    """Money conserved, no negative balance or stock, one refund per cancelled line."""
    return check_refund_invariants


@pytest.fixture
def state():
    """A snapshot of money, stock, orders and carts, to compare after a refusal."""
    return db_state


@pytest.fixture
def staff(merchant_staff):
    """Pat works for Panda."""
    return merchant_staff


@pytest.fixture
def other_staff(other_merchant_staff):
    """Kim works for Koala, another shop on the marketplace."""
    return other_merchant_staff


@pytest.fixture
def admin(superuser):
    return superuser


@pytest.fixture
def mug(merchant):
    return ProductFactory(
        merchant=merchant,
        title="Tea Mug",
        slug="tea-mug",
        price=Decimal("25.50"),
        stock=50,
    )


@pytest.fixture
def tray(merchant):
    return ProductFactory(
        merchant=merchant,
        title="Bamboo Tray",
        slug="bamboo-tray",
        price=Decimal("12.00"),
        stock=50,
    )


@pytest.fixture
def teapot(other_merchant):
    return ProductFactory(
        merchant=other_merchant,
        title="Teapot",
        slug="teapot",
        price=Decimal("40.00"),
        stock=50,
    )


@pytest.fixture
def mixed_order(funded_shopper, mug, teapot):
    """Ada's paid order: 2 Tea Mugs from Panda (51.00), 1 Teapot from Koala (40.00)."""
    return paid_order(user=funded_shopper, items={mug: 2, teapot: 1})


@pytest.fixture
def panda_order(funded_shopper, mug, tray):
    """Ada's paid order of Panda's products only: a Tea Mug and a Bamboo Tray."""
    return paid_order(user=funded_shopper, items={mug: 1, tray: 1})


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client
