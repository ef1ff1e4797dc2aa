"""The storefront and the cart as a visitor meets them, through the test client."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.models import CartItem, Product
from shop.tests.factories import CategoryFactory, MerchantFactory, ProductFactory
from shop.tests.helpers import messages_of, post_followed

pytestmark = pytest.mark.django_db

# GET / runs a fixed number of queries whatever the page size:
# the product count, one page of products (merchant and category joined) and the
# category menu (roots, then their children prefetched).
HOME_QUERIES_ANONYMOUS = 4
# ... plus the session, the user and the cart count.
HOME_QUERIES_LOGGED_IN = HOME_QUERIES_ANONYMOUS + 3

BAD_QUANTITIES = [0, -1, 100, 10**20, "abc", "", "1.5", " ", "1e3", "0x10", None]


def _session_cart(client):
    return dict(client.session.get("cart", {}))


def _titles(response):
    return [p.title for p in response.context["products"]]


def _post_quantity(client, url, quantity):
    data = {} if quantity is None else {"quantity": quantity}
    return client.post(url, data)


@pytest.fixture
def add_url(product):
    return reverse("shop:cart_add", kwargs={"slug": product.slug})


@pytest.fixture
def update_url(product):
    return reverse("shop:cart_update", kwargs={"slug": product.slug})


@pytest.fixture
def remove_url(product):
    return reverse("shop:cart_remove", kwargs={"slug": product.slug})


@pytest.fixture
def big_catalogue(db):
    """60 active products from four merchants in a two-level category tree."""
    merchants = [MerchantFactory() for _ in range(4)]
    roots = [CategoryFactory() for _ in range(2)]
    children = [CategoryFactory(parent=roots[i % 2]) for i in range(4)]
    categories = roots + children
    return [
        ProductFactory(
            merchant=merchants[i % 4],
            category=categories[i % len(categories)],
            price=Decimal(10 + i),
        )
        for i in range(60)
    ]


# The product grid -----------------------------------------------------------------


def test_home_lists_active_products_with_title_price_and_merchant(client, product):
    ProductFactory(title="Hidden Lamp", active=False)

    response = client.get("/")

    assert response.status_code == 200
    assert _titles(response) == ["Tea Mug"]
    assert response.context["page"].paginator.count == 1
    page = response.content.decode()
    assert "Hidden Lamp" not in page
    assert "Tea Mug" in page
    assert "¥25.50" in page
    assert "Panda" in page
    assert product.get_absolute_url() in page


def test_home_with_no_products_says_nothing_matches(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "No products match" in response.content.decode()


def test_home_marks_sold_out_and_low_stock_products(client, db):
    ProductFactory(title="Gone Kettle", stock=0)
    ProductFactory(title="Last Lamp", stock=2)

    page = client.get("/").content.decode()

    assert "Sold out" in page
    assert "Only 2 left" in page


def test_category_page_includes_products_of_child_categories(client, db):
    electronics = CategoryFactory(name="Electronics", slug="electronics")
    phones = CategoryFactory(name="Phones", slug="phones", parent=electronics)
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    ProductFactory(title="Cable", category=electronics)
    ProductFactory(title="Phone", category=phones)
    ProductFactory(title="Wok", category=kitchen)
    ProductFactory(title="Old Phone", category=phones, active=False)

    response = client.get(electronics.get_absolute_url())

    assert response.status_code == 200
    assert sorted(_titles(response)) == ["Cable", "Phone"]
    assert response.context["category"] == electronics
    assert phones.get_absolute_url() in response.content.decode()


def test_child_category_page_lists_only_its_own_products(client, db):
    electronics = CategoryFactory(slug="electronics")
    phones = CategoryFactory(slug="phones", parent=electronics)
    ProductFactory(title="Cable", category=electronics)
    ProductFactory(title="Phone", category=phones)

    response = client.get(phones.get_absolute_url())

    assert _titles(response) == ["Phone"]


def test_unknown_category_is_404(client, db):
    assert client.get("/category/no-such-thing/").status_code == 404


def test_search_matches_title_description_and_merchant_name(client, db):
    lotus = MerchantFactory(name="Lotus Home")
    ProductFactory(title="Glass Teapot", description="Holds 800 ml.")
    ProductFactory(title="Rice Bowl", description="Porcelain, goes with a teapot.")
    ProductFactory(title="Chef Knife", merchant=lotus)
    ProductFactory(title="Phone Case")

    assert sorted(_titles(client.get("/", {"q": "teapot"}))) == [
        "Glass Teapot",
        "Rice Bowl",
    ]
    assert _titles(client.get("/", {"q": "LOTUS"})) == ["Chef Knife"]
    assert _titles(client.get("/", {"q": "glass teapot"})) == ["Glass Teapot"]
    response = client.get("/", {"q": "nothing-like-this"})
    assert _titles(response) == []
    assert "No products match" in response.content.decode()


def test_search_keeps_the_query_in_sort_form_and_page_title(client, db):
    ProductFactory(title="Glass Teapot")

    page = client.get("/", {"q": "teapot"}).content.decode()

    assert "Results for “teapot”" in page
    assert 'name="q" value="teapot"' in page


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Cheap", "Middle", "Dear"]),
        ("-price", ["Dear", "Middle", "Cheap"]),
        # Newest first: the reverse of the order they were created in.
        ("newest", ["Cheap", "Dear", "Middle"]),
        ("title", ["Cheap", "Dear", "Middle"]),
    ],
)
def test_sort_orders_the_results(client, db, sort, expected):
    ProductFactory(title="Middle", price=Decimal("20.00"))
    ProductFactory(title="Dear", price=Decimal("99.00"))
    ProductFactory(title="Cheap", price=Decimal("5.00"))

    response = client.get("/", {"sort": sort})

    assert response.status_code == 200
    assert _titles(response) == expected
    assert response.context["sort"] == sort


def test_sort_applies_within_a_search(client, db):
    ProductFactory(title="Big Teapot", price=Decimal("50.00"))
    ProductFactory(title="Small Teapot", price=Decimal("15.00"))
    ProductFactory(title="Cheap Mug", price=Decimal("1.00"))

    response = client.get("/", {"q": "teapot", "sort": "price"})

    assert _titles(response) == ["Small Teapot", "Big Teapot"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "bogus"},
        {"sort": "price; DROP TABLE shop_product"},
        {"q": "x" * 500},
        {"q": "%_\\'\""},
        {"sort": ""},
    ],
)
def test_bad_search_or_sort_falls_back_to_newest_without_error(client, db, params):
    ProductFactory(title="First")
    ProductFactory(title="Second")

    response = client.get("/", params)

    assert response.status_code == 200
    assert response.context["sort"] == "newest"


def test_second_page_shows_the_next_products(client, settings, db):
    settings.SHOP_PAGE_SIZE = 2
    for i in range(5):
        ProductFactory(title=f"P{i}", price=Decimal(10 + i))

    first = client.get("/", {"sort": "price"})
    second = client.get("/", {"sort": "price", "page": 2})

    assert _titles(first) == ["P0", "P1"]
    assert _titles(second) == ["P2", "P3"]
    page = second.content.decode()
    assert "Page 2 of 3" in page
    # The links to other pages keep the sort order.
    assert "?sort=price&amp;page=1" in page
    assert "?sort=price&amp;page=3" in page


@pytest.mark.parametrize("page", ["999", "abc", "-1", "0", "", "1.5", "9" * 50])
def test_out_of_range_or_garbage_page_numbers_show_a_page(client, settings, db, page):
    settings.SHOP_PAGE_SIZE = 2
    for i in range(5):
        ProductFactory(title=f"P{i}")

    response = client.get("/", {"page": page})

    assert response.status_code == 200
    assert len(_titles(response)) in (1, 2)


def test_page_999_shows_the_last_page(client, settings, db):
    settings.SHOP_PAGE_SIZE = 2
    for i in range(5):
        ProductFactory(title=f"P{i}", price=Decimal(10 + i))

    response = client.get("/", {"sort": "price", "page": 999})

    assert response.context["page"].number == 3
    assert _titles(response) == ["P4"]


@pytest.mark.parametrize("page_size", [5, 50])
def test_home_query_count_is_fixed_for_a_visitor(
    client, settings, big_catalogue, page_size, django_assert_num_queries
):
    settings.SHOP_PAGE_SIZE = page_size

    with django_assert_num_queries(HOME_QUERIES_ANONYMOUS):
        response = client.get("/")

    assert response.status_code == 200
    assert len(response.context["products"]) == page_size


@pytest.mark.parametrize("page_size", [5, 50])
def test_home_query_count_is_fixed_for_a_signed_in_shopper(
    client, settings, big_catalogue, shopper, page_size, django_assert_num_queries
):
    settings.SHOP_PAGE_SIZE = page_size
    client.force_login(shopper)
    for product in big_catalogue[:3]:
        post_followed(
            client,
            reverse("shop:cart_add", kwargs={"slug": product.slug}),
            {"quantity": 1},
        )

    with django_assert_num_queries(HOME_QUERIES_LOGGED_IN):
        response = client.get("/")

    assert response.status_code == 200
    assert len(response.context["products"]) == page_size
    assert response.context["cart_count"] == 3


def test_home_query_count_does_not_grow_with_page_size(client, settings, big_catalogue):
    counts = {}
    for page_size in (5, 50):
        settings.SHOP_PAGE_SIZE = page_size
        with CaptureQueriesContext(connection) as queries:
            client.get("/", {"sort": "-price", "page": 1})
        counts[page_size] = len(queries)

    assert counts[5] == counts[50] == HOME_QUERIES_ANONYMOUS


# The product page -----------------------------------------------------------------


def test_product_page_shows_details_and_an_add_to_cart_button(client, product):
    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Tea Mug" in page
    assert "¥25.50" in page
    assert "Panda" in page
    assert "Add to cart" in page
    assert f'action="{reverse("shop:cart_add", kwargs={"slug": "tea-mug"})}"' in page


def test_sold_out_product_page_has_no_add_to_cart_button(client, db):
    product = ProductFactory(stock=0)

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    assert "Sold out" in response.content.decode()
    assert "Add to cart" not in response.content.decode()


def test_inactive_product_page_is_404(client, db):
    product = ProductFactory(active=False)

    assert client.get(product.get_absolute_url()).status_code == 404


def test_unknown_product_page_is_404(client, db):
    assert client.get("/products/no-such-product/").status_code == 404


# The cart, as a visitor --------------------------------------------------------------


def test_empty_cart_page_says_so(client, db):
    response = client.get(reverse("shop:cart"))

    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()


def test_visitor_adds_a_product_to_the_cart(client, product, add_url):
    response = client.post(add_url, {"quantity": 2})

    assert response.status_code == 302
    assert response.url == reverse("shop:cart")
    assert messages_of(response) == ["Added “Tea Mug” to your cart."]
    assert _session_cart(client) == {str(product.pk): 2}
    page = client.get(reverse("shop:cart"))
    assert page.context["total"] == Decimal("51.00")
    assert page.context["cart_count"] == 2
    assert "¥51.00" in page.content.decode()
    assert "Checkout" in page.content.decode()


def test_adding_the_same_product_again_adds_to_its_quantity(client, product, add_url):
    post_followed(client, add_url, {"quantity": 2})
    post_followed(client, add_url, {"quantity": 3})

    assert _session_cart(client) == {str(product.pk): 5}


def test_visitor_updates_the_quantity_in_the_cart(client, product, add_url, update_url):
    post_followed(client, add_url, {"quantity": 1})

    response = client.post(update_url, {"quantity": 4})

    assert response.url == reverse("shop:cart")
    assert messages_of(response) == ["Updated the quantity of “Tea Mug”."]
    assert _session_cart(client) == {str(product.pk): 4}


def test_visitor_removes_a_product_from_the_cart(client, product, add_url, remove_url):
    other = ProductFactory(title="Rice Bowl")
    post_followed(client, add_url, {"quantity": 1})
    post_followed(
        client, reverse("shop:cart_add", kwargs={"slug": other.slug}), {"quantity": 1}
    )

    response = client.post(remove_url)

    assert response.url == reverse("shop:cart")
    assert messages_of(response) == ["Removed “Tea Mug” from your cart."]
    assert _session_cart(client) == {str(other.pk): 1}


def test_removing_a_product_not_in_the_cart_changes_nothing(
    client, product, remove_url
):
    response = client.post(remove_url)

    assert response.status_code == 302
    assert _session_cart(client) == {}


def test_removing_an_unknown_product_is_404(client, db):
    assert client.post("/cart/remove/no-such-product/").status_code == 404


def test_visitor_cart_stays_in_the_session_not_the_database(client, product, add_url):
    post_followed(client, add_url, {"quantity": 1})

    assert not CartItem.objects.exists()


def test_signed_in_shopper_cart_is_kept_in_the_database(
    client, shopper, product, add_url
):
    client.force_login(shopper)

    post_followed(client, add_url, {"quantity": 2})

    assert list(
        CartItem.objects.filter(cart__user=shopper).values_list("product", "quantity")
    ) == [(product.pk, 2)]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_adding_a_bad_quantity_is_refused_with_a_message(
    client, product, add_url, quantity
):
    post_followed(client, add_url, {"quantity": 1})

    response = _post_quantity(client, add_url, quantity)

    assert response.status_code == 302
    assert response.url == product.get_absolute_url()
    assert len(messages_of(response)) == 1
    assert _session_cart(client) == {str(product.pk): 1}
    shown = client.get(response.url)
    assert shown.status_code == 200


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_updating_to_a_bad_quantity_is_refused_with_a_message(
    client, product, add_url, update_url, quantity
):
    post_followed(client, add_url, {"quantity": 2})

    response = _post_quantity(client, update_url, quantity)

    assert response.status_code == 302
    assert response.url == reverse("shop:cart")
    assert len(messages_of(response)) == 1
    assert _session_cart(client) == {str(product.pk): 2}


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_bad_quantity_from_a_signed_in_shopper_leaves_the_cart_unchanged(
    client, shopper, product, add_url, quantity
):
    client.force_login(shopper)
    post_followed(client, add_url, {"quantity": 1})

    response = _post_quantity(client, add_url, quantity)

    assert response.status_code == 302
    assert len(messages_of(response)) == 1
    assert list(
        CartItem.objects.filter(cart__user=shopper).values_list("quantity", flat=True)
    ) == [1]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("abc", "Enter a whole number of items."),
        ("1.5", "Enter a whole number of items."),
        ("", "Enter how many you want."),
        (None, "Enter how many you want."),
        (0, "Ensure this value is greater than or equal to 1."),
        (100, "Ensure this value is less than or equal to 99."),
    ],
)
def test_bad_quantity_message_says_what_is_wrong(
    client, product, add_url, quantity, message
):
    response = client.post(
        add_url, {} if quantity is None else {"quantity": quantity}, follow=True
    )

    assert response.status_code == 200
    assert message in response.content.decode()


def test_adding_more_than_the_stock_is_refused_with_a_message(client, product, add_url):
    response = client.post(add_url, {"quantity": 6}, follow=True)

    assert response.status_code == 200
    assert "Only 5 of “Tea Mug” left in stock." in response.content.decode()
    assert _session_cart(client) == {}


def test_adding_to_a_cart_line_beyond_the_stock_keeps_the_line_as_it_was(
    client, product, add_url
):
    post_followed(client, add_url, {"quantity": 3})

    response = client.post(add_url, {"quantity": 3})

    assert messages_of(response) == ["Only 5 of “Tea Mug” left in stock."]
    assert _session_cart(client) == {str(product.pk): 3}


def test_updating_beyond_the_stock_is_refused_with_a_message(
    client, product, add_url, update_url
):
    post_followed(client, add_url, {"quantity": 2})

    response = client.post(update_url, {"quantity": 6})

    assert response.url == reverse("shop:cart")
    assert messages_of(response) == ["Only 5 of “Tea Mug” left in stock."]
    assert _session_cart(client) == {str(product.pk): 2}


def test_adding_a_sold_out_product_says_it_is_sold_out(client, db):
    product = ProductFactory(title="Gone Kettle", stock=0)

    response = client.post(
        reverse("shop:cart_add", kwargs={"slug": product.slug}), {"quantity": 1}
    )

    assert messages_of(response) == ["“Gone Kettle” is sold out."]
    assert _session_cart(client) == {}


def test_adding_an_unknown_product_is_404(client, db):
    response = client.post("/cart/add/no-such-product/", {"quantity": 1})

    assert response.status_code == 404
    assert _session_cart(client) == {}


def test_adding_an_inactive_product_is_404(client, db):
    product = ProductFactory(active=False, stock=10)

    response = client.post(
        reverse("shop:cart_add", kwargs={"slug": product.slug}), {"quantity": 1}
    )

    assert response.status_code == 404
    assert _session_cart(client) == {}


def test_updating_a_product_taken_off_sale_is_404_and_it_leaves_the_cart_page(
    client, product, add_url, update_url, remove_url
):
    post_followed(client, add_url, {"quantity": 2})
    Product.objects.filter(pk=product.pk).update(active=False)

    assert client.post(update_url, {"quantity": 1}).status_code == 404
    cart_page = client.get(reverse("shop:cart"))
    assert cart_page.status_code == 200
    assert cart_page.context["lines"] == []
    # It can still be removed for good.
    assert client.post(remove_url).status_code == 302
    assert _session_cart(client) == {}


def test_cart_flags_a_line_above_the_current_stock_and_hides_checkout(
    client, product, add_url
):
    post_followed(client, add_url, {"quantity": 4})
    Product.objects.filter(pk=product.pk).update(stock=2)

    response = client.get(reverse("shop:cart"))

    page = response.content.decode()
    assert response.context["has_stock_problem"] is True
    assert "Only 2 in stock" in page
    assert reverse("payments:checkout") not in page


@pytest.mark.parametrize("name", ["cart_add", "cart_update", "cart_remove"])
def test_get_on_cart_change_endpoints_is_405(client, product, name):
    response = client.get(reverse(f"shop:{name}", kwargs={"slug": product.slug}))

    assert response.status_code == 405
