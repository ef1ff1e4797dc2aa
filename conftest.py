"""Fixtures shared by every app's tests."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from shop.tests.factories import PASSWORD, MerchantFactory, ProductFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def own_throttle(settings):
    """Sign-in throttle counters of this test only, under a key prefix of its own:
    wrong passwords in one test never lock a username in another. The test Redis is
    shared by every run on the machine: never flush it."""
    settings.AUTH_THROTTLE_PREFIX = f"auth-throttle-test-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def english_by_default():
    """Each test starts in the shop's default language. A request through the test
    client activates its language (LocaleMiddleware) in this thread and leaves it
    active, so one French request would otherwise turn the next tests French."""
    translation.activate("en")
    yield
    translation.deactivate()


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


@pytest.fixture
def other_merchant(db):
    return MerchantFactory(name="Koala", slug="koala")


@pytest.fixture
def other_product(other_merchant):
    return ProductFactory(
        merchant=other_merchant,
        title="Teapot",
        slug="teapot",
        price=Decimal("40.00"),
        stock=3,
    )


@pytest.fixture
def merchant_staff(merchant):
    """Pat works for Panda, which sells the Tea Mug."""
    user = UserFactory(username="pat")
    merchant.staff.add(user)
    return user


@pytest.fixture
def other_merchant_staff(other_merchant):
    """Kim works for Koala, another shop."""
    user = UserFactory(username="kim")
    other_merchant.staff.add(user)
    return user


@pytest.fixture
def superuser(db):
    """A superuser who is nobody's shop staff (pytest-django's `admin_user` stays its own)."""
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files of this test only, in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def teaware(db):
    """A category to file products under."""
    from shop.tests.factories import CategoryFactory

    return CategoryFactory(name="Teaware", slug="teaware")
