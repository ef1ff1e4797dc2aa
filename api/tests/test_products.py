"""A merchant's products through the API: only its own, with pictures checked and
stripped, and every stock change a movement."""

import pytest
from PIL import ExifTags, Image

from payments.tests.factories import order_place
from shop.models import Product, StockMovement
from shop.tests.factories import CategoryFactory, MerchantFactory
from shop.tests.helpers import stock_ledger_problems
from shop.tests.pictures import gif_bomb, jpeg_bytes, phone_photo, png_claiming, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

PRODUCTS = "/api/merchant/products/"


@pytest.fixture
def staff_api(api, merchant_staff):
    return api(merchant_staff)


def url(product, tail=""):
    return f"{PRODUCTS}{product.pk}/{tail}"


BOWL = {
    "title": "Celadon Bowl",
    "description": "Glazed by hand.",
    "price": "18.50",
    "category": "teaware",
    "stock": 12,
}


# --- who may call ---------------------------------------------------------------------


def test_the_list_holds_only_the_callers_shops_products(
    staff_api, product, other_product
):
    body = staff_api.get(PRODUCTS).json()

    assert [p["slug"] for p in body["results"]] == ["tea-mug"]
    mug = body["results"][0]
    assert mug["merchant"] == "panda" and mug["stock"] == 5 and mug["active"]
    assert mug["on_orders"] is False
    assert mug["pictures"] == {
        "large": None,
        "detail": None,
        "card": None,
        "thumb": None,
    }


def test_the_list_is_searched_and_filtered(staff_api, product, merchant):
    Product.objects.filter(pk=product.pk).update(active=False)

    def slugs(**params):
        return [p["slug"] for p in staff_api.get(PRODUCTS, params).json()["results"]]

    assert slugs(search="mug") == ["tea-mug"]
    assert slugs(search="kettle") == []
    assert slugs(state="off_sale") == ["tea-mug"]
    assert slugs(state="on_sale") == []
    bad = staff_api.get(PRODUCTS, {"state": "hidden"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_another_shops_product_does_not_exist_for_its_staff(
    api, other_merchant_staff, product
):
    client = api(other_merchant_staff)
    before = Product.objects.values().get(pk=product.pk)

    for method, path, body in [
        ("get", url(product), None),
        ("patch", url(product), {"title": "Mine now"}),
        ("delete", url(product), None),
        ("get", url(product, "stock/"), None),
        ("post", url(product, "stock/"), {"delta": -5, "reason": "damaged"}),
        ("delete", url(product, "picture/"), None),
    ]:
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json() == {
            "detail": "No such product in your shop.",
            "code": "not_found",
        }
    picture = client.post(
        url(product, "picture/"), {"picture": upload(jpeg_bytes())}, format="multipart"
    )
    assert picture.status_code == 404
    assert Product.objects.values().get(pk=product.pk) == before


# --- adding ---------------------------------------------------------------------------


def test_a_product_is_added_with_its_opening_stock(staff_api, teaware, merchant_staff):
    response = staff_api.post(PRODUCTS, BOWL, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["merchant"], body["category"]) == (
        "celadon-bowl",
        "panda",
        "teaware",
    )
    assert (body["price"], body["stock"], body["active"]) == ("18.50", 12, True)
    bowl = Product.objects.get(pk=body["id"])
    opening = StockMovement.objects.get(product=bowl)
    assert (opening.delta, opening.reason, opening.user) == (
        12,
        "initial",
        merchant_staff,
    )


def test_a_product_is_added_with_a_picture_stripped_of_its_gps_position(
    staff_api, teaware
):
    response = staff_api.post(
        PRODUCTS, {**BOWL, "picture": upload(phone_photo())}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    pictures = response.json()["pictures"]
    assert pictures["card"].startswith("http://testserver/media/products/celadon-bowl-")
    bowl = Product.objects.get(slug="celadon-bowl")
    with Image.open(bowl.image.path) as stored:
        assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    for size, field in [
        ("large", "image"),
        ("detail", "image_detail"),
        ("card", "image_card"),
        ("thumb", "image_thumb"),
    ]:
        stored = getattr(bowl, field)
        assert pictures[size] == f"http://testserver{stored.url}", size
        assert stored.storage.exists(stored.name), size


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"plain text, renamed", "This file is not a picture"),
        (jpeg_bytes()[:2000], "The picture is damaged or incomplete"),
        (png_claiming(8000, 8000), "8000 × 8000 pixels (64 megapixels)"),
        (gif_bomb(), "too many pixels"),
    ],
    ids=["text", "truncated", "huge png", "gif bomb"],
)
def test_a_bad_picture_is_a_400_in_the_error_shape_and_nothing_is_saved(
    staff_api, teaware, media_root, data, message
):
    response = staff_api.post(
        PRODUCTS, {**BOWL, "picture": upload(data, "photo.jpg")}, format="multipart"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert message in body["fields"]["picture"][0]
    assert body["detail"].startswith("picture: ")
    assert not Product.objects.exists() and not list(media_root.rglob("*.jpg"))


def test_staff_of_several_shops_name_the_shop(api, merchant_staff, teaware, merchant):
    lotus = MerchantFactory(name="Lotus Home", slug="lotus")
    lotus.staff.add(merchant_staff)
    client = api(merchant_staff)

    unnamed = client.post(PRODUCTS, BOWL, format="json")
    named = client.post(PRODUCTS, {**BOWL, "merchant": "lotus"}, format="json")
    foreign = client.post(PRODUCTS, {**BOWL, "merchant": "koala"}, format="json")

    assert unnamed.status_code == 400 and "merchant" in unnamed.json()["fields"]
    assert named.status_code == 201 and named.json()["merchant"] == "lotus"
    assert foreign.status_code == 400 and "merchant" in foreign.json()["fields"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "0.00"),
        ("price", "100000000.00"),
        ("stock", -1),
        ("stock", 1_000_001),
        ("category", "no-such-category"),
        ("title", ""),
    ],
)
def test_an_impossible_product_is_refused(staff_api, teaware, field, value):
    response = staff_api.post(PRODUCTS, {**BOWL, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]


# --- changing ---------------------------------------------------------------------------


def test_a_product_is_edited_and_taken_off_sale(staff_api, client, product):
    response = staff_api.patch(
        url(product),
        {"title": "Tea Mug, blue", "price": "27.00", "active": False},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["price"], body["active"]) == (
        "Tea Mug, blue",
        "27.00",
        False,
    )
    assert client.get("/products/tea-mug/").status_code == 404


def test_the_stock_is_not_patched_but_moved(staff_api, product):
    response = staff_api.patch(url(product), {"stock": 99}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["stock"] == [
        "The stock changes only as a movement: POST it to the product's stock."
    ]
    product.refresh_from_db()
    assert product.stock == 5


def test_a_picture_is_uploaded_replaced_and_removed(staff_api, product, media_root):
    first = staff_api.post(
        url(product, "picture/"), {"picture": upload(jpeg_bytes())}, format="multipart"
    )
    assert first.status_code == 200, first.json()
    assert first.json()["pictures"]["thumb"].endswith("-thumb.jpg")

    refused = staff_api.post(
        url(product, "picture/"), {"picture": upload(b"nope")}, format="multipart"
    )
    assert refused.status_code == 400 and "picture" in refused.json()["fields"]

    removed = staff_api.delete(url(product, "picture/"))
    assert removed.status_code == 200
    assert removed.json()["pictures"]["large"] is None


def test_a_product_no_order_names_is_deleted(staff_api, product):
    assert staff_api.delete(url(product)).status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()


def test_a_product_on_orders_is_not_deleted(staff_api, product, funded_shopper):
    order_place(user=funded_shopper, items={product: 1})

    response = staff_api.delete(url(product))

    assert response.status_code == 409
    assert response.json()["code"] == "product_has_orders"
    assert staff_api.get(url(product)).json()["on_orders"] is True


# --- stock ------------------------------------------------------------------------------


def test_a_restock_is_recorded_and_listed_with_the_orders_movements(
    staff_api, product, funded_shopper
):
    order = order_place(user=funded_shopper, items={product: 2})

    response = staff_api.post(
        url(product, "stock/"),
        {"delta": 20, "reason": "restock", "note": "Delivery 4411"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    movement = response.json()
    assert (movement["delta"], movement["stock_after"], movement["by"]) == (
        20,
        23,
        "pat",
    )
    history = staff_api.get(url(product, "stock/")).json()["results"]
    assert [(m["reason"], m["delta"], m["order"]) for m in history] == [
        ("restock", 20, None),
        ("order_reserved", -2, order.number),
        ("initial", 5, None),
    ]
    assert history[1]["by"] == "ada"


def test_a_count_is_set_over_the_stock_it_started_from(staff_api, product):
    response = staff_api.post(
        url(product, "stock/"),
        {"stock": 9, "expected_stock": 5, "reason": "correction"},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["delta"], response.json()["stock_after"]) == (4, 9)


def test_a_count_over_stock_that_changed_meanwhile_is_a_409(
    staff_api, product, funded_shopper
):
    order_place(user=funded_shopper, items={product: 2})

    response = staff_api.post(
        url(product, "stock/"),
        {"stock": 9, "expected_stock": 5, "reason": "correction"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stock_changed"
    assert "changed from 5 to 3" in response.json()["detail"]
    product.refresh_from_db()
    assert product.stock == 3
    assert stock_ledger_problems() == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"delta": -2, "reason": "restock"}, 400, "invalid_stock_change"),
        ({"delta": 2, "reason": "damaged"}, 400, "invalid_stock_change"),
        ({"delta": -6, "reason": "damaged"}, 409, "stock_too_low"),
        ({"delta": 1_000_000, "reason": "restock"}, 400, "invalid_stock_change"),
        (
            {"stock": 5, "expected_stock": 5, "reason": "correction"},
            400,
            "invalid_stock_change",
        ),
        ({"delta": 2, "reason": "order_reserved"}, 400, "invalid"),
        ({"delta": 2, "stock": 4, "reason": "restock"}, 400, "invalid"),
        ({"reason": "restock"}, 400, "invalid"),
        ({"stock": 4, "reason": "correction"}, 400, "invalid"),
    ],
)
def test_a_stock_change_that_cannot_be_is_refused_and_changes_nothing(
    staff_api, product, body, status, code
):
    response = staff_api.post(url(product, "stock/"), body, format="json")

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    product.refresh_from_db()
    assert product.stock == 5
    assert StockMovement.objects.filter(product=product).count() == 1


def test_a_refusal_is_in_the_callers_language(staff_api, product):
    response = staff_api.post(
        url(product, "stock/"),
        {"delta": -6, "reason": "damaged"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.json() == {
        "detail": "Seulement 5 «\xa0Tea Mug\xa0» en rayon\xa0: impossible d'en "
        "retirer 6.",
        "code": "stock_too_low",
    }


def test_product_pictures_in_the_list_are_read_without_a_query_each(
    staff_api, merchant, django_assert_max_num_queries
):
    for n in range(3):
        staff_api.post(
            PRODUCTS,
            {
                **BOWL,
                "title": f"Bowl {n}",
                "category": CategoryFactory().slug,
                "picture": upload(jpeg_bytes()),
            },
            format="multipart",
        )

    with django_assert_max_num_queries(6):
        body = staff_api.get(PRODUCTS).json()

    assert len(body["results"]) == 3
    assert all(p["pictures"]["card"] for p in body["results"])


@pytest.mark.parametrize("field", ["category", "merchant"])
def test_a_slug_that_cannot_be_one_is_a_400_not_a_database_error(
    staff_api, product, field
):
    """Found by Schemathesis on PostgreSQL: a NUL byte in a slug reached the query."""
    body = dict(BOWL, merchant="panda")
    body[field] = "tea\x00ware"

    response = staff_api.post(PRODUCTS, body, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
