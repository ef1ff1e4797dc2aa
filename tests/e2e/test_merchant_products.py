"""A merchant adds a product with a picture from the dashboard alone, in Chromium, and
a shopper sees it in the shop (issue 14, part 5)."""

import io
import re

import pytest
from PIL import ExifTags, Image
from playwright.sync_api import expect

from shop.demo.catalogue import DEMO_USERS
from shop.demo.images import draw_product
from shop.models import Product, StockMovement
from shop.tests.factories import CategoryFactory, MerchantFactory, UserFactory
from shop.tests.pictures import GPS

from .steps import log_in

pytestmark = pytest.mark.e2e

STAFF = DEMO_USERS["merchant"]


@pytest.fixture
def shop(live_shop):
    """Lotus Home and its staff member; a Kitchen › Teaware category to file under."""
    lotus = MerchantFactory(name="Lotus Home", slug="lotus-home")
    staff = UserFactory(username="merchant", password=STAFF["password"])
    lotus.staff.add(staff)
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    CategoryFactory(name="Teaware", slug="teaware", parent=kitchen)
    return lotus


@pytest.fixture
def photo(tmp_path):
    """A phone photo of a teapot, as a phone saves it: with where it was taken."""
    drawing = Image.open(
        io.BytesIO(
            draw_product(
                title="Celadon Teapot",
                colour=(92, 150, 130),
                picture="glass_teapot",
                seed=14,
            )
        )
    )
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SmileCam"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    path = tmp_path / "IMG_2041.jpg"
    drawing.save(path, "JPEG", quality=92, exif=exif)
    return path


def _loaded_width(image) -> int:
    """The width of the picture the browser decoded (0 if it did not load)."""
    expect(image).to_be_visible()
    image.evaluate("img => img.decode()")
    return image.evaluate("img => img.naturalWidth")


def test_a_merchant_adds_a_product_with_a_picture_and_a_shopper_sees_it(
    page, new_page, screenshot, shop, photo
):
    page.goto("/merchant/")
    log_in(page, username="merchant", password=STAFF["password"], shot=screenshot)
    page.get_by_role("navigation", name="Merchant").get_by_role(
        "link", name="Products"
    ).click()
    expect(page.get_by_role("heading", name="Products")).to_be_visible()
    expect(page.get_by_text("No products yet: add your first one.")).to_be_visible()
    screenshot(page, "no-products")

    page.get_by_role("link", name="Add product").click()
    expect(page.get_by_role("heading", name="Add a product")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Celadon Teapot")
    page.get_by_label("Description", exact=True).fill(
        "A 600 ml teapot in celadon glaze, made by hand in Longquan."
    )
    page.get_by_label("Price", exact=True).fill("128.00")
    page.get_by_label("Category", exact=True).select_option(label="Kitchen › Teaware")
    page.get_by_label("Stock", exact=True).fill("8")
    page.get_by_label("Picture", exact=True).set_input_files(photo)
    expect(page.get_by_label("On sale (shoppers see it in the shop)")).to_be_checked()
    screenshot(page, "new-product")
    page.get_by_role("button", name="Add product").click()

    expect(page.get_by_role("status")).to_have_text(
        "“Celadon Teapot” is added, and on sale in the shop."
    )
    expect(page.get_by_role("heading", name="Celadon Teapot")).to_be_visible()
    assert _loaded_width(page.get_by_role("img", name="The picture now")) == 400
    screenshot(page, "added")
    teapot = Product.objects.get(title="Celadon Teapot")
    assert (teapot.merchant, teapot.stock, teapot.category.slug) == (
        shop,
        8,
        "teaware",
    )

    # The stored picture, as the shop serves it, says nothing of where it was taken.
    served = page.request.get(teapot.image.url)
    assert served.ok
    with Image.open(io.BytesIO(served.body())) as stored:
        assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert dict(stored.getexif()) == {}

    page.get_by_role("link", name="Stock and its history").click()
    expect(page.get_by_test_id("stock-now")).to_have_text("8")
    page.get_by_label("Change", exact=True).fill("4")
    page.get_by_label("Reason", exact=True).select_option(label="Restock")
    page.get_by_label("Note", exact=True).fill("Kiln batch 7")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_have_text(
        "Stock of “Celadon Teapot”: +4, now 12."
    )
    movements = page.get_by_test_id("stock-movements").get_by_role("row")
    expect(movements.nth(1)).to_contain_text("Restock")
    expect(movements.nth(1)).to_contain_text("Kiln batch 7")
    expect(movements.nth(2)).to_contain_text("Opening stock")
    screenshot(page, "stock")
    assert list(
        StockMovement.objects.filter(product=teapot)
        .order_by("pk")
        .values_list("reason", "delta", "stock_after")
    ) == [("initial", 8, 8), ("restock", 4, 12)]

    # A shopper, signed in or not, finds it in the shop with its picture.
    shopper = new_page()
    shopper.goto("/")
    card = shopper.locator(".product-card").filter(has_text="Celadon Teapot")
    expect(card).to_contain_text("¥128.00")
    expect(card).to_contain_text("Lotus Home")
    card_image = card.locator("img")  # alt="": the title next to it names it
    assert re.search(
        r"/media/products/celadon-teapot-\w+-card\.jpg$",
        card_image.get_attribute("src"),
    )
    assert _loaded_width(card_image) in (400, 800)  # 800 on a high-density screen
    screenshot(shopper, "in-the-shop")

    card.get_by_role("link").click()
    expect(shopper.get_by_role("heading", name="Celadon Teapot")).to_be_visible()
    picture = shopper.get_by_role("img", name="Celadon Teapot")
    assert _loaded_width(picture) == 800
    expect(shopper.get_by_text("made by hand in Longquan")).to_be_visible()
    expect(shopper.get_by_role("button", name="Add to cart")).to_be_visible()
    screenshot(shopper, "product-page")
