"""The storefront's cache (shop/catalogue_cache.py): fewer queries, never stale.

These tests commit (transaction=True): the catalogue version is only used outside
transactions, as in a real request.
"""

import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop import catalogue_cache
from shop.models import Product
from shop.tests.factories import CategoryFactory, MerchantFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def home(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def tea(db):
    root = CategoryFactory(name="Kitchen", slug="kitchen")
    shelf = CategoryFactory(name="Teaware", slug="teaware", parent=root)
    return ProductFactory(
        title="Jade Teapot",
        slug="jade-teapot",
        category=shelf,
        merchant=MerchantFactory(name="Lotus Home"),
        price=Decimal("88.00"),
        stock=20,
    )


def test_a_visitor_s_second_view_costs_no_query(client, tea):
    home(client)
    with CaptureQueriesContext(connection) as queries:
        page = home(client)
    assert "Jade Teapot" in page and ">Kitchen</a>" in page
    assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]


def test_each_listing_is_kept_apart(client, tea):
    ProductFactory(title="Garden Hose", category=CategoryFactory(slug="garden"))
    home(client)
    assert "Garden Hose" not in client.get("/?q=jade").content.decode()
    assert "Jade Teapot" not in client.get("/category/garden/").content.decode()
    assert "Garden Hose" in client.get("/?sort=title").content.decode()


def test_checkout_and_a_cancelled_order_show_on_the_list_at_once(client, tea, shopper):
    from shop.cart import CartLine
    from shop.models import Order
    from shop.services import order_create, order_release
    from shop.tests.factories import SHIPPING

    assert "left" not in home(client)
    order = order_create(
        user=shopper,
        lines=[CartLine(product=tea, quantity=17)],
        shipping=SHIPPING,
        idempotency_key=uuid.uuid4(),
    )
    assert "Only 3 left" in home(client)
    order_release(order=order, status=Order.Status.CANCELLED)
    assert "left" not in home(client)


def test_stock_reserved_by_a_queryset_update_shows_at_once(client, tea):
    assert "left" not in home(client)
    # What order_create does: no save(), no signal.
    Product.objects.filter(pk=tea.pk).update(stock=3)
    assert "Only 3 left" in home(client)
    Product.objects.filter(pk=tea.pk).update(stock=0)
    assert "Sold out" in home(client)


def test_price_title_and_merchant_changes_show_at_once(client, tea):
    home(client)
    Product.objects.filter(pk=tea.pk).update(price=Decimal("77.00"), title="Jade Pot")
    page = home(client)
    assert "77.00" in page and "Jade Pot" in page and "88.00" not in page
    tea.merchant.name = "Lotus Living"
    tea.merchant.save()
    assert "Lotus Living" in home(client)


def test_a_new_or_hidden_product_changes_the_count(client, tea):
    assert "1 product<" in home(client)
    ProductFactory(title="Celadon Cup", category=tea.category)
    page = home(client)
    assert "2 products" in page and "Celadon Cup" in page
    tea.active = False
    tea.save()
    page = home(client)
    assert "1 product<" in page and "Jade Teapot" not in page


def test_the_category_menu_follows_renames_and_new_categories(client, tea):
    assert ">Kitchen</a>" in home(client)
    root = tea.category.parent
    root.name = "Home & Kitchen"
    root.save()
    CategoryFactory(name="Garden", slug="garden")
    page = home(client)
    assert "Home &amp; Kitchen</a>" in page and ">Garden</a>" in page


def test_a_flush_of_the_database_starts_a_new_version(client, tea):
    home(client)
    before = catalogue_cache.catalogue_version()
    call_command("flush", interactive=False, verbosity=0)
    assert catalogue_cache.catalogue_version() != before
    assert "0 products" in home(client)


def test_the_page_is_served_from_the_database_when_the_cache_is_down(
    client, tea, monkeypatch
):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    for name in ("get", "set", "add"):
        monkeypatch.setattr(cache, name, broken)
    page = home(client)
    assert "Jade Teapot" in page and ">Kitchen</a>" in page


def test_inside_a_transaction_the_count_and_menu_are_not_cached(tea):
    from django.db import transaction

    with transaction.atomic():
        assert catalogue_cache.catalogue_version() is None
