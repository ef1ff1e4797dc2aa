"""A real HTTP receiver on 127.0.0.1, and merchants with endpoints pointing at it."""

import pytest

from payments.services import payment_approve, wallet_topup
from payments.tests.factories import order_place
from shop.tests.factories import MerchantFactory, ProductFactory, UserFactory
from webhooks.services import endpoint_create

from .receiver import Receiver


def pay(*, user, items, method="password"):
    """Place and approve an order; return it (its events are written)."""
    order = order_place(user=user, items=items)
    payment_approve(payment=order.payment, method=method, evidence={})
    return order


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def receiver_factory():
    receivers = []

    def make(script=()):
        receivers.append(Receiver(script))
        return receivers[-1]

    yield make
    for receiver in receivers:
        receiver.stop()


@pytest.fixture
def receiver(receiver_factory):
    return receiver_factory()


@pytest.fixture
def merchant(db):
    merchant = MerchantFactory(name="Panda Goods", slug="panda")
    merchant.staff.add(UserFactory(username="panda-staff"))
    return merchant


@pytest.fixture
def other_merchant(db):
    merchant = MerchantFactory(name="Crane Tools", slug="crane")
    merchant.staff.add(UserFactory(username="crane-staff"))
    return merchant


@pytest.fixture
def product(merchant):
    return ProductFactory(merchant=merchant, title="Tea mug", slug="tea-mug")


@pytest.fixture
def other_product(other_merchant):
    return ProductFactory(merchant=other_merchant, title="Saw", slug="saw")


@pytest.fixture
def buyer(db):
    user = UserFactory(username="ada")
    wallet_topup(user=user, amount="1000.00")
    return user


@pytest.fixture
def endpoint_and_secret(merchant, receiver, loopback_allowed):
    return endpoint_create(
        merchant=merchant,
        url=receiver.url,
        events=[
            "order.paid",
            "order.cancelled",
            "order.line_shipped",
            "order.line_refunded",
            "payment.expired",
        ],
    )
