"""List endpoints read a fixed number of queries, however long the page."""

import pytest

from payments.services import payment_confirm_with_password, wallet_topup
from payments.tests.factories import order_place
from shop.tests.factories import (
    PASSWORD,
    CategoryFactory,
    MerchantFactory,
    ProductFactory,
)

PAGE_SIZES = [2, 12]


@pytest.fixture
def many_products(db):
    merchants = [MerchantFactory() for _ in range(3)]
    categories = [CategoryFactory() for _ in range(3)]
    return [
        ProductFactory(merchant=merchants[n % 3], category=categories[n % 3], stock=100)
        for n in range(14)
    ]


@pytest.fixture
def many_orders(funded_shopper, merchant_staff, merchant, many_products):
    """14 orders of Ada's, each with a line from the merchant and from another."""
    mine = ProductFactory(merchant=merchant, stock=100)
    orders = []
    for n, other in enumerate(many_products):
        order = order_place(user=funded_shopper, items={mine: 1, other: 1 + n % 2})
        if n % 2:
            payment_confirm_with_password(
                payment=order.payment, user=funded_shopper, password=PASSWORD
            )
        orders.append(order)
    return orders


def assert_page(response, size):
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_product_list_queries(api, many_products, django_assert_num_queries, size):
    client = api()
    # count, page (with merchants and categories joined)
    with django_assert_num_queries(2):
        assert_page(client.get("/api/products/", {"page_size": size}), size)


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_filtered_product_list_queries(
    api, many_products, django_assert_num_queries, size
):
    category = many_products[0].category
    client = api()
    # the category, count, page
    with django_assert_num_queries(3):
        response = client.get(
            "/api/products/",
            {"page_size": size, "category": category.slug, "search": "Product"},
        )
    assert response.status_code == 200


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_order_list_queries(
    api, funded_shopper, many_orders, django_assert_num_queries, size
):
    client = api(funded_shopper)
    # token, count, page (with payments), lines, their products, their merchants
    with django_assert_num_queries(6):
        assert_page(client.get("/api/orders/", {"page_size": size}), size)


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_wallet_entry_list_queries(api, shopper, django_assert_num_queries, size):
    for _ in range(14):
        wallet_topup(user=shopper, amount="1.00")
    client = api(shopper)
    # token, wallet, count, page (with transfers)
    with django_assert_num_queries(4):
        assert_page(client.get("/api/wallet/entries/", {"page_size": size}), size)


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_merchant_order_list_queries(
    api, merchant_staff, many_orders, django_assert_num_queries, size
):
    client = api(merchant_staff)
    # token, is staff, count, page (with users, payments), lines, their products
    with django_assert_num_queries(6):
        assert_page(client.get("/api/merchant/orders/", {"page_size": size}), size)


@pytest.mark.parametrize("count", [1, 6])
def test_category_list_queries(api, db, django_assert_num_queries, count):
    for _ in range(count):
        root = CategoryFactory()
        CategoryFactory(parent=root)
        CategoryFactory(parent=root)
    client = api()
    # roots, their children
    with django_assert_num_queries(2):
        assert len(client.get("/api/categories/").json()) == count


@pytest.mark.parametrize("count", [1, 6])
def test_cart_queries(api, shopper, many_products, django_assert_num_queries, count):
    client = api(shopper)
    for product in many_products[:count]:
        client.post("/api/cart/items/", {"product": product.slug}, format="json")
    # token, quantities, products (with merchants)
    with django_assert_num_queries(3):
        assert len(client.get("/api/cart/").json()["lines"]) == count
