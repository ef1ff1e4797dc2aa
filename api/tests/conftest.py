"""Fixtures for the API tests: clients signed in as each kind of user, a small shop."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.tokens import token_issue
from payments.services import payment_confirm_with_password
from payments.tests.factories import cart_fill, order_place
from shop.tests.factories import (
    PASSWORD,
    SHIPPING,
    CategoryFactory,
    ProductFactory,
)

SHIPPING_BODY = {
    "full_name": SHIPPING.full_name,
    "address": SHIPPING.address,
    "city": SHIPPING.city,
    "postcode": SHIPPING.postcode,
    "country": SHIPPING.country,
}


def new_key() -> str:
    return str(uuid.uuid4())


def client_for(user=None, *, session=False, csrf=False) -> APIClient:
    """An API client signed in as `user` (by token, or by session), or anonymous."""
    client = APIClient(enforce_csrf_checks=csrf)
    if user is None:
        return client
    if session:
        client.force_login(user)
    else:
        _, key = token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api():
    """`api(user)`: a client signed in as `user` by token; `api()` is anonymous."""
    return client_for


@pytest.fixture
def paid_order(funded_shopper, product):
    """Ada's paid order of 2 Tea Mugs (Panda only): 51.00."""
    order = order_place(user=funded_shopper, items={product: 2})
    payment_confirm_with_password(
        payment=order.payment, user=funded_shopper, password=PASSWORD
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def open_order(funded_shopper, product):
    """Ada's order of 1 Tea Mug, awaiting her confirmation."""
    return order_place(user=funded_shopper, items={product: 1})


@pytest.fixture
def shopper_cart(funded_shopper, product):
    """Ada's cart, holding 1 Tea Mug."""
    return cart_fill(user=funded_shopper, items={product: 1})


@pytest.fixture
def catalogue(merchant, other_merchant):
    """Five products over two categories (one a subcategory) and two merchants."""
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    teaware = CategoryFactory(name="Teaware", slug="teaware", parent=kitchen)
    garden = CategoryFactory(name="Garden", slug="garden")
    specs = [
        ("Blue Cup", "blue-cup", "8.00", 4, teaware, merchant),
        ("Green Cup", "green-cup", "9.50", 0, teaware, merchant),
        ("Big Pan", "big-pan", "45.00", 2, kitchen, other_merchant),
        ("Rake", "rake", "19.99", 7, garden, other_merchant),
        ("Hidden Pot", "hidden-pot", "5.00", 9, kitchen, merchant),
    ]
    products = {}
    for title, slug, price, stock, category, seller in specs:
        products[slug] = ProductFactory(
            title=title,
            slug=slug,
            price=Decimal(price),
            stock=stock,
            category=category,
            merchant=seller,
            description=f"A {title.lower()} for you.",
            active=slug != "hidden-pot",
        )
    return products
