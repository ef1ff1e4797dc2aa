from decimal import Decimal

import pytest

from shop.tests.factories import ProductFactory


def slugs(response):
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_product_list_shows_products_for_sale_newest_first(api, catalogue):
    response = api().get("/api/products/")

    assert slugs(response) == ["rake", "big-pan", "green-cup", "blue-cup"]
    assert response.json()["count"] == 4


def test_product_list_answers_each_product_with_its_merchant_and_category(
    api, catalogue
):
    item = api().get("/api/products/", {"search": "rake"}).json()["results"][0]

    assert item == {
        "slug": "rake",
        "title": "Rake",
        "description": "A rake for you.",
        "price": "19.99",
        "stock": 7,
        "in_stock": True,
        "image": None,
        "merchant": {"name": "Koala", "slug": "koala"},
        "category": {"name": "Garden", "slug": "garden"},
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
    }


def test_product_list_category_filter_includes_its_subcategories(api, catalogue):
    assert slugs(api().get("/api/products/", {"category": "kitchen"})) == [
        "big-pan",
        "green-cup",
        "blue-cup",
    ]
    assert slugs(api().get("/api/products/", {"category": "teaware"})) == [
        "green-cup",
        "blue-cup",
    ]


def test_product_list_refuses_an_unknown_category(api, catalogue):
    response = api().get("/api/products/", {"category": "nope"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "category: No such category.",
        "code": "invalid",
        "fields": {"category": ["No such category."]},
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"merchant": "panda"}, ["green-cup", "blue-cup"]),
        ({"min_price": "9.50"}, ["rake", "big-pan", "green-cup"]),
        ({"max_price": "9.50"}, ["green-cup", "blue-cup"]),
        ({"min_price": "9", "max_price": "20"}, ["rake", "green-cup"]),
        ({"in_stock": "true"}, ["rake", "big-pan", "blue-cup"]),
        ({"in_stock": "false"}, ["green-cup"]),
        ({"search": "cup"}, ["green-cup", "blue-cup"]),
        ({"search": "koala"}, ["rake", "big-pan"]),  # the merchant's name
        ({"search": "green cup"}, ["green-cup"]),  # every word must match
        ({"search": "hidden"}, []),  # not for sale
        ({"merchant": "panda", "in_stock": "true"}, ["blue-cup"]),
    ],
)
def test_product_list_filters_and_search(api, catalogue, params, expected):
    assert slugs(api().get("/api/products/", params)) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("newest", ["rake", "big-pan", "green-cup", "blue-cup"]),
        ("price", ["blue-cup", "green-cup", "rake", "big-pan"]),
        ("-price", ["big-pan", "rake", "green-cup", "blue-cup"]),
        ("title", ["big-pan", "blue-cup", "green-cup", "rake"]),
    ],
)
def test_product_list_ordering(api, catalogue, ordering, expected):
    assert slugs(api().get("/api/products/", {"ordering": ordering})) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "stock"},
        {"min_price": "cheap"},
        {"min_price": "-1"},
        {"in_stock": "maybe"},
        {"search": "x" * 101},
        {"merchant": "not a slug"},
    ],
)
def test_product_list_refuses_bad_filters(api, catalogue, params):
    response = api().get("/api/products/", params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == list(params)


def test_product_list_pages_with_a_capped_page_size(api, merchant):
    for n in range(105):
        ProductFactory(merchant=merchant, slug=f"p-{n:03}", title=f"P {n:03}")

    first = api().get("/api/products/", {"ordering": "title"}).json()
    second = api().get("/api/products/", {"ordering": "title", "page": 2}).json()
    big = api().get("/api/products/", {"page_size": 500}).json()
    small = api().get("/api/products/", {"page_size": 5, "page": 3}).json()

    assert first["count"] == 105
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert first["next"].endswith("/api/products/?ordering=title&page=2")
    assert [p["slug"] for p in second["results"]][:2] == ["p-020", "p-021"]
    assert len(big["results"]) == 100
    assert len(small["results"]) == 5


@pytest.mark.parametrize("page", ["9", "0", "last-but-one"])
def test_product_list_answers_404_for_a_page_that_does_not_exist(api, product, page):
    response = api().get("/api/products/", {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


def test_product_detail(api, product):
    response = api().get("/api/products/tea-mug/")

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["price"], body["stock"]) == ("Tea Mug", "25.50", 5)
    assert body["merchant"] == {"name": "Panda", "slug": "panda"}


def test_product_detail_gives_the_image_as_an_absolute_url(api, product):
    product.image = "products/mug.jpg"
    product.save()

    body = api().get("/api/products/tea-mug/").json()

    assert body["image"] == "http://testserver/media/products/mug.jpg"


def test_product_detail_hides_a_withdrawn_product(api, product):
    product.active = False
    product.save()

    response = api().get("/api/products/tea-mug/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such product.", "code": "not_found"}


def test_categories_are_a_tree_of_roots_and_their_children(api, catalogue):
    response = api().get("/api/categories/")

    assert response.status_code == 200
    by_slug = {c["slug"]: c for c in response.json()}
    assert by_slug["kitchen"] == {
        "name": "Kitchen",
        "slug": "kitchen",
        "children": [{"name": "Teaware", "slug": "teaware"}],
    }
    assert by_slug["garden"]["children"] == []
    assert "teaware" not in by_slug


def test_price_filters_compare_amounts_not_text(api, merchant):
    ProductFactory(merchant=merchant, slug="ten", price=Decimal("10.00"))
    ProductFactory(merchant=merchant, slug="nine", price=Decimal("9.00"))

    assert slugs(api().get("/api/products/", {"min_price": "9.5"})) == ["ten"]
