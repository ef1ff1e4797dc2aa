"""Paying with one's face: the order's face button, the face page, the status
endpoint, and the receiver that turns an approved face check into a payment."""

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from faceauth.models import VerificationAttempt
from faceauth.services.attempts import attempt_decide, attempt_state
from faceauth.signals import attempt_decided
from faceauth.tests.factories import (
    OBAMA,
    attempt_failures,
    attempt_make,
    attempt_make_overdue,
    face_enrol,
)
from payments import services
from payments.models import Payment, Transfer
from payments.services import (
    payment_cancel,
    payment_confirm_with_password,
    payment_expire,
    payment_face_start,
    wallet_for_user,
    wallet_topup,
)
from payments.tasks import apply_face_verdicts
from shop.models import Order
from shop.tests.factories import ProductFactory
from shop.tests.helpers import messages_of

from .conftest import balance_of
from .factories import order_place, payment_make_overdue

pytestmark = pytest.mark.django_db

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason
FACE_STATES = {
    "connecting",
    "streaming",
    "challenge",
    "approved",
    "declined",
    "expired",
    "locked",
    "error",
}
ANSWERS = [
    {"cue": cue, "reaction_s": 0.5, "answered_s": 0.8, "frames": 7}
    for cue in ("smile", "turn-left", "open-mouth")
]
LIVENESS = {"distances": [0.31, 0.35, 0.33, 0.32], "answers": ANSWERS}


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags_with(page: str, **attrs) -> list[dict]:
    parser = _Tags()
    parser.feed(page)
    wanted = {key.replace("_", "-"): value for key, value in attrs.items()}
    return [
        found
        for _, found in parser.tags
        if all(found.get(key) == value for key, value in wanted.items())
    ]


def _text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', page, re.S)
    assert match, f"no {testid} on the page"
    return match.group(1).strip()


def _approve(attempt, liveness=LIVENESS):
    return attempt_decide(
        attempt=attempt,
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_LIVE,
        liveness=liveness,
    )


def _payment_transfers(payment) -> int:
    return Transfer.objects.filter(payment=payment, kind=Transfer.Kind.PAYMENT).count()


def _face_url(order, attempt) -> str:
    return f"/orders/{order.number}/face/{attempt.public_id}/"


@pytest.fixture
def enrolled(funded_shopper):
    face_enrol(funded_shopper, OBAMA)
    return funded_shopper


@pytest.fixture
def stranger_client(other_shopper):
    stranger = Client()
    stranger.force_login(other_shopper)
    return stranger


@pytest.fixture
def order(funded_shopper, product):
    """Two Tea Mugs from Panda: ¥51.00, awaiting payment."""
    return order_place(user=funded_shopper, items={product: 2})


@pytest.fixture
def pay_url(order):
    return f"/orders/{order.number}/pay-with-face/"


@pytest.fixture
def face_attempt(enrolled, order):
    """An open face check of the order, started the way the button starts it."""
    return payment_face_start(payment=order.payment, user=enrolled)


# "Pay with my face" -------------------------------------------------------------------


def test_pay_with_face_needs_a_login(client, order, pay_url):
    response = client.post(pay_url)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={pay_url}"
    assert not VerificationAttempt.objects.exists()


def test_pay_with_face_on_another_shoppers_order_is_404_and_starts_nothing(
    order, pay_url, stranger_client, other_shopper
):
    wallet_topup(user=other_shopper, amount="1000.00")
    face_enrol(other_shopper, OBAMA)

    response = stranger_client.post(pay_url)

    assert response.status_code == 404
    assert not VerificationAttempt.objects.exists()


def test_pay_with_face_before_enrolling_leads_to_consent_then_enrolment(
    shopper_client, order, pay_url
):
    response = shopper_client.post(pay_url)

    assert response.status_code == 302
    assert response.url == f"/face/enrol/?next=%2Forders%2F{order.number}%2F"
    assert not VerificationAttempt.objects.exists()
    consent = shopper_client.get(response.url)
    assert consent.status_code == 302
    assert consent.url == f"/face/consent/?next=%2Forders%2F{order.number}%2F"
    assert shopper_client.get(consent.url).status_code == 200


def test_pay_with_face_opens_a_face_check_of_this_order(
    shopper_client, enrolled, order, pay_url
):
    response = shopper_client.post(
        pay_url, HTTP_USER_AGENT="Smiley/1.0", REMOTE_ADDR="198.51.100.4"
    )

    attempt = VerificationAttempt.objects.get()
    assert response.status_code == 302
    assert response.url == f"/orders/{order.number}/face/{attempt.public_id}/"
    assert attempt.user == enrolled
    assert attempt.purpose == VerificationAttempt.Purpose.PAYMENT
    assert attempt.reference == order.number
    assert attempt.status == Status.OPEN
    assert timezone.now() < attempt.deadline <= order.payment.deadline
    assert attempt.ip_address == "198.51.100.4"
    assert attempt.user_agent == "Smiley/1.0"


def test_pay_with_face_never_gives_more_time_than_the_payment_has(
    shopper_client, enrolled, order, pay_url
):
    soon = timezone.now() + timedelta(seconds=8)
    Payment.objects.filter(pk=order.payment.pk).update(deadline=soon)

    shopper_client.post(pay_url)

    assert VerificationAttempt.objects.get().deadline == soon


def test_pay_with_face_again_replaces_the_open_face_check(
    shopper_client, enrolled, order, pay_url
):
    first = shopper_client.post(pay_url)

    second = shopper_client.post(pay_url)

    assert first.url != second.url
    open_attempt = VerificationAttempt.objects.get(status=Status.OPEN)
    assert second.url == _face_url(order, open_attempt)
    replaced = VerificationAttempt.objects.get(reason=Reason.REPLACED)
    assert first.url == _face_url(order, replaced)


def test_pay_with_face_with_too_little_in_the_wallet_starts_nothing(
    client, shopper, product
):
    wallet_topup(user=shopper, amount="51.00")
    face_enrol(shopper, OBAMA)
    order = order_place(user=shopper, items={product: 3})  # ¥76.50
    client.force_login(shopper)

    response = client.post(f"/orders/{order.number}/pay-with-face/")

    assert response.status_code == 302
    assert response.url == order.get_absolute_url()
    assert messages_of(response) == [
        "Your wallet holds less than this order's total: top it up first."
    ]
    assert not VerificationAttempt.objects.exists()


def _pay_by_password(payment, password):
    payment_confirm_with_password(payment=payment, user=payment.user, password=password)


def _cancel(payment, password):
    payment_cancel(payment=payment)


def _expire(payment, password):
    payment_expire(payment=payment_make_overdue(payment))


@pytest.mark.parametrize("close", [_pay_by_password, _cancel, _expire])
def test_pay_with_face_on_a_closed_payment_starts_nothing(
    shopper_client, enrolled, order, pay_url, password, assert_invariants, close
):
    close(order.payment, password)

    response = shopper_client.post(pay_url)

    assert response.status_code == 302
    assert response.url == order.get_absolute_url()
    assert messages_of(response) == [
        "This payment is no longer waiting for confirmation."
    ]
    assert not VerificationAttempt.objects.exists()
    assert_invariants()


def test_pay_with_face_after_the_payment_deadline_starts_nothing(
    shopper_client, enrolled, order, pay_url
):
    # Not yet marked expired by the periodic job, but its time has run out.
    payment_make_overdue(order.payment)

    response = shopper_client.post(pay_url)

    assert response.url == order.get_absolute_url()
    assert messages_of(response) == ["This payment's time to confirm has run out."]
    assert not VerificationAttempt.objects.exists()


def test_pay_with_face_while_locked_points_to_the_password(
    shopper_client, enrolled, order, pay_url
):
    attempt_failures(enrolled, 5)

    response = shopper_client.post(pay_url)

    assert response.status_code == 302
    assert response.url == order.get_absolute_url()
    (message,) = messages_of(response)
    assert message.startswith("Too many face checks failed in a row.")
    assert "password" in message
    assert VerificationAttempt.objects.count() == 5
    assert not VerificationAttempt.objects.filter(status=Status.OPEN).exists()


def test_get_on_pay_with_face_is_405_and_starts_nothing(
    shopper_client, enrolled, pay_url
):
    assert shopper_client.get(pay_url).status_code == 405
    assert not VerificationAttempt.objects.exists()


# The face page ------------------------------------------------------------------------


def test_face_page_shows_the_camera_status_the_password_and_the_countdown(
    shopper_client, order, face_attempt
):
    response = shopper_client.get(_face_url(order, face_attempt))

    assert response.status_code == 200
    page = response.content.decode()
    (status,) = _tags_with(page, data_testid="face-status")
    assert status["data-state"] in FACE_STATES
    assert status["data-state"] == "connecting"
    ws_url = re.fullmatch(r"/ws/face/([0-9a-f-]{36})/", status["data-ws-url"])
    assert ws_url
    assert uuid.UUID(ws_url.group(1)) == face_attempt.public_id
    assert status["data-status-url"] == f"/face/attempts/{face_attempt.public_id}/"
    assert status["data-done-url"] == order.get_absolute_url()
    deadline = datetime.fromisoformat(status["data-deadline"])
    assert deadline == face_attempt.deadline
    assert _tags_with(page, id="face-countdown")
    assert re.search(r"<button[^>]*>\s*Confirm with password\s*</button>", page)
    assert _tags_with(
        page, action=f"/orders/{order.number}/confirm-password/", method="post"
    )


def test_face_page_of_someone_elses_attempt_is_404(
    order, face_attempt, stranger_client
):
    response = stranger_client.get(_face_url(order, face_attempt))

    assert response.status_code == 404


def test_face_page_reloaded_in_another_language_switches_the_checks_words(
    shopper_client, order, face_attempt
):
    assert face_attempt.language == "en"

    page = shopper_client.get(_face_url(order, face_attempt), HTTP_ACCEPT_LANGUAGE="fr")

    face_attempt.refresh_from_db()
    assert face_attempt.language == "fr"
    assert 'lang="fr"' in page.content.decode()
    # The words pushed from now on are French, whoever composes them.
    assert attempt_state(face_attempt)["message"] == (
        "Ne bougez plus et regardez la caméra…"
    )


def test_face_page_of_an_unknown_attempt_is_404(shopper_client, order, face_attempt):
    response = shopper_client.get(f"/orders/{order.number}/face/{uuid.uuid4()}/")

    assert response.status_code == 404


def test_face_page_for_an_attempt_of_another_order_is_404(
    shopper_client, enrolled, product, order, face_attempt
):
    other_order = order_place(user=enrolled, items={product: 1})

    response = shopper_client.get(_face_url(other_order, face_attempt))

    assert response.status_code == 404


def test_face_page_of_a_payment_no_longer_open_leads_back_to_the_order(
    shopper_client, order, face_attempt
):
    payment_cancel(payment=order.payment)

    response = shopper_client.get(_face_url(order, face_attempt))

    assert response.status_code == 302
    assert response.url == order.get_absolute_url()


def test_face_page_of_a_declined_attempt_shows_the_verdict(
    shopper_client, order, face_attempt
):
    attempt_decide(attempt=face_attempt, status=Status.DECLINED, reason=Reason.NO_SMILE)

    page = shopper_client.get(_face_url(order, face_attempt)).content.decode()

    (status,) = _tags_with(page, data_testid="face-status")
    assert status["data-state"] == "declined"
    assert _text_of(page, "face-status") == (
        "We did not see a smile when we asked. 4 face tries left, or use your password."
    )


def test_face_page_after_the_fifth_failure_shows_locked(
    shopper_client, enrolled, order, face_attempt
):
    attempt_failures(enrolled, 4, last_at=timezone.now() - timedelta(seconds=5))
    attempt_decide(attempt=face_attempt, status=Status.DECLINED, reason=Reason.NO_MATCH)

    page = shopper_client.get(_face_url(order, face_attempt)).content.decode()

    (status,) = _tags_with(page, data_testid="face-status")
    assert status["data-state"] == "locked"
    assert "password" in _text_of(page, "face-status")


def test_face_page_of_an_approved_attempt_still_finishing_shows_approved(
    shopper_client, order, face_attempt
):
    # The verdict is stored; the payment has not caught up yet.
    VerificationAttempt.objects.filter(pk=face_attempt.pk).update(
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_SMILED,
        decided_at=timezone.now(),
    )

    page = shopper_client.get(_face_url(order, face_attempt)).content.decode()

    (status,) = _tags_with(page, data_testid="face-status")
    assert status["data-state"] == "approved"


# The status endpoint -------------------------------------------------------------------


def test_attempt_status_tells_the_owner_the_state(shopper_client, face_attempt):
    url = f"/face/attempts/{face_attempt.public_id}/"

    running = shopper_client.get(url)
    attempt_decide(attempt=face_attempt, status=Status.DECLINED, reason=Reason.NO_MATCH)
    decided = shopper_client.get(url)

    assert running.status_code == 200
    assert running["Content-Type"] == "application/json"
    assert running.json()["state"] == "streaming"
    assert running.json()["final"] is False
    assert decided.json()["state"] == "declined"
    assert decided.json()["final"] is True
    assert decided.json()["tries_left"] == 4


def test_attempt_status_of_someone_elses_attempt_is_404(stranger_client, face_attempt):
    response = stranger_client.get(f"/face/attempts/{face_attempt.public_id}/")

    assert response.status_code == 404
    assert "state" not in response.json()


def test_attempt_status_needs_a_login(client, face_attempt):
    url = f"/face/attempts/{face_attempt.public_id}/"

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


def test_attempt_status_expires_an_overdue_attempt_on_read(
    shopper_client, face_attempt
):
    attempt_make_overdue(face_attempt)

    response = shopper_client.get(f"/face/attempts/{face_attempt.public_id}/")

    assert response.json()["state"] == "expired"
    assert response.json()["final"] is True
    assert response.json()["reason"] == Reason.TIMED_OUT
    face_attempt.refresh_from_db()
    assert face_attempt.status == Status.EXPIRED


# The receiver: an approved face check pays --------------------------------------------


@pytest.fixture
def two_merchant_attempt(enrolled, payment):
    """An open face check of the ¥91.00 order from Panda (51.00) and Koala (40.00)."""
    return payment_face_start(payment=payment, user=enrolled)


def test_an_approved_face_check_pays_the_order_once(
    enrolled,
    payment,
    two_merchant_attempt,
    shopper_wallet,
    merchant_wallets,
    assert_invariants,
):
    panda, koala = merchant_wallets

    decided = _approve(two_merchant_attempt)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.APPROVED
    assert payment.method == Payment.Method.FACE
    assert payment.evidence["distance"] == 0.35
    assert payment.evidence["attempt"] == str(two_merchant_attempt.public_id)
    assert payment.evidence["answered_on_cue"] is True
    assert payment.evidence["cues"] == ["smile", "turn-left", "open-mouth"]
    assert payment.evidence["seconds"] == decided.duration_seconds
    assert payment.order.status == Order.Status.PAID
    assert balance_of(shopper_wallet) == Decimal("909.00")
    assert balance_of(panda) == Decimal("51.00")
    assert balance_of(koala) == Decimal("40.00")
    assert _payment_transfers(payment) == 1
    assert_invariants()


def test_the_page_is_told_approved_only_once_the_order_is_paid(
    enrolled,
    payment,
    two_merchant_attempt,
    shopper_wallet,
    merchant_wallets,
    monkeypatch,
):
    """The page leaves for the order when it hears "approved": the order it finds
    must already be paid, not still awaiting confirmation."""
    seen_at_push = []

    def push(public_id, payload):
        seen_at_push.append(
            (payload["state"], Payment.objects.get(pk=payment.pk).status)
        )
        return True

    monkeypatch.setattr("faceauth.services.attempts.attempt_push", push)

    _approve(two_merchant_attempt)

    assert seen_at_push == [("approved", Payment.Status.APPROVED)]


def test_the_same_approval_announced_again_moves_no_more_money(
    payment, two_merchant_attempt, shopper_wallet, merchant_wallets, assert_invariants
):
    decided = _approve(two_merchant_attempt)

    attempt_decided.send(sender=VerificationAttempt, attempt=decided)
    attempt_decided.send(sender=VerificationAttempt, attempt=decided)

    assert _payment_transfers(payment) == 1
    assert balance_of(shopper_wallet) == Decimal("909.00")
    assert [balance_of(w) for w in merchant_wallets] == [
        Decimal("51.00"),
        Decimal("40.00"),
    ]
    assert_invariants()


def test_an_approval_that_failed_to_apply_is_applied_by_the_sweep_once(
    payment, two_merchant_attempt, shopper_wallet, monkeypatch, assert_invariants
):
    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "payment_approve", database_gone)
    decided = _approve(two_merchant_attempt)  # the verdict is stored all the same
    assert decided.status == Status.APPROVED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    monkeypatch.undo()

    assert apply_face_verdicts() == 1
    assert apply_face_verdicts() == 0

    payment.refresh_from_db()
    assert payment.status == Payment.Status.APPROVED
    assert payment.evidence["attempt"] == str(decided.public_id)
    assert _payment_transfers(payment) == 1
    assert balance_of(shopper_wallet) == Decimal("909.00")
    assert_invariants()


def test_the_sweep_applies_only_the_shoppers_own_approved_checks(
    payment, two_merchant_attempt, other_shopper
):
    attempt_decide(
        attempt=two_merchant_attempt, status=Status.DECLINED, reason=Reason.NO_MATCH
    )
    # Someone else's approved check naming this order changes nothing either.
    attempt_make(
        other_shopper,
        reference=payment.order.number,
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_SMILED,
    )

    assert apply_face_verdicts() == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION


def test_the_sweep_never_applies_an_approval_past_the_payment_deadline(
    payment, two_merchant_attempt, monkeypatch
):
    monkeypatch.setattr(services, "payment_approve", lambda **kwargs: 1 / 0)
    _approve(two_merchant_attempt)
    monkeypatch.undo()
    payment_make_overdue(payment)

    assert apply_face_verdicts() == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert _payment_transfers(payment) == 0


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Status.DECLINED, Reason.NO_MATCH),
        (Status.DECLINED, Reason.NO_SMILE),
        (Status.EXPIRED, Reason.TIMED_OUT),
    ],
)
def test_a_failed_face_check_leaves_the_payment_open(
    payment, two_merchant_attempt, shopper_wallet, assert_invariants, status, reason
):
    decided = attempt_decide(
        attempt=two_merchant_attempt, status=status, reason=reason, liveness=LIVENESS
    )

    assert decided is not None
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert payment.method == ""
    assert payment.evidence == {}
    assert payment.order.status == Order.Status.AWAITING_PAYMENT
    assert balance_of(shopper_wallet) == Decimal("1000.00")
    assert _payment_transfers(payment) == 0
    assert_invariants()


def test_an_approval_after_the_order_was_cancelled_moves_no_money(
    payment, two_merchant_attempt, shopper_wallet, assert_invariants
):
    payment_cancel(payment=payment)

    decided = _approve(two_merchant_attempt)

    assert decided.status == Status.APPROVED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.order.status == Order.Status.CANCELLED
    assert balance_of(shopper_wallet) == Decimal("1000.00")
    assert _payment_transfers(payment) == 0
    assert_invariants()


def test_an_approval_after_the_payment_expired_moves_no_money(
    enrolled, payment, shopper_wallet, assert_invariants
):
    payment_expire(payment=payment_make_overdue(payment))
    attempt = attempt_make(enrolled, reference=payment.order.number)

    decided = _approve(attempt)

    assert decided.status == Status.APPROVED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.EXPIRED
    assert balance_of(shopper_wallet) == Decimal("1000.00")
    assert _payment_transfers(payment) == 0
    assert_invariants()


def test_an_approval_after_the_payment_deadline_moves_no_money(
    enrolled, payment, two_merchant_attempt, shopper_wallet, assert_invariants
):
    # The periodic job has not marked it expired yet; the face check is still open.
    payment_make_overdue(payment)

    decided = _approve(two_merchant_attempt)

    assert decided is not None
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert balance_of(shopper_wallet) == Decimal("1000.00")
    assert _payment_transfers(payment) == 0
    assert_invariants()


def test_an_approval_when_the_wallet_ran_dry_meanwhile_moves_no_money(
    enrolled,
    payment,
    two_merchant_attempt,
    shopper_wallet,
    merchant,
    password,
    assert_invariants,
):
    # Another order paid by password meanwhile leaves less than this one's ¥91.00.
    sofa = ProductFactory(merchant=merchant, price=Decimal("950.00"), stock=1)
    other = order_place(user=enrolled, items={sofa: 1})
    _pay_by_password(other.payment, password)

    decided = _approve(two_merchant_attempt)

    assert decided.status == Status.APPROVED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert balance_of(shopper_wallet) == Decimal("50.00")
    assert _payment_transfers(payment) == 0
    assert_invariants()


def test_an_approved_check_naming_someone_elses_order_touches_nothing(
    payment, other_shopper, shopper_wallet, assert_invariants
):
    wallet_topup(user=other_shopper, amount="500.00")
    intruder = attempt_make(other_shopper, reference=payment.order.number)

    decided = _approve(intruder)

    assert decided.status == Status.APPROVED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert payment.order.status == Order.Status.AWAITING_PAYMENT
    assert balance_of(shopper_wallet) == Decimal("1000.00")
    assert balance_of(wallet_for_user(user=other_shopper)) == Decimal("500.00")
    assert _payment_transfers(payment) == 0
    assert_invariants()


def test_an_approved_check_for_another_purpose_pays_nothing(
    enrolled, payment, shopper_wallet, assert_invariants
):
    # faceauth knows nothing of orders: only a *payment* check may pay one.
    login_check = attempt_make(enrolled, reference=payment.order.number)
    VerificationAttempt.objects.filter(pk=login_check.pk).update(purpose="login")
    login_check.refresh_from_db()

    decided = _approve(login_check)

    assert decided.status == Status.APPROVED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert balance_of(shopper_wallet) == Decimal("1000.00")
    assert _payment_transfers(payment) == 0
    assert_invariants()


# The order page after a face check -----------------------------------------------------


def test_order_page_after_a_face_approval_says_it_was_paid_with_the_face(
    shopper_client, order, face_attempt
):
    _approve(face_attempt)

    page = shopper_client.get(order.get_absolute_url()).content.decode()

    paid = _text_of(page, "payment-paid")
    assert re.fullmatch(
        r"Paid ¥51\.00 from your wallet on \d{1,2} \w{3} \d{4}, \d{2}:\d{2}, "
        r"with your face\.",
        paid,
    ), paid
    assert '<span class="status status-approved">Paid</span>' in page
    # The check's numbers are for the merchant and the admin, not the shopper.
    assert 'data-testid="face-evidence"' not in page
    assert "distance" not in page
    assert "on cue" not in page
    assert 'data-testid="face-finishing"' not in page


def test_order_page_while_an_approval_is_being_applied_says_it_is_finishing(
    shopper_client, order, face_attempt
):
    VerificationAttempt.objects.filter(pk=face_attempt.pk).update(
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_SMILED,
        decided_at=timezone.now(),
    )

    page = shopper_client.get(order.get_absolute_url()).content.decode()

    assert _tags_with(page, data_testid="face-finishing")
    assert 'data-testid="face-evidence"' not in page


def test_order_page_stops_saying_finishing_when_an_approval_could_not_be_applied(
    shopper_client, order, face_attempt
):
    # Approved long ago, yet the payment is still open: it could not be applied.
    VerificationAttempt.objects.filter(pk=face_attempt.pk).update(
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_SMILED,
        decided_at=timezone.now() - timedelta(seconds=60),
    )

    page = shopper_client.get(order.get_absolute_url()).content.decode()

    assert not _tags_with(page, data_testid="face-finishing")
    assert "Confirm with password" in page


def test_order_page_after_a_declined_face_check_is_not_finishing(
    shopper_client, order, face_attempt
):
    attempt_decide(attempt=face_attempt, status=Status.DECLINED, reason=Reason.NO_MATCH)

    page = shopper_client.get(order.get_absolute_url()).content.decode()

    assert 'data-testid="face-finishing"' not in page
    assert "Pay with my face" in page
