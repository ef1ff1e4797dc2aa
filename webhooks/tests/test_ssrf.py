"""URLs webhooks must not reach are refused when saved and again when sent."""

import socket

import pytest
from django.utils import translation

from webhooks.exceptions import UnsafeURL
from webhooks.models import Delivery
from webhooks.services import delivery_attempt, endpoint_create
from webhooks.ssrf import url_check

from .conftest import pay

pytestmark = pytest.mark.django_db

REAL_GETADDRINFO = socket.getaddrinfo


def resolving(mapping):
    """A getaddrinfo that resolves the names in `mapping` to the given address."""

    def getaddrinfo(host, port, *args, **kwargs):
        if host in mapping:
            family = socket.AF_INET6 if ":" in mapping[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (mapping[host], port))]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    return getaddrinfo


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1 is a loopback address (this machine)."),
        ("http://169.254.169.254/latest", "169.254.169.254 is a cloud metadata"),
        ("http://10.0.0.1/hook", "10.0.0.1 is a private network address."),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://192.168.1.20/hook", "192.168.1.20 is a private network address."),
        ("http://[fe80::1]/hook", "fe80::1 is a link-local address."),
        ("http://0.0.0.0/hook", "0.0.0.0 is"),
    ],
)
def test_addresses_off_limits_are_refused_with_a_clear_message(url, reason):
    with pytest.raises(UnsafeURL) as refused:
        url_check(url)

    assert "Webhooks cannot be sent to" in str(refused.value)
    assert reason in str(refused.value)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", resolving({"hooks.example.com": "10.1.2.3"})
    )

    with pytest.raises(UnsafeURL, match="hooks.example.com: 10.1.2.3 is a private"):
        url_check("https://hooks.example.com/smilepay")


def test_loopback_is_allowed_by_the_setting_only(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True

    assert url_check("http://127.0.0.1:8080/hook").address == "127.0.0.1"
    with pytest.raises(UnsafeURL, match="metadata"):
        url_check("http://169.254.169.254/")


def test_production_accepts_https_only(settings, monkeypatch):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    monkeypatch.setattr(
        socket, "getaddrinfo", resolving({"hooks.example.com": "93.184.216.34"})
    )

    with pytest.raises(UnsafeURL, match="must start with https://"):
        url_check("http://hooks.example.com/smilepay")
    assert url_check("https://hooks.example.com/smilepay").address == "93.184.216.34"


def test_a_refused_url_is_not_saved(merchant):
    with pytest.raises(UnsafeURL):
        endpoint_create(merchant=merchant, url="http://10.0.0.1/", events=[])

    assert not merchant.webhook_endpoints.exists()


def test_a_name_rebound_to_a_private_address_after_saving_is_refused_at_send(
    buyer, product, merchant, monkeypatch, receiver
):
    monkeypatch.setattr(
        socket, "getaddrinfo", resolving({"hooks.example.com": "93.184.216.34"})
    )
    endpoint_create(
        merchant=merchant, url="http://hooks.example.com/", events=["order.paid"]
    )
    pay(user=buyer, items={product: 1}, method="password")
    monkeypatch.setattr(
        socket, "getaddrinfo", resolving({"hooks.example.com": "169.254.169.254"})
    )

    delivery = delivery_attempt(delivery_id=Delivery.objects.get().pk)

    attempt = delivery.attempts.get()
    assert attempt.status_code is None
    assert attempt.error_message == (
        "Webhooks cannot be sent to hooks.example.com: "
        "169.254.169.254 is a cloud metadata address."
    )
    assert delivery.status == Delivery.Status.PENDING  # retried, checked again
    # Stored in no language: each reader sees it in theirs.
    with translation.override("fr"):
        assert attempt.error_message == (
            "Impossible d'envoyer des webhooks à hooks.example.com : "
            "169.254.169.254 est une adresse de métadonnées cloud."
        )


def test_a_redirect_is_not_followed(
    buyer, product, endpoint_and_secret, receiver_factory, receiver
):
    target = receiver_factory()
    receiver.script = [("redirect", target.url)]
    pay(user=buyer, items={product: 1}, method="password")

    delivery = delivery_attempt(delivery_id=Delivery.objects.get().pk)

    attempt = delivery.attempts.get()
    assert attempt.status_code == 302
    assert attempt.error_message == (f"Redirect not followed (Location: {target.url}).")
    with translation.override("zh-hans"):
        assert attempt.error_message.startswith("未跟随重定向")
        assert target.url in attempt.error_message
    assert delivery.status == Delivery.Status.PENDING
    assert len(receiver.requests) == 1 and target.requests == []
