"""Checkout, orders, payment confirmation and the wallet through the test client."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments.models import LedgerEntry, Payment, Transfer
from payments.services import (
    payment_approve,
    wallet_for_merchant,
    wallet_for_user,
    wallet_topup,
)
from shop.models import CartItem, Order, Product
from shop.services import order_line_ship
from shop.tests.factories import MerchantFactory, ProductFactory, UserFactory
from shop.tests.helpers import messages_of, post_followed

pytestmark = pytest.mark.django_db

SHIPPING = {
    "full_name": "Ada Lovelace",
    "address": "12 Analytical Row",
    "city": "London",
    "postcode": "N1 7AA",
    "country": "United Kingdom",
}
CHECKOUT_URL = "/checkout/"
REVIEW_URL = "/checkout/review/"
PLACE_URL = "/checkout/place/"


def _hidden_fields(html):
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def _cart(user):
    return dict(
        CartItem.objects.filter(cart__user=user).values_list("product_id", "quantity")
    )


def _balance(wallet):
    wallet.refresh_from_db()
    return wallet.balance


def _add_to_cart(client, product, quantity):
    post_followed(
        client,
        reverse("shop:cart_add", kwargs={"slug": product.slug}),
        {"quantity": quantity},
    )


def _review(client):
    """Enter the shipping address and return the review page's hidden place form."""
    response = client.post(CHECKOUT_URL, SHIPPING)
    assert response.status_code == 302
    assert response.url == REVIEW_URL
    review = client.get(REVIEW_URL)
    assert review.status_code == 200
    return _hidden_fields(review.content.decode())


@pytest.fixture
def reviewed(shopper_client, product):
    """Two Tea Mugs (¥51.00) in the cart, checkout reviewed: the place form's data."""
    _add_to_cart(shopper_client, product, 2)
    return _review(shopper_client)


@pytest.fixture
def order(shopper_client, reviewed):
    response = shopper_client.post(PLACE_URL, reviewed, follow=True)
    assert response.status_code == 200
    return Order.objects.get()


@pytest.fixture
def stranger_client(other_shopper):
    """Another shopper's browser."""
    stranger = Client()
    stranger.force_login(other_shopper)
    return stranger


# Checkout: shipping --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", CHECKOUT_URL),
        ("post", CHECKOUT_URL),
        ("get", REVIEW_URL),
        ("post", PLACE_URL),
        ("get", "/orders/"),
        ("get", "/orders/SP000000-AAAAAA/"),
        ("post", "/orders/SP000000-AAAAAA/confirm-password/"),
        ("post", "/orders/SP000000-AAAAAA/cancel/"),
        ("post", "/orders/SP000000-AAAAAA/pay-with-face/"),
        ("get", "/wallet/"),
    ],
)
def test_checkout_orders_and_wallet_require_login(client, product, method, url):
    _add_to_cart(client, product, 1)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"
    assert not Order.objects.exists()


def test_login_page_from_checkout_returns_to_checkout(
    client, shopper, product, password
):
    _add_to_cart(client, product, 1)
    login_url = client.get(CHECKOUT_URL).url

    response = client.post(
        login_url, {"username": "ada", "password": password, "next": CHECKOUT_URL}
    )

    assert response.status_code == 302
    assert response.url == CHECKOUT_URL
    assert client.get(CHECKOUT_URL).status_code == 200


@pytest.mark.parametrize("url", [CHECKOUT_URL, REVIEW_URL])
def test_checkout_with_an_empty_cart_redirects_to_the_cart(shopper_client, url):
    response = shopper_client.get(url)

    assert response.status_code == 302
    assert response.url == reverse("shop:cart")
    assert messages_of(response) == ["Your cart is empty."]


def test_checkout_shows_the_shipping_form_prefilled_with_the_name(client, product, db):
    user = UserFactory(username="grace", first_name="Grace", last_name="Hopper")
    client.force_login(user)
    _add_to_cart(client, product, 1)

    response = client.get(CHECKOUT_URL)

    assert response.status_code == 200
    page = response.content.decode()
    for label in ("Full name", "Address", "City", "Postcode", "Country"):
        assert label in page
    assert 'value="Grace Hopper"' in page


def test_shipping_form_with_missing_fields_shows_errors(shopper_client, product):
    _add_to_cart(shopper_client, product, 1)

    response = shopper_client.post(CHECKOUT_URL, {"full_name": "Ada", "city": "   "})

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"address", "city", "postcode", "country"}
    assert response.content.decode().count("This field is required.") == 4
    assert shopper_client.session.get("checkout_shipping") is None
    # Without an address the review sends the shopper back to enter one.
    assert shopper_client.get(REVIEW_URL).url == CHECKOUT_URL


def test_shipping_form_with_too_long_values_shows_errors(shopper_client, product):
    _add_to_cart(shopper_client, product, 1)

    response = shopper_client.post(CHECKOUT_URL, {**SHIPPING, "postcode": "9" * 500})

    assert response.status_code == 200
    assert "postcode" in response.context["form"].errors


def test_shipping_form_remembers_the_address_for_the_next_visit(
    shopper_client, product
):
    _add_to_cart(shopper_client, product, 1)
    shopper_client.post(CHECKOUT_URL, {**SHIPPING, "city": "  London  "})

    response = shopper_client.get(CHECKOUT_URL)

    assert response.context["form"].initial["city"] == "London"
    assert 'value="12 Analytical Row"' in response.content.decode()


# Checkout: review and place ---------------------------------------------------------


def test_review_shows_lines_total_address_and_the_place_form(
    shopper_client, funded_shopper, product
):
    _add_to_cart(shopper_client, product, 2)
    shopper_client.post(CHECKOUT_URL, SHIPPING)

    response = shopper_client.get(REVIEW_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["total"] == Decimal("51.00")
    assert "¥51.00" in page
    assert "Tea Mug" in page
    assert "12 Analytical Row" in page
    assert "Place order" in page
    assert f'action="{PLACE_URL}"' in page
    hidden = _hidden_fields(page)
    assert hidden["expected_total"] == "51.00"
    cart = funded_shopper.cart
    assert hidden["checkout_key"] == str(cart.checkout_key)


def test_placing_the_order_creates_one_order_and_redirects_to_it(
    shopper_client, funded_shopper, product, reviewed
):
    response = shopper_client.post(PLACE_URL, reviewed)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == f"/orders/{order.number}/"
    assert messages_of(response) == [
        f"Order {order.number} placed. Confirm the payment to complete it."
    ]
    assert order.user == funded_shopper
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.total == Decimal("51.00")
    assert (order.full_name, order.city) == ("Ada Lovelace", "London")
    assert [(line.title, line.quantity) for line in order.lines.all()] == [
        ("Tea Mug", 2)
    ]
    assert order.payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert order.payment.amount == Decimal("51.00")
    product.refresh_from_db()
    assert product.stock == 3
    assert _cart(funded_shopper) == {}
    # Placing charges nothing yet.
    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("1000.00")


def test_placing_the_same_review_twice_gives_one_order(
    shopper_client, product, reviewed
):
    first = shopper_client.post(PLACE_URL, reviewed)
    second = shopper_client.post(PLACE_URL, reviewed)

    order = Order.objects.get()
    assert first.url == second.url == order.get_absolute_url()
    assert second.status_code == 302
    assert Payment.objects.count() == 1
    product.refresh_from_db()
    assert product.stock == 3


def test_placing_an_old_review_after_a_new_order_does_not_place_another(
    shopper_client, funded_shopper, product, reviewed
):
    shopper_client.post(PLACE_URL, reviewed)
    _add_to_cart(shopper_client, product, 1)

    response = shopper_client.post(PLACE_URL, reviewed)

    first = Order.objects.get()
    assert response.url == first.get_absolute_url()
    assert _cart(funded_shopper) == {product.pk: 1}


def _assert_nothing_placed(user, product, cart, stock=5):
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    product.refresh_from_db()
    assert product.stock == stock
    assert _cart(user) == cart


@pytest.mark.parametrize("expected_total", ["1.00", "0", "50.99", "51.01", "510.00"])
def test_tampered_expected_total_places_nothing(
    shopper_client, funded_shopper, product, reviewed, expected_total
):
    response = shopper_client.post(
        PLACE_URL, {**reviewed, "expected_total": expected_total}
    )

    assert response.status_code == 302
    assert response.url == reverse("shop:cart")
    assert messages_of(response) == [
        "The total you confirmed no longer matches your cart. "
        "Please review your order again."
    ]
    _assert_nothing_placed(funded_shopper, product, {product.pk: 2})


@pytest.mark.parametrize(
    "expected_total", ["-51.00", "abc", "", "51.001", "NaN", "Infinity", "1e400"]
)
def test_garbage_expected_total_places_nothing(
    shopper_client, funded_shopper, product, reviewed, expected_total
):
    response = shopper_client.post(
        PLACE_URL, {**reviewed, "expected_total": expected_total}
    )

    assert response.status_code == 302
    assert response.url == REVIEW_URL
    assert messages_of(response) == [
        "Something was missing from your order. Please review it again."
    ]
    _assert_nothing_placed(funded_shopper, product, {product.pk: 2})


@pytest.mark.parametrize(
    "checkout_key", ["not-a-uuid", "", "' OR 1=1 --", "1" * 1000, "0" * 32 + "g"]
)
def test_garbage_checkout_key_places_nothing(
    shopper_client, funded_shopper, product, reviewed, checkout_key
):
    response = shopper_client.post(
        PLACE_URL, {**reviewed, "checkout_key": checkout_key}
    )

    assert response.status_code == 302
    assert response.url == REVIEW_URL
    assert messages_of(response) == [
        "Something was missing from your order. Please review it again."
    ]
    _assert_nothing_placed(funded_shopper, product, {product.pk: 2})


def test_unknown_checkout_key_places_nothing(
    shopper_client, funded_shopper, product, reviewed
):
    response = shopper_client.post(
        PLACE_URL, {**reviewed, "checkout_key": str(uuid.uuid4())}
    )

    assert response.url == reverse("shop:cart")
    assert messages_of(response) == [
        "Your cart changed since you reviewed it. Please review your order again."
    ]
    _assert_nothing_placed(funded_shopper, product, {product.pk: 2})


@pytest.mark.parametrize("missing", ["checkout_key", "expected_total", "both"])
def test_place_with_missing_fields_places_nothing(
    shopper_client, funded_shopper, product, reviewed, missing
):
    data = {} if missing == "both" else dict(reviewed)
    data.pop(missing, None)

    response = shopper_client.post(PLACE_URL, data)

    assert response.status_code == 302
    assert response.url == REVIEW_URL
    assert len(messages_of(response)) == 1
    _assert_nothing_placed(funded_shopper, product, {product.pk: 2})


def test_place_without_a_shipping_address_sends_back_to_the_address_form(
    shopper_client, funded_shopper, product, reviewed
):
    session = shopper_client.session
    del session["checkout_shipping"]
    session.save()

    response = shopper_client.post(PLACE_URL, reviewed)

    assert response.url == CHECKOUT_URL
    assert len(messages_of(response)) == 1
    _assert_nothing_placed(funded_shopper, product, {product.pk: 2})


def test_extra_price_fields_are_ignored_and_the_catalogue_total_is_charged(
    shopper_client, funded_shopper, product, reviewed
):
    response = shopper_client.post(
        PLACE_URL,
        {
            **reviewed,
            "price": "0.01",
            "total": "1",
            "unit_price": "0.01",
            "amount": "0.01",
            "quantity": "99",
            "user": "1",
            "status": "paid",
        },
    )

    order = Order.objects.get()
    assert response.url == order.get_absolute_url()
    assert order.total == Decimal("51.00")
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.payment.amount == Decimal("51.00")
    assert [(line.unit_price, line.quantity) for line in order.lines.all()] == [
        (Decimal("25.50"), 2)
    ]


def test_order_is_refused_when_the_cart_changed_after_review(
    shopper_client, funded_shopper, product, reviewed
):
    _add_to_cart(shopper_client, product, 1)

    response = shopper_client.post(PLACE_URL, reviewed)

    assert response.url == reverse("shop:cart")
    assert messages_of(response) == [
        "Your cart changed since you reviewed it. Please review your order again."
    ]
    _assert_nothing_placed(funded_shopper, product, {product.pk: 3})


def test_order_is_refused_when_the_price_changed_after_review(
    shopper_client, funded_shopper, product, reviewed
):
    Product.objects.filter(pk=product.pk).update(price=Decimal("30.00"))

    response = shopper_client.post(PLACE_URL, reviewed)

    assert response.url == reverse("shop:cart")
    assert len(messages_of(response)) == 1
    _assert_nothing_placed(funded_shopper, product, {product.pk: 2})


def test_order_is_refused_when_the_stock_ran_out_after_review(
    shopper_client, funded_shopper, product, reviewed
):
    Product.objects.filter(pk=product.pk).update(stock=1)

    response = shopper_client.post(PLACE_URL, reviewed)

    assert response.url == reverse("shop:cart")
    assert messages_of(response) == ["Only 1 of “Tea Mug” left in stock."]
    _assert_nothing_placed(funded_shopper, product, {product.pk: 2}, stock=1)


def test_order_with_products_of_two_merchants_pays_each_merchant_its_share(
    shopper_client, funded_shopper, product, password
):
    other = ProductFactory(
        merchant=MerchantFactory(name="Lotus"), price=Decimal("10.00"), stock=3
    )
    _add_to_cart(shopper_client, product, 1)
    _add_to_cart(shopper_client, other, 3)
    shopper_client.post(PLACE_URL, _review(shopper_client))
    order = Order.objects.get()
    assert order.total == Decimal("55.50")

    shopper_client.post(
        f"/orders/{order.number}/confirm-password/", {"password": password}
    )

    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("944.50")
    assert _balance(wallet_for_merchant(merchant=product.merchant)) == Decimal("25.50")
    assert _balance(wallet_for_merchant(merchant=other.merchant)) == Decimal("30.00")


# The order page and its actions ---------------------------------------------------


def test_order_page_offers_face_and_password_confirmation(shopper_client, order):
    response = shopper_client.get(order.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert order.number in page
    assert "Awaiting payment" in page
    assert "¥51.00" in page
    assert "Pay with my face" in page
    assert "Confirm with password" in page
    assert "Cancel order" in page
    assert f'action="/orders/{order.number}/confirm-password/"' in page


def test_locked_password_confirmation_says_so_on_the_order_page(
    shopper_client, order, password
):
    url = f"/orders/{order.number}/confirm-password/"
    for _ in range(5):
        shopper_client.post(url, {"password": "guess"})

    response = shopper_client.post(url, {"password": password}, follow=True)

    assert response.status_code == 200
    assert "Too many sign-in attempts" in response.content.decode()
    assert (
        Payment.objects.get(order=order).status == Payment.Status.AWAITING_CONFIRMATION
    )


def test_unknown_order_number_is_404(shopper_client, db):
    assert shopper_client.get("/orders/SP000000-NOPE00/").status_code == 404


@pytest.mark.parametrize("action", ["confirm-password", "cancel", "pay-with-face"])
def test_actions_on_an_unknown_order_are_404(shopper_client, password, action):
    response = shopper_client.post(
        f"/orders/SP000000-NOPE00/{action}/", {"password": password}
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("post", "confirm-password/"),
        ("post", "cancel/"),
        ("post", "pay-with-face/"),
    ],
)
def test_another_shoppers_order_is_404_and_untouched(
    order, stranger_client, other_shopper, password, method, suffix
):
    wallet_topup(user=other_shopper, amount="1000.00")
    entries_before = LedgerEntry.objects.count()

    response = getattr(stranger_client, method)(
        f"/orders/{order.number}/{suffix}", {"password": password}
    )

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION
    assert Product.objects.get(slug="tea-mug").stock == 3
    assert LedgerEntry.objects.count() == entries_before
    assert _balance(wallet_for_user(user=other_shopper)) == Decimal("1000.00")
    assert _balance(wallet_for_user(user=order.user)) == Decimal("1000.00")


def test_another_shoppers_order_is_not_in_my_history(
    order, stranger_client, other_shopper
):
    response = stranger_client.get("/orders/")

    assert response.status_code == 200
    assert order.number not in response.content.decode()
    assert "You have not ordered anything yet." in response.content.decode()


WRONG_PASSWORD = "That password is not right. Nothing was charged. "


@pytest.mark.parametrize(
    ("wrong", "tries_left"),
    # An empty password is not checked, so it costs no try.
    [("wrong-password", 4), ("", 5), ("CORRECT-HORSE-BATTERY", 4)],
)
def test_confirm_with_the_wrong_password_moves_no_money(
    shopper_client, funded_shopper, order, wrong, tries_left
):
    response = shopper_client.post(
        f"/orders/{order.number}/confirm-password/", {"password": wrong}
    )

    assert response.status_code == 302
    assert response.url == order.get_absolute_url()
    assert messages_of(response) == [
        WRONG_PASSWORD
        + f"{tries_left} tries left before you have to wait to try again."
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert not Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).exists()
    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("1000.00")
    assert _balance(wallet_for_merchant(merchant=order.lines.get().merchant)) == 0


def test_confirm_without_a_password_field_moves_no_money(shopper_client, order):
    response = shopper_client.post(f"/orders/{order.number}/confirm-password/")

    assert messages_of(response) == [
        WRONG_PASSWORD + "5 tries left before you have to wait to try again."
    ]
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION


def test_each_wrong_password_at_confirmation_says_how_many_tries_are_left(
    shopper_client, order
):
    url = f"/orders/{order.number}/confirm-password/"

    said = [
        messages_of(shopper_client.post(url, {"password": f"guess-{n}"}))[-1]
        for n in range(5)
    ]

    assert [message.removeprefix(WRONG_PASSWORD) for message in said[:4]] == [
        "4 tries left before you have to wait to try again.",
        "3 tries left before you have to wait to try again.",
        "2 tries left before you have to wait to try again.",
        "1 try left before you have to wait to try again.",
    ]
    assert said[4] == (
        "Too many sign-in attempts. Please wait a minute and try again. "
        "Nothing was charged."
    )
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION


def test_confirm_with_the_right_password_pays_the_merchant(
    shopper_client, funded_shopper, merchant, order, password
):
    response = shopper_client.post(
        f"/orders/{order.number}/confirm-password/", {"password": password}
    )

    assert response.url == order.get_absolute_url()
    assert messages_of(response) == [
        f"Payment confirmed. Order {order.number} is paid."
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    payment = order.payment
    assert payment.status == Payment.Status.APPROVED
    assert payment.method == Payment.Method.PASSWORD
    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("949.00")
    assert _balance(wallet_for_merchant(merchant=merchant)) == Decimal("51.00")
    transfer = Transfer.objects.get(kind=Transfer.Kind.PAYMENT)
    assert transfer.payment == payment
    assert sum(e.amount for e in transfer.entries.all()) == 0
    page = shopper_client.get(order.get_absolute_url()).content.decode()
    assert "Paid ¥51.00 from your wallet" in page
    assert "Pay with my face" not in page
    assert "Confirm with password" not in page


def test_confirming_a_paid_order_again_charges_nothing_more(
    shopper_client, funded_shopper, order, password
):
    url = f"/orders/{order.number}/confirm-password/"
    post_followed(shopper_client, url, {"password": password})

    response = shopper_client.post(url, {"password": password})

    assert response.url == order.get_absolute_url()
    assert messages_of(response) == ["This payment is approved."]
    assert Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count() == 1
    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("949.00")


def test_confirm_with_too_little_in_the_wallet_charges_nothing(
    client, shopper, product, password
):
    client.force_login(shopper)
    _add_to_cart(client, product, 2)
    post_followed(client, PLACE_URL, _review(client))
    order = Order.objects.get()

    response = client.post(
        f"/orders/{order.number}/confirm-password/", {"password": password}
    )

    assert response.url == order.get_absolute_url()
    assert len(messages_of(response)) == 1
    assert "balance is too low" in messages_of(response)[0]
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert not Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).exists()


def test_confirm_after_the_deadline_charges_nothing(
    shopper_client, funded_shopper, order, password
):
    Payment.objects.filter(order=order).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    response = shopper_client.post(
        f"/orders/{order.number}/confirm-password/", {"password": password}
    )

    assert response.url == order.get_absolute_url()
    assert messages_of(response) == ["This payment's time to confirm has run out."]
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION
    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("1000.00")


def test_cancel_releases_the_stock_and_charges_nothing(
    shopper_client, funded_shopper, product, order
):
    response = shopper_client.post(f"/orders/{order.number}/cancel/")

    assert response.url == order.get_absolute_url()
    assert messages_of(response) == [f"Order {order.number} is cancelled."]
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.payment.status == Payment.Status.CANCELLED
    product.refresh_from_db()
    assert product.stock == 5
    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("1000.00")
    page = shopper_client.get(order.get_absolute_url()).content.decode()
    assert "Nothing was charged." in page
    assert "Pay with my face" not in page


def test_a_cancelled_order_can_be_neither_paid_nor_cancelled_again(
    shopper_client, funded_shopper, product, order, password
):
    post_followed(shopper_client, f"/orders/{order.number}/cancel/")

    confirm = shopper_client.post(
        f"/orders/{order.number}/confirm-password/", {"password": password}
    )
    assert messages_of(confirm) == ["This payment is cancelled."]
    shopper_client.get(confirm.url)  # the shopper reads the message

    cancel = shopper_client.post(f"/orders/{order.number}/cancel/")

    assert cancel.url == order.get_absolute_url()
    assert [m.startswith("This payment is cancelled") for m in messages_of(cancel)] == [
        True
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    product.refresh_from_db()
    assert product.stock == 5  # returned once, not twice
    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("1000.00")


def test_a_paid_order_cannot_be_cancelled(shopper_client, product, order, password):
    post_followed(
        shopper_client,
        f"/orders/{order.number}/confirm-password/",
        {"password": password},
    )

    response = shopper_client.post(f"/orders/{order.number}/cancel/")

    assert [
        m.startswith("This payment is approved") for m in messages_of(response)
    ] == [True]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    product.refresh_from_db()
    assert product.stock == 3


def test_pay_with_face_before_enrolling_leads_to_enrolment_and_changes_nothing(
    shopper_client, funded_shopper, order
):
    response = shopper_client.post(f"/orders/{order.number}/pay-with-face/")

    assert response.url == f"/face/enrol/?next=%2Forders%2F{order.number}%2F"
    assert messages_of(response) == [
        "Set up face payment first: it takes a minute, once."
    ]
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION
    assert _balance(wallet_for_user(user=funded_shopper)) == Decimal("1000.00")


# Order history and the wallet ------------------------------------------------------


def test_order_history_lists_only_my_orders(
    shopper_client, stranger_client, other_shopper, product, order
):
    wallet_topup(user=other_shopper, amount="100.00")
    _add_to_cart(stranger_client, product, 1)
    stranger_client.post(PLACE_URL, _review(stranger_client))
    theirs = Order.objects.get(user=other_shopper)

    response = shopper_client.get("/orders/")

    assert response.status_code == 200
    assert [o.number for o in response.context["page"].object_list] == [order.number]
    page = response.content.decode()
    assert order.number in page
    assert theirs.number not in page
    assert "¥51.00" in page


def test_order_history_with_no_orders_says_so(shopper_client):
    response = shopper_client.get("/orders/")

    assert response.status_code == 200
    assert "You have not ordered anything yet." in response.content.decode()


@pytest.mark.parametrize("page", ["2", "999", "abc"])
def test_order_history_pages_never_fail(shopper_client, order, page):
    assert shopper_client.get("/orders/", {"page": page}).status_code == 200


def test_wallet_page_shows_the_balance_and_ledger_entries(
    shopper_client, funded_shopper, order, password
):
    post_followed(
        shopper_client,
        f"/orders/{order.number}/confirm-password/",
        {"password": password},
    )

    response = shopper_client.get("/wallet/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "¥949.00" in page
    entries = list(response.context["entries"])
    assert [e.amount for e in entries] == [Decimal("-51.00"), Decimal("1000.00")]
    assert "Top-up" in page
    assert (
        f'Payment for order <a href="/orders/{order.number}/">{order.number}</a>'
        in page
    )
    assert "-¥51.00" in page
    assert "¥1,000.00" in page


def test_wallet_page_speaks_the_shoppers_language(
    shopper_client, funded_shopper, order, password
):
    post_followed(
        shopper_client,
        f"/orders/{order.number}/confirm-password/",
        {"password": password},
    )

    page = shopper_client.get("/wallet/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Paiement de la commande <a" in page
    assert "-51,00\xa0¥" in page
    assert "Payment for order" not in page


def test_wallet_page_of_a_new_shopper_shows_no_movements(client, shopper):
    client.force_login(shopper)

    response = client.get("/wallet/")

    assert response.status_code == 200
    assert "¥0.00" in response.content.decode()
    assert "No movements yet." in response.content.decode()


def test_wallet_page_shows_only_my_own_entries(shopper_client, other_shopper):
    wallet_topup(user=other_shopper, amount="777.00", memo="Bob's secret")

    page = shopper_client.get("/wallet/").content.decode()

    assert "777.00" not in page
    assert "Bob&#x27;s secret" not in page


# Methods -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["confirm-password/", "cancel/", "pay-with-face/"])
def test_get_on_payment_actions_is_405(shopper_client, order, suffix):
    response = shopper_client.get(f"/orders/{order.number}/{suffix}")

    assert response.status_code == 405
    assert Payment.objects.get().status == Payment.Status.AWAITING_CONFIRMATION


def test_get_on_place_order_is_405(shopper_client, reviewed):
    assert shopper_client.get(PLACE_URL).status_code == 405
    assert not Order.objects.exists()


@pytest.mark.parametrize("url", ["/orders/", "/wallet/"])
def test_post_on_read_only_pages_is_405(shopper_client, url):
    assert shopper_client.post(url).status_code == 405


def test_order_page_tells_the_shopper_when_each_line_shipped(shopper_client, order):
    payment_approve(payment=order.payment, method=Payment.Method.PASSWORD, evidence={})
    line = order_line_ship(line=order.lines.first())

    html = shopper_client.get(order.get_absolute_url()).content.decode()

    shipped = timezone.localtime(line.shipped_at).strftime("%-d %b %Y, %H:%M")
    assert f"Shipped {shipped}" in html


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("awaiting_payment", "Awaiting payment"),
        ("paid", "Paid"),
        ("fulfilled", "Shipped"),  # staff read "Fulfilled"
        ("cancelled", "Cancelled"),
        ("expired", "Expired"),
    ],
)
def test_the_shopper_reads_plain_words_for_an_orders_status(status, label):
    order = Order(status=status)

    assert order.shopper_status_label == label
    assert order.get_status_display() == (
        "Fulfilled" if status == "fulfilled" else label
    )


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("awaiting_confirmation", "Awaiting confirmation"),
        ("approved", "Paid"),  # staff read "Approved"
        ("expired", "Expired"),
        ("cancelled", "Cancelled"),
    ],
)
def test_the_shopper_reads_plain_words_for_a_payments_status(status, label):
    payment = Payment(status=status)

    assert payment.shopper_status_label == label


def test_after_eight_anonymous_wrong_passwords_the_shopper_still_pays(
    shopper_client, funded_shopper, order, password
):
    stranger = Client()  # no session, another address
    for _ in range(8):
        stranger.post(
            "/accounts/login/",
            {"username": funded_shopper.username, "password": "guess"},
            REMOTE_ADDR="203.0.113.7",
        )

    response = shopper_client.post(
        f"/orders/{order.number}/confirm-password/", {"password": password}
    )

    assert messages_of(response) == [
        f"Payment confirmed. Order {order.number} is paid."
    ]
    assert Payment.objects.get().status == Payment.Status.APPROVED
