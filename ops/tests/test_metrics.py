"""/metrics: Prometheus text of the whole shop's figures, read from the database and
Redis, for whoever the settings allow."""

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts import throttle
from accounts.exceptions import TooManyAttempts
from faceauth.models import VerificationAttempt
from faceauth.tests.factories import attempt_make
from payments.models import Payment
from payments.services import payment_approve, wallet_topup
from payments.tests.factories import order_place
from shop.tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _samples(response) -> dict:
    """{(name, labels as a sorted tuple): value} of every sample."""
    text = response.content.decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def shop_figures():
    """Two decided face checks (first cue to verdict: 5 s and 11 s), one open;
    a payment approved by face, one waiting."""
    shopper = UserFactory()
    wallet_topup(user=shopper, amount="500.00")
    now = timezone.now()
    for status, seconds in [("approved", 5), ("declined", 11), ("open", None)]:
        attempt = attempt_make(shopper, reference=f"SP-{status}")
        if seconds is not None:
            VerificationAttempt.objects.filter(pk=attempt.pk).update(
                status=status,
                challenge_at=now,
                decided_at=now + timezone.timedelta(seconds=seconds),
            )
    product = ProductFactory(stock=5)
    paid = order_place(user=shopper, items={product: 1})
    payment_approve(payment=paid.payment, method=Payment.Method.FACE, evidence={})
    order_place(user=shopper, items={product: 1})
    return shopper


def test_the_metrics_count_checks_payments_and_the_verdict_latency(
    client, shop_figures
):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = _samples(response)
    checks = "smilepay_face_checks_total"
    assert samples[(checks, (("outcome", "approved"),))] == 1
    assert samples[(checks, (("outcome", "declined"),))] == 1
    assert samples[(checks, (("outcome", "open"),))] == 1
    assert samples[(checks, (("outcome", "expired"),))] == 0
    latency = "smilepay_smile_to_verdict_seconds"
    assert samples[(f"{latency}_bucket", (("le", "4.0"),))] == 0
    assert samples[(f"{latency}_bucket", (("le", "6.0"),))] == 1
    assert samples[(f"{latency}_bucket", (("le", "12.0"),))] == 2
    assert samples[(f"{latency}_bucket", (("le", "+Inf"),))] == 2
    assert samples[(f"{latency}_count", ())] == 2
    assert samples[(f"{latency}_sum", ())] == 16
    payments = "smilepay_payments_total"
    assert samples[(payments, (("method", "face"), ("status", "approved")))] == 1
    assert (
        samples[(payments, (("method", ""), ("status", "awaiting_confirmation")))] == 1
    )
    queue = (("queue", settings.CELERY_TASK_DEFAULT_QUEUE),)
    assert samples[("smilepay_celery_queue_depth", queue)] >= 0
    assert any(name == "process_cpu_seconds_total" for name, _ in samples)


def test_a_lock_out_shows_in_the_metrics(client):
    # The fifth failure makes "ada" wait at this address.
    with pytest.raises(TooManyAttempts):
        for _ in range(5):
            with throttle.login_attempt(username="ada", address="203.0.113.9") as tried:
                tried.fail()

    samples = _samples(client.get("/metrics"))

    assert samples[("smilepay_throttle_locks", (("limit", "login-pair"),))] == 1


def test_metrics_are_off_unless_the_settings_say_so(client, settings):
    settings.METRICS_ENABLED = False

    assert client.get("/metrics").status_code == 404


def test_with_a_token_only_its_bearer_gets_the_metrics(client, settings):
    settings.METRICS_TOKEN = "s3cret-scraper-token"

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token")
    assert answer.status_code == 200
