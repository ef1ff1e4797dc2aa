"""The admin site as a superuser sees it: every page opens, money is look-only."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.tokens import token_issue
from api.models import IdempotencyRecord
from faceauth.crypto import encrypt_encoding
from faceauth.models import FaceConsent, FaceTemplate, VerificationAttempt
from payments.models import LedgerEntry, Payment, Transfer, Wallet
from payments.services import checkout_place, payment_confirm_with_password
from shop.models import Cart, CartItem, Order, Product
from shop.tests.factories import SHIPPING, UserFactory
from webhooks.models import Endpoint as WebhookEndpoint

pytestmark = pytest.mark.django_db

READ_ONLY_MODELS = [Wallet, Transfer, LedgerEntry, Payment]


def _url(model, action, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


def _registered(ids=False):
    models = sorted(admin.site._registry, key=lambda m: m._meta.label)
    return [m._meta.label for m in models] if ids else models


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def marketplace(funded_shopper, product, password):
    """One object of every registered model: a paid order, its payment and ledger."""
    Group.objects.create(name="Support")
    consent = FaceConsent.objects.create(user=funded_shopper)
    FaceTemplate.objects.create(
        user=funded_shopper,
        consent=consent,
        ciphertext=encrypt_encoding([0.01 * i for i in range(128)]),
        source=FaceTemplate.Source.COMMAND,
    )
    VerificationAttempt.objects.create(
        user=funded_shopper,
        purpose=VerificationAttempt.Purpose.PAYMENT,
        reference="SP-TEST",
        deadline=timezone.now(),
        liveness={"distances": [0.31, 0.35], "rise": 0.4},
    )
    # A webhook endpoint: the payment below writes its event and delivery.
    WebhookEndpoint.objects.create(
        merchant=product.merchant,
        url="https://hooks.example.com/smilepay",
        events=["order.paid"],
        secret="whsec_test",
    )
    cart = Cart.objects.create(user=funded_shopper)
    CartItem.objects.create(cart=cart, product=product, quantity=2)
    order, _ = checkout_place(
        user=funded_shopper,
        checkout_key=cart.checkout_key,
        shipping=SHIPPING,
        expected_total=Decimal("51.00"),
    )
    payment_confirm_with_password(
        payment=order.payment, user=funded_shopper, password=password
    )
    # A cart with something in it, for the cart admin and its inline.
    CartItem.objects.create(cart=cart, product=product, quantity=1)
    # The REST API's token and the record of an Idempotency-Key.
    token_issue(user=funded_shopper)
    IdempotencyRecord.objects.create(
        user=funded_shopper,
        key="3f1c2a9e-0d6b-4f0e",
        fingerprint="0" * 64,
        response_status=201,
        response_body={"number": order.number},
    )
    return order


def test_every_registered_model_has_an_object_in_the_fixture(marketplace):
    empty = [m._meta.label for m in _registered() if not m._default_manager.exists()]

    assert empty == []


@pytest.mark.parametrize("model", _registered(), ids=_registered(ids=True))
def test_changelist_opens(admin_client, marketplace, model):
    response = admin_client.get(_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", _registered(), ids=_registered(ids=True))
@pytest.mark.parametrize("query", ["x", "ada", "Tea Mug", "%", "' OR 1=1 --", "ü"])
def test_changelist_search_opens(admin_client, marketplace, model, query):
    response = admin_client.get(_url(model, "changelist"), {"q": query})

    assert response.status_code == 200


@pytest.mark.parametrize("model", _registered(), ids=_registered(ids=True))
def test_change_page_opens(admin_client, marketplace, model):
    obj = model._default_manager.first()

    response = admin_client.get(_url(model, "change", obj.pk))

    assert response.status_code == 200


def test_admin_index_lists_the_shop_and_the_money(admin_client, marketplace):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    page = response.content.decode()
    for name in ("Products", "Orders", "Wallets", "Ledger entries", "Payments"):
        assert name in page


@pytest.mark.parametrize(
    "model", READ_ONLY_MODELS, ids=[m.__name__ for m in READ_ONLY_MODELS]
)
def test_money_cannot_be_added_in_the_admin(admin_client, marketplace, model):
    before = model.objects.count()

    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "add"), {"amount": "1"}).status_code == 403

    assert model.objects.count() == before


@pytest.mark.parametrize(
    "model", READ_ONLY_MODELS, ids=[m.__name__ for m in READ_ONLY_MODELS]
)
def test_money_cannot_be_changed_or_deleted_in_the_admin(
    admin_client, marketplace, model
):
    obj = model.objects.first()
    before = list(model.objects.order_by("pk").values())

    page = admin_client.get(_url(model, "change", obj.pk))
    changed = admin_client.post(
        _url(model, "change", obj.pk),
        {"balance": "999999.00", "amount": "0.01", "status": "approved"},
    )
    deleted = admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"})

    assert 'name="_save"' not in page.content.decode()
    assert changed.status_code == 403
    assert deleted.status_code == 403
    assert list(model.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    "model", READ_ONLY_MODELS, ids=[m.__name__ for m in READ_ONLY_MODELS]
)
def test_money_changelist_offers_no_add_button_or_bulk_delete(
    admin_client, marketplace, model
):
    page = admin_client.get(_url(model, "changelist")).content.decode()

    assert _url(model, "add") not in page
    assert "delete_selected" not in page


def test_orders_cannot_be_added_in_the_admin(admin_client, marketplace):
    assert admin_client.get(_url(Order, "add")).status_code == 403


def test_order_change_page_shows_status_and_total_read_only(admin_client, marketplace):
    page = admin_client.get(_url(Order, "change", marketplace.pk)).content.decode()

    assert marketplace.number in page
    assert 'name="status"' not in page
    assert 'name="total"' not in page
    assert "51.00" in page


def test_product_search_finds_by_merchant_name(admin_client, marketplace):
    response = admin_client.get(_url(Product, "changelist"), {"q": "panda"})

    assert [p.title for p in response.context["cl"].result_list] == ["Tea Mug"]


def test_staff_without_permissions_cannot_see_the_ledger(client, marketplace):
    clerk = UserFactory(username="clerk", is_staff=True)
    client.force_login(clerk)

    assert client.get(_url(LedgerEntry, "changelist")).status_code == 403
    assert client.get(_url(Wallet, "changelist")).status_code == 403


def test_shoppers_are_sent_to_the_admin_login(client, marketplace, funded_shopper):
    client.force_login(funded_shopper)

    response = client.get(_url(Payment, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
