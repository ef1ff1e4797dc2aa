"""A merchant's products: added with their opening stock and picture, edited, taken
off sale, and deleted only while no order names them."""

from decimal import Decimal
from pathlib import Path

import pytest

from payments.tests.factories import order_place
from shop.exceptions import ProductHasOrders, StockChanged
from shop.models import Product, StockMovement
from shop.pictures import picture_prepare
from shop.services import (
    product_create,
    product_delete,
    product_picture_remove,
    product_picture_set,
    product_set_active,
    product_update,
)
from shop.tests.factories import CategoryFactory
from shop.tests.helpers import stock_ledger_problems

from .pictures import drawing, jpeg_bytes, phone_photo, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _files(media_root) -> set[str]:
    return {path.name for path in media_root.rglob("*") if path.is_file()}


def _add(merchant, category, **fields):
    return product_create(
        merchant=merchant,
        category=category,
        **{"title": "Celadon Bowl", "price": Decimal("18.00"), **fields},
    )


def test_a_product_is_added_with_its_opening_stock_as_a_movement(
    merchant, teaware, merchant_staff
):
    bowl = _add(merchant, teaware, stock=12, user=merchant_staff)

    assert bowl.slug == "celadon-bowl" and bowl.active
    assert bowl.stock == 12
    opening = StockMovement.objects.get(product=bowl)
    assert (opening.delta, opening.reason, opening.user) == (
        12,
        "initial",
        merchant_staff,
    )


def test_a_product_added_with_no_stock_has_no_movement(merchant, teaware):
    bowl = _add(merchant, teaware)

    assert bowl.stock == 0 and not StockMovement.objects.exists()


def test_a_title_taken_or_without_latin_letters_still_gets_an_address(
    merchant, teaware
):
    first = _add(merchant, teaware)
    second = _add(merchant, teaware)
    chinese = _add(merchant, teaware, title="青瓷茶碗")

    assert first.slug == "celadon-bowl"
    assert second.slug.startswith("celadon-bowl-") and len(second.slug) == 19
    assert chinese.slug.startswith("product-")
    assert chinese.get_absolute_url() == f"/products/{chinese.slug}/"


def test_a_product_is_added_with_every_size_of_its_picture(
    merchant, teaware, media_root
):
    bowl = _add(merchant, teaware, picture=picture_prepare(upload(phone_photo())))

    names = [getattr(bowl, field).name for field in Product.PICTURE_FIELDS]
    assert all(name.startswith("products/celadon-bowl-") for name in names)
    assert len(set(names)) == 4
    assert _files(media_root) == {Path(name).name for name in names}
    assert bowl.card_image_url == f"/media/{bowl.image_card.name}"
    assert bowl.thumb_image_url.endswith("-thumb.jpg")
    assert bowl.detail_image_url.endswith("-detail.jpg")


def test_a_new_picture_replaces_the_old_files_once_committed(
    merchant, teaware, media_root, django_capture_on_commit_callbacks
):
    bowl = _add(merchant, teaware, picture=picture_prepare(upload(jpeg_bytes())))
    old = _files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        product_picture_set(
            product=bowl,
            picture=picture_prepare(upload(jpeg_bytes(drawing(colour=(0, 90, 0))))),
        )

    assert len(_files(media_root)) == 4 and not old & _files(media_root)
    bowl.refresh_from_db()
    assert Path(bowl.image_card.path).exists()


def test_a_picture_change_rolled_back_keeps_the_old_files(
    merchant, teaware, media_root, django_capture_on_commit_callbacks
):
    bowl = _add(merchant, teaware, picture=picture_prepare(upload(jpeg_bytes())))
    old = _files(media_root)

    with django_capture_on_commit_callbacks():  # never run: as if rolled back
        product_picture_set(product=bowl, picture=picture_prepare(upload(jpeg_bytes())))

    assert old <= _files(media_root) and len(_files(media_root)) == 8


def test_a_picture_is_removed_with_its_files(
    merchant, teaware, media_root, django_capture_on_commit_callbacks
):
    bowl = _add(merchant, teaware, picture=picture_prepare(upload(jpeg_bytes())))

    with django_capture_on_commit_callbacks(execute=True):
        product_picture_remove(product=bowl)

    bowl.refresh_from_db()
    assert not bowl.image and not bowl.image_card
    assert bowl.card_image_url == ""
    assert _files(media_root) == set()


def test_an_edit_saves_the_words_price_category_and_a_new_count(
    product, merchant_staff
):
    teaware = CategoryFactory(name="Teaware")

    product_update(
        product=product,
        user=merchant_staff,
        title="Tea Mug, large",
        description="Holds 450 ml.",
        price=Decimal("27.00"),
        category=teaware,
        active=True,
        stock=8,
        stock_seen=5,
    )

    product.refresh_from_db()
    assert (product.title, product.price, product.category, product.stock) == (
        "Tea Mug, large",
        Decimal("27.00"),
        teaware,
        8,
    )
    assert product.slug == "tea-mug"  # its address stays
    count = StockMovement.objects.first()
    assert (count.delta, count.reason, count.user) == (3, "correction", merchant_staff)


def test_an_edit_over_stock_that_changed_meanwhile_saves_nothing(
    product, merchant_staff, funded_shopper
):
    order_place(user=funded_shopper, items={product: 2})  # 5 -> 3 while editing

    with pytest.raises(StockChanged):
        product_update(
            product=product,
            user=merchant_staff,
            title="Renamed",
            description="",
            price=Decimal("1.00"),
            category=product.category,
            active=True,
            stock=9,
            stock_seen=5,
        )

    product.refresh_from_db()
    assert (product.title, product.stock) == ("Tea Mug", 3)
    assert stock_ledger_problems() == []


def test_a_product_off_sale_leaves_the_catalogue_and_comes_back(client, product):
    product_set_active(product=product, active=False)
    assert client.get(product.get_absolute_url()).status_code == 404

    product_set_active(product=product, active=True)
    assert client.get(product.get_absolute_url()).status_code == 200


def test_a_product_no_order_names_is_deleted_with_its_pictures_and_movements(
    merchant, teaware, media_root, django_capture_on_commit_callbacks
):
    bowl = _add(
        merchant, teaware, stock=3, picture=picture_prepare(upload(jpeg_bytes()))
    )

    with django_capture_on_commit_callbacks(execute=True):
        product_delete(product=bowl)

    assert not Product.objects.filter(title="Celadon Bowl").exists()
    assert not StockMovement.objects.exists()
    assert _files(media_root) == set()


def test_a_product_on_an_order_cannot_be_deleted(product, funded_shopper):
    order_place(user=funded_shopper, items={product: 1})

    with pytest.raises(ProductHasOrders) as refused:
        product_delete(product=product)

    assert str(refused.value) == (
        "“Tea Mug” is on orders, so it cannot be deleted: take it off sale instead."
    )
    assert Product.objects.filter(pk=product.pk).exists()
