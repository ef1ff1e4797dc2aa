"""The demo catalogue a shopper believes: fitting prices, own words, own pictures."""

import hashlib
import io
import itertools
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image

from payments.models import Payment
from payments.services import payment_approve, wallet_for_user
from payments.tests.factories import order_place
from shop.demo.catalogue import DEMO_USERS, demo_products
from shop.demo.images import PICTURES, draw_product
from shop.models import Product
from shop.tests.helpers import stock_ledger_problems

PRODUCTS = [product for _, product in demo_products()]

# What a shopper expects to pay, in yuan, whatever the catalogue itself declares.
EXPECTED = {
    "airbook-13-laptop": (4000, 9000),
    "airbook-15-pro-laptop": (4000, 9000),
    "crystal-27-monitor": (1200, 2500),
    "aurora-x2-smartphone": (2000, 8000),
    "foam-roller": (60, 150),
    "insulated-water-bottle": (50, 150),
    "celadon-tea-mug": (30, 150),
    "speed-jump-rope": (25, 120),
    "headlamp-400-lm": (60, 300),
    "titanium-camp-stove": (150, 600),
}


@pytest.fixture(scope="module")
def drawings():
    """Every drawing with the same title, colour and seed: only the object differs."""
    return {
        name: np.asarray(
            Image.open(
                io.BytesIO(
                    draw_product(title="", colour=(120, 120, 120), picture=name, seed=0)
                )
            ).convert("RGB"),
            dtype=np.int16,
        )
        for name in PICTURES
    }


def test_every_demo_price_lies_in_the_range_the_catalogue_declares():
    for product in PRODUCTS:
        low, high = product.typical
        assert low <= product.price <= high, product.title
        assert product.price == product.price.quantize(Decimal("0.01"))


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_a_demo_price_is_what_a_shopper_expects(slug):
    product = next(p for p in PRODUCTS if p.slug == slug)
    low, high = EXPECTED[slug]

    assert low <= product.price <= high


def test_a_laptop_costs_more_than_a_monitor_and_a_monitor_more_than_accessories():
    price = {p.slug: p.price for p in PRODUCTS}

    assert price["airbook-13-laptop"] > price["crystal-27-monitor"]
    assert price["crystal-27-monitor"] > price["glide-wireless-mouse"]
    assert price["crystal-27-monitor"] > price["silent-mechanical-keyboard"]


def test_demo_descriptions_are_two_or_three_sentences_of_their_own():
    descriptions = [p.description for p in PRODUCTS]

    assert len(set(descriptions)) == len(descriptions)
    for product in PRODUCTS:
        sentences = re.findall(r"[.!?](?:\s|$)", product.description)
        assert 2 <= len(sentences) <= 3, product.title
        assert product.title not in product.description  # not "<title> from <shop>"


def test_every_demo_product_has_a_drawing_of_its_own():
    names = [p.picture for p in PRODUCTS]

    assert len(set(names)) == len(names)
    assert set(names) == set(PICTURES)


def test_no_two_drawings_look_alike(drawings):
    for a, b in itertools.combinations(drawings, 2):
        differs = np.abs(drawings[a] - drawings[b]).max(axis=2) > 40
        # The closest pair (two shirts) differs on about 3 % of the picture.
        assert differs.mean() > 0.01, (a, b)


def test_a_drawing_is_the_same_every_time():
    product = PRODUCTS[0]
    first, again = (
        draw_product(
            title=product.title, colour=(1, 2, 3), picture=product.picture, seed=7
        )
        for _ in range(2)
    )

    assert first == again


def test_the_demo_shopper_can_buy_the_dearest_product_by_password():
    dearest = max(p.price for p in PRODUCTS)

    assert Decimal(DEMO_USERS["shopper"]["funds"]) >= dearest


# The seeded shop --------------------------------------------------------------------


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())


def test_seed_demo_stores_the_catalogues_prices_words_and_pictures(seeded):
    for product in PRODUCTS:
        stored = Product.objects.get(slug=product.slug)
        assert stored.price == product.price
        assert stored.description == product.description
        assert stored.stock == product.stock
    digests = {
        hashlib.sha256(Path(p.image.path).read_bytes()).hexdigest()
        for p in Product.objects.all()
    }
    assert len(digests) == Product.objects.count()


def test_the_first_demo_products_in_stock_can_be_paid_by_face(seeded):
    """tests/e2e/test_phone.py orders the first three products with 3 in stock, and
    pays for the third by face: it must fit the face limit and the demo wallet."""
    shopper = get_user_model().objects.get(username="shopper")
    products = list(Product.objects.filter(stock__gte=3).order_by("pk")[:3])
    order_place(user=shopper, items={products[0]: 1, products[1]: 2})
    paid = order_place(user=shopper, items={products[2]: 1})

    assert products[2].price <= settings.FACEAUTH_MAX_AMOUNT
    payment = payment_approve(
        payment=paid.payment, method=Payment.Method.FACE, evidence={}
    )

    assert payment.status == Payment.Status.APPROVED
    assert wallet_for_user(user=shopper).balance == (
        Decimal(DEMO_USERS["shopper"]["funds"]) - products[2].price
    )


def test_seed_demo_refresh_brings_old_demo_products_up_to_date(
    seeded, tmp_path, django_capture_on_commit_callbacks
):
    Product.objects.filter(slug="foam-roller").update(
        price=Decimal("598.99"),
        description="Foam Roller from Summit Outdoors.",
        stock=2,
    )
    Path(Product.objects.get(slug="foam-roller").image.path).write_bytes(b"a tent")
    files = sorted(tmp_path.rglob("*"))
    old_roller = set(tmp_path.rglob("foam-roller-*"))

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # old files go on commit
        call_command("seed_demo", "--refresh", stdout=out)

    roller = Product.objects.get(slug="foam-roller")
    demo = next(p for p in PRODUCTS if p.slug == "foam-roller")
    assert roller.price == demo.price == Decimal("89.00")
    assert roller.description == demo.description
    assert roller.stock == 2  # the shop's own now
    with Image.open(roller.image.path) as image:
        assert image.format == "JPEG"
    # Each picture replaced under a new name (each size of it), none left behind.
    assert len(list(tmp_path.rglob("*"))) == len(files)
    assert len(old_roller) == 4 and not old_roller & set(tmp_path.rglob("*"))
    assert f"(0 new, {len(PRODUCTS)} refreshed)" in out.getvalue()


def test_seed_demo_records_each_opening_stock_and_keeps_every_size_of_a_picture(
    seeded,
):
    assert stock_ledger_problems() == []
    roller = Product.objects.get(slug="foam-roller")
    for name in Product.PICTURE_FIELDS:
        assert getattr(roller, name).name.startswith("products/foam-roller-"), name
    # A shop seeded before pictures had sizes gets them when seed_demo runs again.
    Product.objects.filter(pk=roller.pk).update(
        image_detail="", image_card="", image_thumb=""
    )

    call_command("seed_demo", stdout=StringIO())

    roller.refresh_from_db()
    with Image.open(roller.image_card.path) as card:
        assert card.size == (400, 300)
