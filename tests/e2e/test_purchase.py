"""A shopper buys a product in Chromium against the real server, end to end."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from payments.models import Payment, Wallet
from shop.models import Order, Product
from shop.tests.factories import (
    PASSWORD,
    MerchantFactory,
    ProductFactory,
    UserFactory,
)

from .steps import add_to_cart, fill_shipping, go_to_checkout, log_in, order_number_from

pytestmark = pytest.mark.e2e

PRICE = Decimal("25.50")
STOCK = 5
TOPUP = Decimal("200.00")


@pytest.fixture
def mug(live_shop):
    merchant = MerchantFactory(name="Panda Tea House", slug="panda-tea-house")
    return ProductFactory(
        merchant=merchant,
        title="Celadon Tea Mug",
        slug="celadon-tea-mug",
        price=PRICE,
        stock=STOCK,
    )


@pytest.fixture
def ada(live_shop):
    user = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    call_command(
        "wallet_topup", username="ada", amount=str(TOPUP), stdout=io.StringIO()
    )
    return user


def balance(**owner) -> Decimal:
    return Wallet.objects.get(**owner).balance


def test_shopper_buys_a_product_and_confirms_with_password(page, screenshot, mug, ada):
    merchant_before = balance(merchant=mug.merchant)

    add_to_cart(page, slug=mug.slug, quantity=2, shot=screenshot)
    expect(page.get_by_test_id("cart-total")).to_have_text("¥51.00")
    go_to_checkout(page, shot=screenshot)
    log_in(page, username="ada", password=PASSWORD, shot=screenshot)
    fill_shipping(page, shot=screenshot)
    expect(page.get_by_test_id("review-total")).to_have_text("¥51.00")
    screenshot(page, "review")

    page.get_by_role("button", name="Place order").click()
    number = order_number_from(page)
    expect(page.get_by_test_id("payment-status")).to_contain_text(
        "Awaiting confirmation"
    )
    screenshot(page, "order-awaiting-payment")
    assert Product.objects.get(pk=mug.pk).stock == STOCK - 2  # held for the shopper

    page.get_by_label("Your account password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm with password").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    expect(page.get_by_test_id("payment-paid")).to_contain_text("from your wallet on")
    expect(page.get_by_test_id("payment-paid")).to_contain_text("with your password.")
    expect(page.get_by_role("status")).to_contain_text(f"Order {number} is paid")
    screenshot(page, "order-paid")

    order = Order.objects.get(number=number)
    assert order.user == ada
    assert order.status == Order.Status.PAID
    assert order.total == 2 * PRICE
    assert (order.full_name, order.city) == ("Ada Lovelace", "London")
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.APPROVED
    assert payment.method == Payment.Method.PASSWORD
    assert payment.amount == order.total
    assert balance(user=ada) == TOPUP - order.total
    assert balance(merchant=mug.merchant) == merchant_before + order.total
    assert Product.objects.get(pk=mug.pk).stock == STOCK - 2

    page.goto("/wallet/")
    expect(page.get_by_test_id("wallet-balance")).to_have_text(
        f"¥{TOPUP - order.total}"
    )
    screenshot(page, "wallet")


def reach_review(page, *, mug, shot=None):
    page.goto("/accounts/login/")
    log_in(page, username="ada", password=PASSWORD)
    add_to_cart(page, slug=mug.slug, quantity=2)
    go_to_checkout(page)
    fill_shipping(page)
    if shot:
        shot(page, "review")


def test_double_click_on_place_order_places_one_order(page, screenshot, mug, ada):
    reach_review(page, mug=mug, shot=screenshot)

    page.get_by_role("button", name="Place order").dblclick()
    number = order_number_from(page)
    expect(page.get_by_test_id("order-status")).to_have_text("Awaiting payment")
    screenshot(page, "order")

    assert list(Order.objects.filter(user=ada).values_list("number", flat=True)) == [
        number
    ]
    assert Payment.objects.filter(order__user=ada).count() == 1
    assert Product.objects.get(pk=mug.pk).stock == STOCK - 2


def test_place_order_from_two_tabs_places_one_order(new_page, screenshot, mug, ada):
    first = new_page()
    reach_review(first, mug=mug)
    second = new_page(like=first)  # the same shopper's second tab
    second.goto("/checkout/review/")
    expect(second.get_by_role("button", name="Place order")).to_be_visible()
    screenshot(second, "review-second-tab")

    # Both tabs submit the same review; hold each POST in the browser until the
    # other is sent too, then release them together so the server sees a real race.
    held = []

    def hold(route):
        held.append(route)

    first.context.route("**/checkout/place/", hold)
    first.get_by_role("button", name="Place order").click(no_wait_after=True)
    second.get_by_role("button", name="Place order").click(no_wait_after=True)
    for _ in range(100):  # bounded: 100 x 50 ms
        if len(held) == 2:
            break
        first.wait_for_timeout(50)  # lets Playwright deliver the intercepted requests
    assert len(held) == 2, f"expected two POSTs, got {len(held)}"
    for route in held:
        route.continue_()
    numbers = {order_number_from(first), order_number_from(second)}
    screenshot(first, "order-first-tab")
    screenshot(second, "order-second-tab")

    assert len(numbers) == 1, f"two tabs ended on two orders: {numbers}"
    (number,) = numbers
    assert Order.objects.filter(user=ada).count() == 1
    assert Payment.objects.filter(order__user=ada).count() == 1
    assert Product.objects.get(pk=mug.pk).stock == STOCK - 2
    for tab in (first, second):
        expect(tab.get_by_role("heading", name=f"Order {number}")).to_be_visible()
        expect(tab.get_by_test_id("order-status")).to_have_text("Awaiting payment")
