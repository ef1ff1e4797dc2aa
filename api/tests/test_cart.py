import pytest

from shop.models import CartItem


@pytest.fixture
def ada(api, shopper):
    return api(shopper)


def cart_of(user):
    return dict(
        CartItem.objects.filter(cart__user=user).values_list(
            "product__slug", "quantity"
        )
    )


def test_an_empty_cart(ada):
    response = ada.get("/api/cart/")

    assert response.status_code == 200
    assert response.json() == {"lines": [], "total": "0.00", "count": 0}


def test_adding_a_product_answers_the_cart(ada, shopper, product, other_product):
    ada.post("/api/cart/items/", {"product": "teapot"}, format="json")
    response = ada.post(
        "/api/cart/items/", {"product": "tea-mug", "quantity": 2}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == "91.00"
    assert body["count"] == 3
    assert [
        (line["product"]["slug"], line["quantity"], line["line_total"])
        for line in body["lines"]
    ] == [("tea-mug", 2, "51.00"), ("teapot", 1, "40.00")]
    assert body["lines"][0]["product"] == {
        "slug": "tea-mug",
        "title": "Tea Mug",
        "price": "25.50",
        "stock": 5,
        "in_stock": True,
        "image": None,
    }
    assert cart_of(shopper) == {"tea-mug": 2, "teapot": 1}


def test_adding_again_adds_to_the_quantity(ada, shopper, product):
    ada.post("/api/cart/items/", {"product": "tea-mug", "quantity": 2}, format="json")
    ada.post("/api/cart/items/", {"product": "tea-mug", "quantity": 1}, format="json")

    assert cart_of(shopper) == {"tea-mug": 3}


def test_adding_more_than_the_stock_is_refused(ada, shopper, product):
    response = ada.post(
        "/api/cart/items/", {"product": "tea-mug", "quantity": 6}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only 5 of “Tea Mug” left in stock.",
        "code": "out_of_stock",
    }
    assert cart_of(shopper) == {}


def test_adding_past_the_largest_quantity_is_refused(ada, shopper, product):
    product.stock = 500
    product.save()
    ada.post("/api/cart/items/", {"product": "tea-mug", "quantity": 98}, format="json")

    response = ada.post(
        "/api/cart/items/", {"product": "tea-mug", "quantity": 2}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "product_unavailable"
    assert cart_of(shopper) == {"tea-mug": 98}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product": "tea-mug", "quantity": 0}, "quantity"),
        ({"product": "tea-mug", "quantity": 100}, "quantity"),
        ({"product": "tea-mug", "quantity": "two"}, "quantity"),
        ({"quantity": 1}, "product"),
        ({"product": "no spaces please"}, "product"),
    ],
)
def test_adding_refuses_invalid_input(ada, product, body, field):
    response = ada.post("/api/cart/items/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_adding_an_unknown_or_withdrawn_product_is_404(ada, product):
    product.active = False
    product.save()

    for slug in ("tea-mug", "nothing-here"):
        response = ada.post("/api/cart/items/", {"product": slug}, format="json")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such product.", "code": "not_found"}


def test_updating_sets_the_quantity(ada, shopper, product):
    ada.post("/api/cart/items/", {"product": "tea-mug", "quantity": 3}, format="json")

    response = ada.patch("/api/cart/items/tea-mug/", {"quantity": 1}, format="json")

    assert response.status_code == 200
    assert response.json()["total"] == "25.50"
    assert cart_of(shopper) == {"tea-mug": 1}


def test_updating_a_product_not_in_the_cart_is_404(ada, shopper, product):
    response = ada.patch("/api/cart/items/tea-mug/", {"quantity": 1}, format="json")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "That product is not in your cart.",
        "code": "not_found",
    }
    assert cart_of(shopper) == {}


def test_updating_past_the_stock_is_refused(ada, shopper, product):
    ada.post("/api/cart/items/", {"product": "tea-mug"}, format="json")

    response = ada.patch("/api/cart/items/tea-mug/", {"quantity": 9}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert cart_of(shopper) == {"tea-mug": 1}


def test_removing_a_product(ada, shopper, product, other_product):
    ada.post("/api/cart/items/", {"product": "tea-mug"}, format="json")
    ada.post("/api/cart/items/", {"product": "teapot"}, format="json")

    response = ada.delete("/api/cart/items/tea-mug/")

    assert response.status_code == 200
    assert [line["product"]["slug"] for line in response.json()["lines"]] == ["teapot"]
    assert cart_of(shopper) == {"teapot": 1}
    assert ada.delete("/api/cart/items/tea-mug/").status_code == 404


def test_a_withdrawn_product_leaves_the_cart_view_and_can_be_removed(
    ada, shopper, product
):
    ada.post("/api/cart/items/", {"product": "tea-mug"}, format="json")
    product.active = False
    product.save()

    assert ada.get("/api/cart/").json()["lines"] == []
    assert ada.delete("/api/cart/items/tea-mug/").status_code == 200
    assert cart_of(shopper) == {}


def test_the_cart_flags_lines_beyond_the_stock(ada, product):
    ada.post("/api/cart/items/", {"product": "tea-mug", "quantity": 4}, format="json")
    product.stock = 2
    product.save()

    line = ada.get("/api/cart/").json()["lines"][0]

    assert line["exceeds_stock"] is True


def test_the_api_cart_is_the_cart_of_the_site(client, shopper, product, api):
    """A product added through the API is in the cart the web pages show."""
    api(shopper).post("/api/cart/items/", {"product": "tea-mug"}, format="json")
    client.force_login(shopper)

    page = client.get("/cart/")

    assert "Tea Mug" in page.content.decode()
