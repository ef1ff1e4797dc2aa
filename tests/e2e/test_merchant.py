"""A shop's staff member fulfils an order in Chromium: ship one line, refund another."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from payments.models import Payment, Transfer, Wallet
from payments.services import payment_approve, wallet_topup
from payments.tests.factories import order_place
from shop.demo.catalogue import DEMO_USERS
from shop.models import Order, OrderLine, Product
from shop.tests.factories import MerchantFactory, ProductFactory, UserFactory

from .steps import log_in

pytestmark = pytest.mark.e2e

STAFF = DEMO_USERS["merchant"]
# What a face approval records (faceauth/services/evidence.py).
FACE_EVIDENCE = {
    "attempt": "6f1c2a9e-3d4b-4c5e-8f70-1a2b3c4d5e6f",
    "distance": 0.38,
    "answered_on_cue": True,
    "cues": ["smile", "turn-left", "open-mouth"],
    "reaction_s": [0.61, 0.55, 0.7],
    "seconds": 8.4,
    "frames": 71,
}


@pytest.fixture
def shop(live_shop):
    """Panda Electronics and its staff member, as `seed_demo` makes them."""
    panda = MerchantFactory(name="Panda Electronics", slug=STAFF["merchant"])
    staff = UserFactory(username="merchant", password=STAFF["password"])
    panda.staff.add(staff)
    lotus = MerchantFactory(name="Lotus Home", slug="lotus-home")
    return {
        "earbuds": ProductFactory(
            merchant=panda,
            title="Echo Buds Wireless Earbuds",
            slug="echo-buds",
            price=Decimal("59.00"),
            stock=10,
        ),
        "battery": ProductFactory(
            merchant=panda,
            title="PowerPod 20000 mAh Battery",
            slug="powerpod",
            price=Decimal("35.50"),
            stock=10,
        ),
        "mug": ProductFactory(
            merchant=lotus,
            title="Celadon Tea Mug",
            slug="celadon-tea-mug",
            price=Decimal("18.00"),
            stock=10,
        ),
    }


@pytest.fixture
def order(shop):
    """A shopper's order paid by face: earbuds and 2 batteries from Panda, a mug from
    Lotus Home."""
    shopper = UserFactory(username="shopper")
    wallet_topup(user=shopper, amount="500.00")
    order = order_place(
        user=shopper,
        items={shop["earbuds"]: 1, shop["battery"]: 2, shop["mug"]: 1},
    )
    payment_approve(
        payment=order.payment, method=Payment.Method.FACE, evidence=FACE_EVIDENCE
    )
    return Order.objects.get(pk=order.pk)


def _line(order, product) -> OrderLine:
    return OrderLine.objects.get(order=order, product=product)


def test_staff_ships_one_line_and_refunds_another(page, screenshot, shop, order):
    earbuds, battery = _line(order, shop["earbuds"]), _line(order, shop["battery"])

    page.goto("/merchant/")
    log_in(page, username="merchant", password=STAFF["password"], shot=screenshot)
    expect(page).to_have_url(re.compile(r"/merchant/$"))
    expect(page.get_by_role("link", name="My shop")).to_be_visible()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("sales-total")).to_have_text("¥130.00")
    expect(page.get_by_role("img", name="Sales per day, last 30 days")).to_be_visible()
    expect(page.get_by_test_id("to-ship")).to_have_text("1")
    screenshot(page, "dashboard")

    page.get_by_role("navigation", name="Merchant").get_by_role(
        "link", name="Orders"
    ).click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    row = (
        page.get_by_test_id("merchant-orders")
        .get_by_role("row")
        .filter(has_text=order.number)
    )
    expect(row).to_contain_text("shopper")
    expect(row).to_contain_text("Face")
    expect(row).to_contain_text("¥130.00")
    screenshot(page, "orders")

    row.get_by_role("link", name=order.number).click()
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("face-evidence")).to_contain_text(
        "distance 0.38, answered 3 moves on cue, 8.4 s"
    )
    expect(page.get_by_text("Celadon Tea Mug")).to_have_count(0)  # Lotus Home's
    screenshot(page, "order")

    page.get_by_test_id(f"line-{earbuds.pk}").get_by_role(
        "button", name="Mark shipped"
    ).click()
    expect(page.get_by_role("status")).to_have_text(
        "Shipped: 1 × Echo Buds Wireless Earbuds."
    )
    expect(page.get_by_test_id(f"line-{earbuds.pk}")).to_contain_text("Shipped")
    expect(
        page.get_by_test_id(f"line-{earbuds.pk}").get_by_role("button")
    ).to_have_count(0)
    screenshot(page, "line-shipped")
    earbuds.refresh_from_db()
    assert earbuds.status == OrderLine.Status.SHIPPED

    # Dismissing the confirmation changes nothing, and the button still works.
    cancel = page.get_by_test_id(f"line-{battery.pk}").get_by_role(
        "button", name="Cancel and refund"
    )
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    cancel.click()
    expect(cancel).to_be_enabled()
    assert dialogs == ["Cancel this line and refund ¥71.00 to the customer?"]
    assert _line(order, shop["battery"]).status == OrderLine.Status.PENDING

    page.once("dialog", lambda dialog: dialog.accept())
    cancel.click()
    expect(page.get_by_role("status")).to_have_text(
        "Cancelled: 2 × PowerPod 20000 mAh Battery. ¥71.00 went back to the "
        "customer's wallet and the stock is back on the shelf."
    )
    expect(page.get_by_test_id(f"line-{battery.pk}")).to_contain_text("Cancelled")
    # Lotus Home has not shipped its mug yet: the order is still paid.
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    screenshot(page, "line-cancelled")

    battery.refresh_from_db()
    assert battery.status == OrderLine.Status.CANCELLED
    assert _line(order, shop["mug"]).status == OrderLine.Status.PENDING
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert Product.objects.get(pk=shop["battery"].pk).stock == 10
    refund = Transfer.objects.get(kind=Transfer.Kind.REFUND)
    assert refund.payment_id == order.payment.pk
    assert Wallet.objects.get(user__username="shopper").balance == Decimal("423.00")
    assert Wallet.objects.get(merchant__slug=STAFF["merchant"]).balance == Decimal(
        "59.00"
    )

    page.get_by_role("link", name="My shop").click()
    expect(page.get_by_test_id("sales-total")).to_have_text("¥59.00")
    screenshot(page, "dashboard-after")
