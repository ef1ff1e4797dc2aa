"""The webhook endpoints, delivery log and events through the API, shop by shop."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from webhooks.models import Delivery, Endpoint
from webhooks.services import delivery_attempt

from .conftest import pay

pytestmark = pytest.mark.django_db


def _client(username):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def panda_api(merchant):
    return _client("panda-staff")


@pytest.fixture
def crane_api(other_merchant):
    return _client("crane-staff")


def test_an_endpoint_is_created_with_its_secret_in_that_answer_only(
    panda_api, merchant, receiver, loopback_allowed
):
    response = panda_api.post(
        "/api/merchant/webhooks/",
        {"url": receiver.url, "events": ["order.paid", "payment.expired"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    endpoint = Endpoint.objects.get()
    assert body["secret"] == endpoint.secret and endpoint.merchant == merchant
    assert body["events"] == ["order.paid", "payment.expired"]
    listed = panda_api.get("/api/merchant/webhooks/").json()
    assert [e["id"] for e in listed] == [endpoint.pk] and "secret" not in listed[0]
    assert (
        "secret" not in panda_api.get(f"/api/merchant/webhooks/{endpoint.pk}/").json()
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://169.254.169.254/", "169.254.169.254 is a cloud metadata address"),
        ("http://10.0.0.1/", "10.0.0.1 is a private network address"),
        ("http://[::1]/", "::1 is a loopback address"),
    ],
)
def test_unsafe_urls_are_refused_by_the_api(panda_api, url, message):
    response = panda_api.post(
        "/api/merchant/webhooks/", {"url": url, "events": ["order.paid"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert message in response.json()["fields"]["url"][0]


def test_patch_roll_and_delete(panda_api, endpoint_and_secret):
    endpoint, old = endpoint_and_secret
    url = f"/api/merchant/webhooks/{endpoint.pk}/"

    patched = panda_api.patch(url, {"enabled": False}, format="json")
    rolled = panda_api.post(f"{url}roll/")

    assert patched.status_code == 200 and patched.json()["enabled"] is False
    endpoint.refresh_from_db()
    assert rolled.json() == {"secret": endpoint.secret}
    assert endpoint.signing_secrets() == [endpoint.secret, old]
    assert panda_api.delete(url).status_code == 204
    assert not Endpoint.objects.exists()


def test_the_delivery_log_events_and_resend(
    panda_api, endpoint_and_secret, receiver, buyer, product
):
    endpoint, _secret = endpoint_and_secret
    receiver.script = [500]
    pay(user=buyer, items={product: 1}, method="face")
    delivery = delivery_attempt(delivery_id=Delivery.objects.get().pk)

    log = panda_api.get(f"/api/merchant/webhooks/{endpoint.pk}/deliveries/").json()
    events = panda_api.get("/api/merchant/events/").json()
    resent = panda_api.post(f"/api/merchant/webhook-deliveries/{delivery.pk}/resend/")

    [entry] = log["results"] if isinstance(log, dict) else log
    assert entry["event"] == delivery.event.public_id
    assert entry["attempts"][0]["status_code"] == 500
    [event] = events["results"] if isinstance(events, dict) else events
    assert event["type"] == "order.paid" and event["id"] == delivery.event.public_id
    assert event["data"]["payment"] == {"method": "face"}
    assert resent.status_code == 200 and resent.json()["status"] == "pending"


def test_another_shops_staff_cannot_see_or_touch_endpoints_or_events(
    crane_api, endpoint_and_secret, receiver, buyer, product
):
    endpoint, secret = endpoint_and_secret
    pay(user=buyer, items={product: 1}, method="password")
    delivery = Delivery.objects.get()
    url = f"/api/merchant/webhooks/{endpoint.pk}/"

    assert crane_api.get("/api/merchant/webhooks/").json() == []
    events = crane_api.get("/api/merchant/events/").json()
    assert (events["results"] if isinstance(events, dict) else events) == []
    assert crane_api.get(url).status_code == 404
    assert crane_api.patch(url, {"enabled": False}, format="json").status_code == 404
    assert crane_api.post(f"{url}roll/").status_code == 404
    assert crane_api.get(f"{url}deliveries/").status_code == 404
    assert crane_api.delete(url).status_code == 404
    resend = f"/api/merchant/webhook-deliveries/{delivery.pk}/resend/"
    assert crane_api.post(resend).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.secret == secret


def test_a_shopper_gets_403(buyer):
    client = APIClient()
    client.force_authenticate(buyer)

    assert client.get("/api/merchant/webhooks/").status_code == 403


def test_an_attempts_error_is_in_the_callers_language(
    panda_api, endpoint_and_secret, buyer, product, settings
):
    endpoint, _secret = endpoint_and_secret
    settings.WEBHOOKS_ALLOW_LOOPBACK = False  # the endpoint is on this machine
    pay(user=buyer, items={product: 1}, method="password")
    delivery_attempt(delivery_id=Delivery.objects.get().pk)
    url = f"/api/merchant/webhooks/{endpoint.pk}/deliveries/"

    answers = {
        language: panda_api.get(url, HTTP_ACCEPT_LANGUAGE=language).json()
        for language in ("en", "zh-hans")
    }

    errors = {}
    for language, log in answers.items():
        [entry] = log["results"] if isinstance(log, dict) else log
        errors[language] = entry["attempts"][0]["error"]
    assert errors["en"] == (
        "Webhooks cannot be sent to 127.0.0.1: "
        "127.0.0.1 is a loopback address (this machine)."
    )
    assert (
        errors["zh-hans"]
        == "无法向 127.0.0.1 发送 Webhook：127.0.0.1 是回环地址（本机）。"
    )
