"""A shop's products in the dashboard: staff list, add, edit, picture and restock
their own; another shop's products do not exist for them."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import ExifTags, Image

from payments.tests.factories import order_place
from shop.models import Merchant, Product, StockMovement
from shop.tests.factories import CategoryFactory, MerchantFactory, ProductFactory
from shop.tests.helpers import messages_of, stock_ledger_problems
from shop.tests.pictures import (
    drawing,
    gif_bomb,
    jpeg_bytes,
    phone_photo,
    png_claiming,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

PRODUCTS = reverse("merchant:products")
NEW = reverse("merchant:product_new")


def edit_url(product):
    return reverse("merchant:product", args=[product.pk])


def stock_url(product):
    return reverse("merchant:product_stock", args=[product.pk])


def files_in(media_root) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()]


def new_product(category, **fields):
    """The new product form as Panda's staff fill it in (the shop a hidden field)."""
    return {
        "merchant": Merchant.objects.get(slug="panda").pk,
        "title": "Celadon Bowl",
        "description": "Glazed by hand.\nHolds 300 ml.",
        "price": "18.50",
        "category": category.pk,
        "stock": "12",
        "active": "on",
        **fields,
    }


def edit_of(product, **fields):
    """The edit form as the page sends it back, with `fields` changed."""
    return {
        "title": product.title,
        "description": product.description,
        "price": str(product.price),
        "category": product.category_id,
        "stock": str(product.stock),
        "stock_seen": str(product.stock),
        "active": "on" if product.active else "",
        **fields,
    }


def listed(response) -> list[str]:
    return [product.title for product in response.context["page"].object_list]


# --- who may come in ----------------------------------------------------------------


def test_the_products_page_is_in_the_merchant_menu(staff_client):
    page = staff_client.get(reverse("merchant:dashboard")).content.decode()

    assert f'href="{PRODUCTS}"' in page


@pytest.mark.parametrize("who", ["shopper", "admin"])
def test_people_on_no_shops_staff_get_no_product_pages(client, who, request, mug):
    client.force_login(request.getfixturevalue(who))

    for url in (PRODUCTS, NEW, edit_url(mug), stock_url(mug)):
        assert client.get(url).status_code == 403, url


def test_a_visitor_is_sent_to_log_in(client, mug):
    response = client.get(edit_url(mug))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_shops_staff_cannot_see_or_touch_a_product(
    client, other_staff, mug, teaware
):
    client.force_login(other_staff)
    before = Product.objects.values().get(pk=mug.pk)

    assert "Tea Mug" not in client.get(PRODUCTS).content.decode()
    for method, url, data in [
        ("get", edit_url(mug), None),
        ("post", edit_url(mug), edit_of(mug, title="Stolen", stock="99")),
        ("get", stock_url(mug), None),
        ("post", stock_url(mug), {"change": "-50", "reason": "damaged"}),
        ("post", reverse("merchant:product_active", args=[mug.pk]), {"active": "0"}),
        ("post", reverse("merchant:product_delete", args=[mug.pk]), None),
    ]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    assert Product.objects.values().get(pk=mug.pk) == before
    assert StockMovement.objects.filter(product=mug).count() == 1


def test_staff_cannot_add_a_product_to_another_shop(
    staff_client, teaware, other_merchant
):
    response = staff_client.post(NEW, new_product(teaware, merchant=other_merchant.pk))

    assert response.status_code == 200
    assert not Product.objects.filter(title="Celadon Bowl").exists()
    assert response.context["form"].errors["merchant"]


# --- the list -------------------------------------------------------------------------


def test_the_list_shows_only_the_shops_own_products_newest_first(
    staff_client, mug, tray, teapot
):
    response = staff_client.get(PRODUCTS)

    assert listed(response) == ["Bamboo Tray", "Tea Mug"]
    assert "Teapot" not in response.content.decode()


def test_the_list_is_searched_and_filtered(staff_client, mug, tray):
    Product.objects.filter(pk=tray.pk).update(active=False, stock=0)

    assert listed(staff_client.get(PRODUCTS, {"q": "bamboo"})) == ["Bamboo Tray"]
    assert listed(staff_client.get(PRODUCTS, {"state": "off_sale"})) == ["Bamboo Tray"]
    assert listed(staff_client.get(PRODUCTS, {"state": "on_sale"})) == ["Tea Mug"]
    assert listed(staff_client.get(PRODUCTS, {"state": "sold_out"})) == ["Bamboo Tray"]
    empty = staff_client.get(PRODUCTS, {"q": "nothing like it"})
    assert "No product matches." in empty.content.decode()


def test_the_list_pages_twenty_at_a_time(staff_client, merchant):
    for n in range(25):
        ProductFactory(merchant=merchant, title=f"Cup {n:02}")

    first = staff_client.get(PRODUCTS)
    second = staff_client.get(PRODUCTS, {"page": 2})

    assert len(listed(first)) == 20 and len(listed(second)) == 5
    assert "Page 1 of 2" in first.content.decode()


# --- adding ----------------------------------------------------------------------------


def test_staff_add_a_product_with_a_picture_and_shoppers_see_it_in_the_shop(
    staff_client, client, merchant, staff, teaware, media_root
):
    response = staff_client.post(
        NEW, new_product(teaware, picture=upload(phone_photo(), "IMG_0042.JPG"))
    )

    bowl = Product.objects.get(title="Celadon Bowl")
    assert response.status_code == 302
    assert response["Location"] == edit_url(bowl)
    assert messages_of(response) == [
        "“Celadon Bowl” is added, and on sale in the shop."
    ]
    assert (bowl.merchant, bowl.category, bowl.price) == (
        merchant,
        teaware,
        Decimal("18.50"),
    )
    assert bowl.stock == 12
    opening = StockMovement.objects.get(product=bowl)
    assert (opening.reason, opening.delta, opening.user) == ("initial", 12, staff)
    assert len(files_in(media_root)) == 4
    with Image.open(bowl.image.path) as stored:
        assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert "icc_profile" not in stored.info

    client.logout()
    home = client.get("/").content.decode()
    assert "Celadon Bowl" in home and bowl.image_card.url in home
    page = client.get(bowl.get_absolute_url()).content.decode()
    assert bowl.image_detail.url in page and "Glazed by hand." in page


def test_a_product_added_off_sale_is_not_in_the_shop(staff_client, client, teaware):
    response = staff_client.post(NEW, new_product(teaware, active=""))

    bowl = Product.objects.get(title="Celadon Bowl")
    assert messages_of(response) == [
        "“Celadon Bowl” is added, off sale: shoppers do not see it yet."
    ]
    client.logout()
    assert client.get(bowl.get_absolute_url()).status_code == 404


BAD_PICTURES = {
    "text named .jpg": (
        b"not a picture at all\n" * 40,
        "This file is not a picture: upload a JPEG, PNG, WebP or GIF.",
    ),
    "truncated JPEG": (
        jpeg_bytes(drawing((800, 600)))[:3000],
        "The picture is damaged or incomplete: upload it again, or another.",
    ),
    "huge PNG": (
        png_claiming(9000, 9000),
        "The picture is 9000 × 9000 pixels (81 megapixels): 40 megapixels at most.",
    ),
    "GIF bomb": (
        gif_bomb(),
        "The picture has too many pixels: 40 megapixels at most.",
    ),
}


@pytest.mark.parametrize("kind", BAD_PICTURES)
def test_a_bad_picture_is_a_clear_error_and_nothing_is_saved(
    staff_client, teaware, media_root, kind
):
    data, message = BAD_PICTURES[kind]

    response = staff_client.post(
        NEW, new_product(teaware, picture=upload(data, "photo.jpg"))
    )

    assert response.status_code == 200
    assert response.context["form"].errors["picture"] == [message]
    assert message in response.content.decode()
    assert not Product.objects.exists() and files_in(media_root) == []


def test_a_picture_over_the_size_limit_is_refused(staff_client, teaware, settings):
    settings.SHOP_PICTURE_MAX_BYTES = 2000

    response = staff_client.post(NEW, new_product(teaware, picture=upload(b"x" * 3000)))

    assert response.context["form"].errors["picture"] == [
        "The file is 2.9\xa0KB; a picture may be 2.0\xa0KB at most."
    ]
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", "0"), ("price", "100000000"), ("stock", "-1"), ("title", "")],
)
def test_an_impossible_price_stock_or_title_is_refused(
    staff_client, teaware, field, value
):
    response = staff_client.post(NEW, new_product(teaware, **{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Product.objects.exists()


def test_staff_of_two_shops_choose_which_one_sells_it(client, staff, teaware):
    lotus = MerchantFactory(name="Lotus Home", slug="lotus")
    lotus.staff.add(staff)
    client.force_login(staff)

    assert 'name="merchant"' in client.get(NEW).content.decode()
    client.post(NEW, new_product(teaware, merchant=lotus.pk))

    assert Product.objects.get(title="Celadon Bowl").merchant == lotus


# --- editing ----------------------------------------------------------------------------


def test_staff_edit_the_words_price_category_and_stock(staff_client, mug, staff):
    teaware = CategoryFactory(name="Teaware")

    response = staff_client.post(
        edit_url(mug),
        edit_of(
            mug, title="Tea Mug, large", price="27.00", category=teaware.pk, stock="9"
        ),
    )

    assert response.status_code == 302
    assert messages_of(response) == ["“Tea Mug, large” is saved."]
    mug.refresh_from_db()
    assert (mug.title, mug.price, mug.category, mug.stock) == (
        "Tea Mug, large",
        Decimal("27.00"),
        teaware,
        9,
    )
    count = StockMovement.objects.filter(product=mug).first()
    assert (count.delta, count.reason, count.user) == (-41, "correction", staff)


def test_an_edit_that_leaves_the_stock_alone_keeps_what_orders_did_meanwhile(
    staff_client, mug, funded_shopper
):
    form = edit_of(mug, title="Tea Mug (blue)")  # the page showed 50
    order_place(user=funded_shopper, items={mug: 2})

    staff_client.post(edit_url(mug), form)

    mug.refresh_from_db()
    assert (mug.title, mug.stock) == ("Tea Mug (blue)", 48)


def test_a_count_over_stock_an_order_changed_meanwhile_is_asked_again(
    staff_client, mug, funded_shopper
):
    form = edit_of(mug, title="Renamed", stock="60")  # the page showed 50
    order_place(user=funded_shopper, items={mug: 2})  # 48 now

    response = staff_client.post(edit_url(mug), form)

    assert response.status_code == 200
    html = response.content.decode()
    assert "changed from 50 to 48 while you were editing" in html
    assert re.search(r'name="stock_seen" value="48"', html)
    mug.refresh_from_db()
    assert (mug.title, mug.stock) == ("Tea Mug", 48)  # nothing saved

    # Sent again as the page now stands: the count applies over the new figure.
    again = staff_client.post(edit_url(mug), {**form, "stock_seen": "48"})
    assert again.status_code == 302
    mug.refresh_from_db()
    assert (mug.title, mug.stock) == ("Renamed", 60)
    assert stock_ledger_problems() == []


def test_a_picture_sent_with_a_count_refused_is_asked_for_again(
    staff_client, mug, funded_shopper, media_root
):
    form = edit_of(mug, stock="60", picture=upload(jpeg_bytes()))
    order_place(user=funded_shopper, items={mug: 2})

    response = staff_client.post(edit_url(mug), form)

    errors = response.context["form"].errors
    assert "changed from 50 to 48" in errors["stock"][0]
    assert errors["picture"] == ["Nothing was saved: choose the picture again."]
    mug.refresh_from_db()
    assert not mug.image and files_in(media_root) == []


def test_the_list_reads_its_products_in_a_few_queries(
    staff_client, merchant, django_assert_max_num_queries
):
    for n in range(25):
        ProductFactory(merchant=merchant, title=f"Cup {n:02}", image="products/c.jpg")

    with django_assert_max_num_queries(8):  # whatever the number of products
        response = staff_client.get(PRODUCTS)

    assert len(listed(response)) == 20


def test_a_picture_is_replaced_and_removed(
    staff_client, mug, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(edit_url(mug), edit_of(mug, picture=upload(jpeg_bytes())))
    mug.refresh_from_db()
    first = mug.image_card.name
    assert first and len(files_in(media_root)) == 4

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            edit_url(mug), edit_of(mug, picture=upload(jpeg_bytes(drawing())))
        )
    mug.refresh_from_db()
    assert mug.image_card.name != first and len(files_in(media_root)) == 4

    page = staff_client.get(edit_url(mug)).content.decode()
    assert "Remove the picture" in page and mug.image_card.url in page
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(edit_url(mug), edit_of(mug, remove_picture="on"))
    mug.refresh_from_db()
    assert not mug.image and files_in(media_root) == []


def test_a_bad_picture_on_an_edit_saves_nothing(staff_client, mug):
    response = staff_client.post(
        edit_url(mug), edit_of(mug, title="Renamed", picture=upload(b"GIF89a junk"))
    )

    assert response.status_code == 200
    assert response.context["form"].errors["picture"]
    mug.refresh_from_db()
    assert mug.title == "Tea Mug" and not mug.image


# --- stock ------------------------------------------------------------------------------


def test_staff_restock_with_a_reason_and_see_it_in_the_history(
    staff_client, mug, staff
):
    response = staff_client.post(
        stock_url(mug), {"change": "20", "reason": "restock", "note": "Delivery 4411"}
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Stock of “Tea Mug”: +20, now 70."]
    page = staff_client.get(stock_url(mug))
    html = page.content.decode()
    assert [(m.delta, m.reason) for m in page.context["page"].object_list] == [
        (20, "restock"),
        (50, "initial"),
    ]
    assert "Delivery 4411" in html and "Restock" in html and "pat" in html
    assert 'data-testid="stock-now">70<' in html


def test_the_history_names_the_order_that_reserved_stock(
    staff_client, mug, funded_shopper
):
    order = order_place(user=funded_shopper, items={mug: 3})

    html = staff_client.get(stock_url(mug)).content.decode()

    assert "Reserved by an order" in html
    assert reverse("merchant:order", args=[order.number]) in html


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ("-5", "restock", "A restock adds units: enter a positive number."),
        (
            "3",
            "damaged",
            "Damaged or lost units are taken away: enter a negative number.",
        ),
        ("-51", "damaged", "Only 50 of “Tea Mug” are on the shelf"),
        ("0", "correction", "Enter a number of units other than zero."),
    ],
)
def test_a_stock_change_that_cannot_be_is_explained_and_changes_nothing(
    staff_client, mug, change, reason, message
):
    response = staff_client.post(stock_url(mug), {"change": change, "reason": reason})

    assert response.status_code == 200
    assert message in response.content.decode()
    mug.refresh_from_db()
    assert mug.stock == 50 and StockMovement.objects.filter(product=mug).count() == 1


def test_only_the_reasons_staff_may_record_are_offered(staff_client, mug):
    form = staff_client.get(stock_url(mug)).context["form"]

    assert [value for value, _label in form.fields["reason"].choices] == [
        "restock",
        "correction",
        "damaged",
    ]
    refused = staff_client.post(
        stock_url(mug), {"change": "5", "reason": "order_cancelled"}
    )
    assert "reason" in refused.context["form"].errors


# --- off sale, on sale, deleted ------------------------------------------------------------


def test_a_product_is_taken_off_sale_and_put_back(staff_client, client, mug):
    url = reverse("merchant:product_active", args=[mug.pk])

    response = staff_client.post(url, {"active": "0"})

    assert messages_of(response) == [
        "“Tea Mug” is off sale: shoppers no longer see it."
    ]
    assert client.get(mug.get_absolute_url()).status_code == 404
    staff_client.post(url, {"active": "1"})
    mug.refresh_from_db()
    assert mug.active


def test_a_product_no_order_names_is_deleted(staff_client, mug):
    page = staff_client.get(edit_url(mug)).content.decode()
    assert "Delete product" in page

    response = staff_client.post(reverse("merchant:product_delete", args=[mug.pk]))

    assert response["Location"] == PRODUCTS
    assert messages_of(response) == ["“Tea Mug” is deleted."]
    assert not Product.objects.filter(pk=mug.pk).exists()


def test_a_product_on_orders_is_taken_off_sale_not_deleted(
    staff_client, mug, funded_shopper
):
    order_place(user=funded_shopper, items={mug: 1})
    page = staff_client.get(edit_url(mug)).content.decode()
    assert "Delete product" not in page
    assert "Orders name this product, so it cannot be deleted" in page

    response = staff_client.post(reverse("merchant:product_delete", args=[mug.pk]))

    assert messages_of(response) == [
        "“Tea Mug” is on orders, so it cannot be deleted: take it off sale instead."
    ]
    assert Product.objects.filter(pk=mug.pk).exists()
