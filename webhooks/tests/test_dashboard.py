"""Merchant staff manage their endpoints and read the delivery log in the dashboard."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from webhooks.models import Delivery, Endpoint
from webhooks.services import delivery_attempt

from .conftest import pay

pytestmark = pytest.mark.django_db

ALL_EVENTS = ["order.paid", "order.line_shipped"]


@pytest.fixture
def panda_client(client, merchant):
    client.force_login(get_user_model().objects.get(username="panda-staff"))
    return client


@pytest.fixture
def crane_client(client, other_merchant):
    client.force_login(get_user_model().objects.get(username="crane-staff"))
    return client


def test_an_endpoint_added_in_the_dashboard_shows_its_secret_once(
    panda_client, merchant, receiver, loopback_allowed
):
    response = panda_client.post(
        "/merchant/webhooks/new/",
        {"merchant": merchant.pk, "url": receiver.url, "events": ALL_EVENTS},
    )

    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    assert endpoint.merchant == merchant and endpoint.events == sorted(ALL_EVENTS)
    page = response.content.decode()
    assert endpoint.secret in page
    assert "shown only this once" in page
    assert response.headers["Cache-Control"] == "no-store"
    for url in ("/merchant/webhooks/", f"/merchant/webhooks/{endpoint.pk}/"):
        assert endpoint.secret not in panda_client.get(url).content.decode()


def test_a_private_address_is_refused_in_the_dashboard_with_a_clear_message(
    panda_client, merchant
):
    response = panda_client.post(
        "/merchant/webhooks/new/",
        {"merchant": merchant.pk, "url": "http://10.0.0.1/hook", "events": ALL_EVENTS},
    )

    assert response.status_code == 200
    assert "10.0.0.1 is a private network address." in response.content.decode()
    assert not Endpoint.objects.exists()


def test_rolling_shows_the_new_secret_and_keeps_the_old_one_signing(
    panda_client, endpoint_and_secret
):
    endpoint, old = endpoint_and_secret

    response = panda_client.post(f"/merchant/webhooks/{endpoint.pk}/roll/")

    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()
    assert endpoint.signing_secrets() == [endpoint.secret, old]


def test_an_endpoint_is_edited_and_turned_off(panda_client, endpoint_and_secret):
    endpoint, _secret = endpoint_and_secret

    response = panda_client.post(
        f"/merchant/webhooks/{endpoint.pk}/",
        {"url": endpoint.url, "events": ["order.paid"]},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["order.paid"] and endpoint.enabled is False


def test_the_delivery_log_shows_each_attempt_and_resends(
    panda_client, endpoint_and_secret, receiver, buyer, product
):
    receiver.script = [500, 200]
    pay(user=buyer, items={product: 1}, method="password")
    delivery = delivery_attempt(delivery_id=Delivery.objects.get().pk)

    page = panda_client.get(f"/merchant/webhooks/{delivery.endpoint_id}/")

    html = page.content.decode()
    assert delivery.event.public_id in html
    assert "HTTP 500" in html and "receiver says no" in html
    assert "Resend" in html
    response = panda_client.post(f"/merchant/webhooks/deliveries/{delivery.pk}/resend/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.next_attempt_at <= timezone.now()
    assert delivery_attempt(delivery_id=delivery.pk).status == "delivered"


def test_another_shops_staff_cannot_see_or_touch_the_endpoint_or_its_events(
    crane_client, endpoint_and_secret, receiver, buyer, product
):
    endpoint, secret = endpoint_and_secret
    pay(user=buyer, items={product: 1}, method="password")
    delivery = Delivery.objects.get()

    listing = crane_client.get("/merchant/webhooks/").content.decode()
    assert endpoint.url not in listing and delivery.event.public_id not in listing
    for method, url in [
        ("get", f"/merchant/webhooks/{endpoint.pk}/"),
        ("post", f"/merchant/webhooks/{endpoint.pk}/"),
        ("post", f"/merchant/webhooks/{endpoint.pk}/roll/"),
        ("post", f"/merchant/webhooks/{endpoint.pk}/delete/"),
        ("post", f"/merchant/webhooks/deliveries/{delivery.pk}/resend/"),
    ]:
        assert getattr(crane_client, method)(url).status_code == 404, url
    endpoint.refresh_from_db()
    assert endpoint.secret == secret and endpoint.enabled


def test_a_shopper_gets_no_webhook_pages(client, buyer):
    client.force_login(buyer)

    assert client.get("/merchant/webhooks/").status_code == 403


def test_the_admin_lists_webhooks_without_their_secrets(
    admin_client, endpoint_and_secret, buyer, product
):
    endpoint, secret = endpoint_and_secret
    pay(user=buyer, items={product: 1})
    delivery = Delivery.objects.get()

    for url in [
        "/admin/webhooks/endpoint/",
        f"/admin/webhooks/endpoint/{endpoint.pk}/change/",
        "/admin/webhooks/event/",
        f"/admin/webhooks/delivery/{delivery.pk}/change/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert secret not in response.content.decode(), url


def test_the_delivery_log_tells_why_an_attempt_failed_in_the_readers_language(
    panda_client, endpoint_and_secret, receiver, buyer, product
):
    receiver.script = [("redirect", "https://elsewhere.example/hook")]
    pay(user=buyer, items={product: 1}, method="password")
    delivery = delivery_attempt(delivery_id=Delivery.objects.get().pk)
    url = f"/merchant/webhooks/{delivery.endpoint_id}/"

    english = panda_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = panda_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    where = "https://elsewhere.example/hook"
    assert f"Redirect not followed (Location: {where})." in english
    assert f"Redirection non suivie (Location : {where})." in french
    assert "Redirect not followed" not in french
