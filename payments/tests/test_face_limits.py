"""The amount limits of face payment: per order (FACEAUTH_MAX_AMOUNT) and per shopper
per day (FACEAUTH_DAILY_MAX_AMOUNT), on the order page, when a face check starts and
again when its approval is applied. The races are in test_races.py."""

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from faceauth.models import VerificationAttempt
from faceauth.services.attempts import attempt_decide
from faceauth.tests.factories import OBAMA, attempt_make, face_enrol
from payments.exceptions import FaceLimitExceeded
from payments.limits import (
    DAILY_FACE_LIMIT,
    ORDER_OVER_FACE_LIMIT,
    face_limit_decide,
    face_limit_for,
)
from payments.models import Payment, Transfer
from payments.selectors import face_paid_total_on
from payments.services import (
    payment_approve,
    payment_cancel,
    payment_confirm_with_password,
    payment_face_start,
    wallet_for_user,
    wallet_topup,
)
from payments.tasks import apply_face_verdicts
from shop.models import Order
from shop.tests.factories import ProductFactory
from shop.tests.helpers import messages_of

from .conftest import balance_of
from .factories import order_place
from .test_face import _tags_with, _text_of

pytestmark = pytest.mark.django_db

D = Decimal
Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason
PAY_BUTTON = "Pay with my face"


def _order_of(user, price) -> Order:
    """An order of one product at `price`, awaiting payment."""
    product = ProductFactory(price=D(price), stock=3)
    return order_place(user=user, items={product: 1})


def _approve(attempt):
    return attempt_decide(
        attempt=attempt,
        status=Status.APPROVED,
        reason=Reason.MATCHED_AND_SMILED,
        liveness={"distances": [0.3, 0.32], "rise": 0.4},
    )


def _pay_by_face(order) -> Payment:
    """Pay `order` the way an approved face check of its shopper pays it."""
    _approve(attempt_make(order.user, reference=order.number))
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.method) == (
        Payment.Status.APPROVED,
        Payment.Method.FACE,
    )
    return payment


def _face_limit_text(client, order) -> str | None:
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Confirm with password" in page
    if not _tags_with(page, data_testid="face-limit"):
        assert PAY_BUTTON in page
        assert "Or confirm with your password" in page
        return None
    assert PAY_BUTTON not in page
    # The password is the only way offered, not the other one.
    assert "Or confirm" not in page
    return _text_of(page, "face-limit")


@pytest.fixture
def daily_limit_100(settings):
    """Face payment up to ¥100 an order and ¥100 a day: two ¥51 orders pass it."""
    settings.FACEAUTH_MAX_AMOUNT = D("100")
    settings.FACEAUTH_DAILY_MAX_AMOUNT = D("100")


@pytest.fixture
def two_orders(funded_shopper, product):
    """Two orders of 2 Tea Mugs each, ¥51.00 apiece, awaiting payment."""
    return (
        order_place(user=funded_shopper, items={product: 2}),
        order_place(user=funded_shopper, items={product: 2}),
    )


# The decision -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "paid_today", "code"),
    [
        ("1000.00", "0", ""),  # exactly the per-order limit
        ("1000.01", "0", ORDER_OVER_FACE_LIMIT),
        ("500.00", "1500.00", ""),  # reaches exactly the daily limit
        ("500.01", "1500.00", DAILY_FACE_LIMIT),
        ("1000.01", "1500.00", ORDER_OVER_FACE_LIMIT),  # the order's own limit first
    ],
)
def test_face_limit_allows_up_to_exactly_each_limit_and_not_a_cent_more(
    amount, paid_today, code
):
    limit = face_limit_decide(
        amount=D(amount),
        paid_today=D(paid_today),
        max_amount=D("1000"),
        daily_max=D("2000"),
    )

    assert (limit.allowed, limit.code) == (not code, code)
    assert bool(limit.message) == bool(code)
    assert (limit.max_amount, limit.daily_max_amount) == (D("1000"), D("2000"))
    assert limit.paid_by_face_today == D(paid_today)


def test_face_limit_messages_tell_the_shopper_why_in_plain_words():
    def message(amount, paid_today):
        return face_limit_decide(
            amount=D(amount),
            paid_today=D(paid_today),
            max_amount=D("1000"),
            daily_max=D("2000"),
        ).message

    assert message("1200", "0") == (
        "Face payment is for orders up to ¥1,000. Confirm with your password."
    )
    assert message("600", "1450.50") == (
        "You have paid ¥1,450.50 by face today; the daily limit is ¥2,000. "
        "Confirm with your password."
    )
    # With a daily limit below the per-order one, an order alone can pass it.
    assert (
        face_limit_decide(
            amount=D("80"), paid_today=D("0"), max_amount=D("100"), daily_max=D("50")
        ).message
        == "Face payment is for up to ¥50 a day. Confirm with your password."
    )


# The day's face total ---------------------------------------------------------------


def test_face_total_of_the_day_counts_only_this_shoppers_face_payments_of_that_day(
    funded_shopper, other_shopper, password
):
    wallet_topup(user=other_shopper, amount="500.00")
    counted = _pay_by_face(_order_of(funded_shopper, "30.00"))
    _pay_by_face(_order_of(funded_shopper, "7.00"))
    # Not counted: yesterday's face payment, a password payment, an open and a
    # cancelled order, another shopper's face payment.
    yesterday = _pay_by_face(_order_of(funded_shopper, "100.00"))
    Payment.objects.filter(pk=yesterday.pk).update(
        decided_at=timezone.now() - timedelta(days=1)
    )
    by_password = _order_of(funded_shopper, "200.00")
    payment_confirm_with_password(
        payment=by_password.payment, user=funded_shopper, password=password
    )
    _order_of(funded_shopper, "300.00")
    payment_cancel(payment=_order_of(funded_shopper, "400.00").payment)
    _pay_by_face(_order_of(other_shopper, "50.00"))

    today = timezone.localdate()
    assert face_paid_total_on(user=funded_shopper, day=today) == D("37.00")
    assert face_paid_total_on(user=funded_shopper, day=today, exclude=counted) == D(
        "7.00"
    )
    assert face_paid_total_on(user=other_shopper, day=today) == D("50.00")


def test_face_total_of_the_day_follows_the_calendar_day_of_the_shops_time_zone(
    settings, funded_shopper
):
    settings.TIME_ZONE = "Asia/Shanghai"  # UTC+8, no daylight saving
    # Decided at (UTC): 23:59 on the 9th, 00:00 and 23:59 on the 10th, 00:00 on the
    # 11th in Shanghai.
    decided = [
        ("1.00", datetime(2026, 3, 9, 15, 59, tzinfo=UTC)),
        ("2.00", datetime(2026, 3, 9, 16, 0, tzinfo=UTC)),
        ("4.00", datetime(2026, 3, 10, 15, 59, tzinfo=UTC)),
        ("8.00", datetime(2026, 3, 10, 16, 0, tzinfo=UTC)),
    ]
    for price, moment in decided:
        payment = _pay_by_face(_order_of(funded_shopper, price))
        Payment.objects.filter(pk=payment.pk).update(decided_at=moment)

    total = face_paid_total_on(user=funded_shopper, day=date(2026, 3, 10))

    assert total == D("6.00")


# The order page -----------------------------------------------------------------------


def test_order_page_over_the_per_order_face_limit_hides_the_face_button_and_says_why(
    shopper_client, funded_shopper
):
    order = _order_of(funded_shopper, "1000.01")

    assert _face_limit_text(shopper_client, order) == (
        "Face payment is for orders up to ¥1,000. Confirm with your password."
    )


def test_order_page_of_an_order_of_exactly_the_face_limit_offers_the_face_button(
    shopper_client, funded_shopper
):
    order = _order_of(funded_shopper, "1000.00")

    assert _face_limit_text(shopper_client, order) is None


def test_order_page_over_the_daily_face_limit_says_what_was_paid_by_face_today(
    shopper_client, daily_limit_100, two_orders
):
    first, second = two_orders
    assert _face_limit_text(shopper_client, second) is None
    _pay_by_face(first)

    assert _face_limit_text(shopper_client, second) == (
        "You have paid ¥51 by face today; the daily limit is ¥100. "
        "Confirm with your password."
    )


def test_order_page_counts_no_password_payment_towards_the_daily_face_limit(
    shopper_client, funded_shopper, daily_limit_100, two_orders, password
):
    first, second = two_orders
    payment_confirm_with_password(
        payment=first.payment, user=funded_shopper, password=password
    )

    assert _face_limit_text(shopper_client, second) is None


def test_the_face_limits_follow_the_settings(settings, shopper_client, two_orders):
    order = two_orders[0]  # ¥51.00
    settings.FACEAUTH_MAX_AMOUNT = 50
    assert _face_limit_text(shopper_client, order) == (
        "Face payment is for orders up to ¥50. Confirm with your password."
    )

    settings.FACEAUTH_MAX_AMOUNT = "51.00"
    settings.FACEAUTH_DAILY_MAX_AMOUNT = "50.99"
    assert face_limit_for(payment=order.payment).code == DAILY_FACE_LIMIT

    settings.FACEAUTH_DAILY_MAX_AMOUNT = "51"
    assert face_limit_for(payment=order.payment).allowed
    assert _face_limit_text(shopper_client, order) is None


# Starting a face check ------------------------------------------------------------------


@pytest.fixture
def enrolled(funded_shopper):
    face_enrol(funded_shopper, OBAMA)
    return funded_shopper


def _over_the_order_limit(settings, user):
    settings.FACEAUTH_MAX_AMOUNT = D("50")
    return order_place(user=user, items={ProductFactory(price=D("50.01")): 1})


def _over_the_daily_limit(settings, user):
    settings.FACEAUTH_DAILY_MAX_AMOUNT = D("100")
    _pay_by_face(_order_of(user, "60.00"))
    return _order_of(user, "40.01")


@pytest.mark.parametrize(
    ("over", "message"),
    [
        (
            _over_the_order_limit,
            "Face payment is for orders up to ¥50. Confirm with your password.",
        ),
        (
            _over_the_daily_limit,
            "You have paid ¥60 by face today; the daily limit is ¥100. "
            "Confirm with your password.",
        ),
    ],
)
def test_pay_with_face_over_a_face_limit_starts_no_face_check_and_changes_nothing(
    settings, shopper_client, enrolled, state, assert_invariants, over, message
):
    order = over(settings, enrolled)
    attempts = VerificationAttempt.objects.count()
    before = state()

    response = shopper_client.post(f"/orders/{order.number}/pay-with-face/")

    assert response.status_code == 302
    assert response.url == order.get_absolute_url()
    assert messages_of(response) == [message]
    assert VerificationAttempt.objects.count() == attempts
    assert state() == before
    assert_invariants()


def test_payment_face_start_over_the_limit_raises_with_the_limit_attached(
    settings, enrolled
):
    order = _over_the_order_limit(settings, enrolled)

    with pytest.raises(FaceLimitExceeded) as refused:
        payment_face_start(payment=order.payment, user=enrolled)

    assert refused.value.limit.code == ORDER_OVER_FACE_LIMIT
    assert refused.value.limit.max_amount == D("50")
    assert not VerificationAttempt.objects.exists()


def test_pay_with_face_for_an_order_of_exactly_the_face_limit_opens_a_face_check(
    shopper_client, enrolled
):
    order = _order_of(enrolled, "1000.00")  # all of the ¥1,000 wallet, too

    response = shopper_client.post(f"/orders/{order.number}/pay-with-face/")

    attempt = VerificationAttempt.objects.get()
    assert response.url == f"/orders/{order.number}/face/{attempt.public_id}/"
    assert attempt.status == Status.OPEN


# Applying an approval: the limits are checked again ---------------------------------


@pytest.fixture
def refused_by_the_daily_limit(funded_shopper, daily_limit_100, two_orders, caplog):
    """The second ¥51 order's face check started under the daily limit of ¥100; the
    first order was paid by face meanwhile; then the second check was approved."""
    first, second = two_orders
    attempt = attempt_make(funded_shopper, reference=second.number)
    _pay_by_face(first)
    with caplog.at_level(logging.INFO, logger="payments"):
        decided = _approve(attempt)
    assert decided.status == Status.APPROVED
    return second


def test_a_face_approval_that_would_pass_the_daily_limit_leaves_the_payment_open(
    funded_shopper, refused_by_the_daily_limit, merchant, caplog, assert_invariants
):
    order = refused_by_the_daily_limit

    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert (payment.method, payment.evidence, payment.decided_at) == ("", {}, None)
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT
    assert not Transfer.objects.filter(payment=payment).exists()
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("949.00")
    assert balance_of(merchant.wallet) == D("51.00")
    logged = caplog.get_records("setup")  # refused while the fixture approved it
    refusals = [r for r in logged if "face approval refused" in r.message]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.WARNING
    assert order.number in refusals[0].message
    assert DAILY_FACE_LIMIT in refusals[0].message
    assert_invariants()


def test_the_sweep_neither_applies_nor_logs_again_an_approval_the_limit_refused(
    refused_by_the_daily_limit, caplog
):
    caplog.clear()

    with caplog.at_level(logging.DEBUG, logger="payments"):
        assert apply_face_verdicts() == 0
        assert apply_face_verdicts() == 0

    assert [r for r in caplog.records if r.name.startswith("payments")] == []
    payment = Payment.objects.get(order=refused_by_the_daily_limit)
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION


def test_order_page_after_an_approval_the_limit_refused_explains_and_is_not_finishing(
    shopper_client, refused_by_the_daily_limit
):
    page = shopper_client.get(
        refused_by_the_daily_limit.get_absolute_url()
    ).content.decode()

    assert not _tags_with(page, data_testid="face-finishing")
    assert _text_of(page, "face-limit") == (
        "You have paid ¥51 by face today; the daily limit is ¥100. "
        "Confirm with your password."
    )
    assert "Confirm with password" in page


def test_a_payment_the_face_limit_refused_is_still_paid_with_the_password(
    funded_shopper, refused_by_the_daily_limit, password, assert_invariants
):
    payment = Payment.objects.get(order=refused_by_the_daily_limit)

    paid = payment_confirm_with_password(
        payment=payment, user=funded_shopper, password=password
    )

    assert (paid.status, paid.method) == (
        Payment.Status.APPROVED,
        Payment.Method.PASSWORD,
    )
    assert balance_of(wallet_for_user(user=funded_shopper)) == D("898.00")
    assert_invariants()


def test_a_face_approval_over_a_per_order_limit_lowered_meanwhile_moves_no_money(
    settings, funded_shopper, two_orders, state
):
    payment = two_orders[0].payment
    before = state()
    settings.FACEAUTH_MAX_AMOUNT = D("50")

    with pytest.raises(FaceLimitExceeded):
        payment_approve(payment=payment, method=Payment.Method.FACE, evidence={})

    assert state() == before
    # The same payment by password knows no face limit.
    payment_approve(payment=payment, method=Payment.Method.PASSWORD, evidence={})
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.APPROVED
