"""Fixtures shared by every app's tests."""

from decimal import Decimal

import pytest
from django.db import connection

from shop.tests.factories import PASSWORD, MerchantFactory, ProductFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(skip_pg)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def shopper(db):
    return UserFactory(username="ada")


@pytest.fixture
def other_shopper(db):
    return UserFactory(username="bob")


@pytest.fixture
def funded_shopper(shopper):
    from payments.services import wallet_topup

    wallet_topup(user=shopper, amount="1000.00")
    return shopper


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Panda", slug="panda")


@pytest.fixture
def product(merchant):
    return ProductFactory(
        merchant=merchant,
        title="Tea Mug",
        slug="tea-mug",
        price=Decimal("25.50"),
        stock=5,
    )
