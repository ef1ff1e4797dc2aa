"""Who may call what: every endpoint, for every kind of caller.

The shopper owns the orders, the cart and the payment at stake; the merchant's staff
sell the Tea Mug on the paid order; the other merchant's staff sell elsewhere; the
admin is a superuser who is on no shop's staff.
"""

from dataclasses import dataclass, field

import pytest

from shop.tests.factories import PASSWORD, CategoryFactory
from webhooks.models import Delivery, Event
from webhooks.models import Endpoint as WebhookEndpoint

from .conftest import SHIPPING_BODY, client_for

ROLES = ["anonymous", "shopper", "other_shopper", "other_merchant", "admin", "merchant"]


@dataclass
class World:
    users: dict
    paid_order: object
    open_order: object
    line: object
    webhook: object
    delivery: object
    product: object


@pytest.fixture
def world(
    funded_shopper,
    other_shopper,
    other_merchant_staff,
    superuser,
    merchant_staff,
    paid_order,
    open_order,
    shopper_cart,
):
    return World(
        users={
            "anonymous": None,
            "shopper": funded_shopper,
            "other_shopper": other_shopper,
            "other_merchant": other_merchant_staff,
            "admin": superuser,
            "merchant": merchant_staff,
        },
        paid_order=paid_order,
        open_order=open_order,
        line=paid_order.lines.get(),
        **_webhook_of(paid_order),
        product=_product_of(paid_order),
    )


def _product_of(paid_order):
    """Panda's Tea Mug, which the paid order holds; and a category to file under."""
    CategoryFactory(name="Teaware", slug="teaware")
    return paid_order.lines.get().product


def _webhook_of(paid_order) -> dict:
    """Panda's webhook endpoint, with a delivery of the paid order's event."""
    event = Event.objects.get(type="order.paid")
    webhook = WebhookEndpoint.objects.create(
        merchant=event.merchant,
        url="https://hooks.example.com/smilepay",
        events=["order.paid"],
        secret="whsec_test",
    )
    delivery = Delivery.objects.create(
        event=event, endpoint=webhook, give_up_at=event.created_at
    )
    return {"webhook": webhook, "delivery": delivery}


@dataclass
class Endpoint:
    method: str
    url: str  # formatted with the World
    expect: dict  # role -> status
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    format: str = "json"

    def __str__(self):
        return f"{self.method} {self.url}"


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status, **overrides):
    return {"anonymous": 401, **dict.fromkeys(ROLES[1:], status), **overrides}


def owner_only(status):
    return signed_in(404, shopper=status)


def merchant_only(status, *, other_shop):
    return {
        **dict.fromkeys(ROLES, 403),
        "anonymous": 401,
        "other_merchant": other_shop,
        "merchant": status,
    }


ENDPOINTS = [
    Endpoint(
        "post",
        "/api/auth/token/",
        everyone(200),
        body={"username": "ada", "password": PASSWORD},
    ),
    Endpoint("delete", "/api/auth/token/", signed_in(204)),
    Endpoint("get", "/api/products/", everyone(200)),
    Endpoint("get", "/api/products/tea-mug/", everyone(200)),
    Endpoint("get", "/api/categories/", everyone(200)),
    Endpoint("get", "/api/cart/", signed_in(200)),
    Endpoint("post", "/api/cart/items/", signed_in(200), body={"product": "tea-mug"}),
    # Only the shopper's cart holds a Tea Mug.
    Endpoint(
        "patch", "/api/cart/items/tea-mug/", owner_only(200), body={"quantity": 2}
    ),
    Endpoint("delete", "/api/cart/items/tea-mug/", owner_only(200)),
    Endpoint("get", "/api/orders/", signed_in(200)),
    # Everyone may order; only the shopper's cart holds anything.
    Endpoint(
        "post",
        "/api/orders/",
        signed_in(409, shopper=201),
        body=SHIPPING_BODY,
        headers={"HTTP_IDEMPOTENCY_KEY": "3f1c2a9e-0d6b-4f0e-9a63-5b3f7c1d2e4f"},
    ),
    Endpoint("get", "/api/orders/{w.paid_order.number}/", owner_only(200)),
    Endpoint("get", "/api/orders/{w.paid_order.number}/payment/", owner_only(200)),
    Endpoint(
        "post",
        "/api/orders/{w.open_order.number}/confirm-password/",
        owner_only(200),
        body={"password": PASSWORD},
    ),
    Endpoint("get", "/api/wallet/", signed_in(200)),
    Endpoint("get", "/api/wallet/entries/", signed_in(200)),
    Endpoint("get", "/api/merchant/orders/", merchant_only(200, other_shop=200)),
    Endpoint(
        "get",
        "/api/merchant/orders/{w.paid_order.number}/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint(
        "post",
        "/api/merchant/lines/{w.line.pk}/ship/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint(
        "post",
        "/api/merchant/lines/{w.line.pk}/cancel/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint("get", "/api/merchant/products/", merchant_only(200, other_shop=200)),
    # Each shop's staff add to their own shop.
    Endpoint(
        "post",
        "/api/merchant/products/",
        merchant_only(201, other_shop=201),
        body={"title": "Celadon Bowl", "price": "18.00", "category": "teaware"},
    ),
    Endpoint(
        "get",
        "/api/merchant/products/{w.product.pk}/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint(
        "patch",
        "/api/merchant/products/{w.product.pk}/",
        merchant_only(200, other_shop=404),
        body={"active": False},
    ),
    # The paid order names the Tea Mug: it is taken off sale, never deleted.
    Endpoint(
        "delete",
        "/api/merchant/products/{w.product.pk}/",
        merchant_only(409, other_shop=404),
    ),
    # No file sent: the merchant's staff are told so; nobody else gets that far.
    Endpoint(
        "post",
        "/api/merchant/products/{w.product.pk}/picture/",
        merchant_only(400, other_shop=404),
        format="multipart",
    ),
    Endpoint(
        "delete",
        "/api/merchant/products/{w.product.pk}/picture/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint(
        "get",
        "/api/merchant/products/{w.product.pk}/stock/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint(
        "post",
        "/api/merchant/products/{w.product.pk}/stock/",
        merchant_only(201, other_shop=404),
        body={"delta": 5, "reason": "restock"},
    ),
    Endpoint("get", "/api/merchant/webhooks/", merchant_only(200, other_shop=200)),
    # A private address: refused for anyone who may add an endpoint at all.
    Endpoint(
        "post",
        "/api/merchant/webhooks/",
        merchant_only(400, other_shop=400),
        body={"url": "http://10.0.0.1/", "events": ["order.paid"]},
    ),
    Endpoint(
        "get",
        "/api/merchant/webhooks/{w.webhook.pk}/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint(
        "patch",
        "/api/merchant/webhooks/{w.webhook.pk}/",
        merchant_only(200, other_shop=404),
        body={"enabled": False},
    ),
    Endpoint(
        "delete",
        "/api/merchant/webhooks/{w.webhook.pk}/",
        merchant_only(204, other_shop=404),
    ),
    Endpoint(
        "post",
        "/api/merchant/webhooks/{w.webhook.pk}/roll/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint(
        "get",
        "/api/merchant/webhooks/{w.webhook.pk}/deliveries/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint(
        "post",
        "/api/merchant/webhook-deliveries/{w.delivery.pk}/resend/",
        merchant_only(200, other_shop=404),
    ),
    Endpoint("get", "/api/merchant/events/", merchant_only(200, other_shop=200)),
    Endpoint("get", "/api/schema/", everyone(200)),
    Endpoint("get", "/api/docs/", everyone(200)),
]


def test_the_matrix_covers_every_endpoint_of_the_schema(api):
    schema = api().get("/api/schema/", {"format": "json"}).json()
    declared = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
    }
    covered = {
        (
            e.method,
            e.url.replace("{w.paid_order.number}", "{number}")
            .replace("{w.open_order.number}", "{number}")
            .replace("{w.line.pk}", "{id}")
            .replace("{w.webhook.pk}", "{id}")
            .replace("{w.delivery.pk}", "{id}")
            .replace("{w.product.pk}", "{id}")
            .replace("tea-mug", "{slug}"),
        )
        for e in ENDPOINTS
    }
    assert declared <= covered


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_who_may_call_each_endpoint(world, endpoint, role):
    client = client_for(world.users[role])
    url = endpoint.url.format(w=world)

    response = getattr(client, endpoint.method)(
        url, endpoint.body, format=endpoint.format, **endpoint.headers
    )

    assert response.status_code == endpoint.expect[role], response.content[:300]
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "code"}
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ["anonymous", "shopper", "merchant"])
@pytest.mark.parametrize(
    "endpoint",
    [e for e in ENDPOINTS if e.method == "get" and "schema" not in e.url],
    ids=str,
)
def test_session_sign_in_reads_as_token_sign_in_does(world, endpoint, role):
    client = client_for(world.users[role], session=True)

    response = client.get(endpoint.url.format(w=world))

    # Anonymous session callers are refused too; the token scheme is the one named.
    assert response.status_code == endpoint.expect[role]
