"""Smile to pay in Chromium: a fake webcam plays clips made from the fixture photos,
through Daphne, Redis and a real Celery worker."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from faceauth.models import VerificationAttempt
from faceauth.services import consent_give, face_enroll
from payments.models import Payment, Transfer
from payments.services import wallet_for_user, wallet_topup
from shop.models import Order
from shop.tests.factories import PASSWORD, ProductFactory, UserFactory

from .clips import FACES, clip_of, photo_frame, write_y4m
from .steps import log_in
from .test_expiry import place_order

pytestmark = pytest.mark.e2e

NEUTRAL = "people/obama/obama_neutral.jpg"
SMILING = "people/obama/obama_smiling_portrait.jpg"
FINAL_STATES = re.compile("approved|declined|expired|locked|error")


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("face-clips")
    two = photo_frame("other/two_people_obama_biden.jpg", face_width=110)
    return {
        "obama-smiles": clip_of(folder / "obama.y4m", [(NEUTRAL, 3), (SMILING, 2)]),
        "biden-smiles": clip_of(
            folder / "biden.y4m",
            [
                ("people/biden/biden_standing.jpg", 3),
                ("people/biden/biden_smiling.jpg", 2),
            ],
        ),
        "still-smile": clip_of(folder / "still.y4m", [(SMILING, 5)]),
        "two-people": write_y4m(folder / "two.y4m", [two] * 30),
    }


@pytest.fixture
def camera_clip(request, clips):
    marker = request.node.get_closest_marker("clip")
    return clips[marker.args[0]] if marker else None


@pytest.fixture
def shopper_with_order(transactional_db):
    user = UserFactory(username="ada")
    wallet_topup(user=user, amount="500.00")
    consent_give(user=user)
    face_enroll(
        user=user,
        images=[(FACES / NEUTRAL).read_bytes(), (FACES / SMILING).read_bytes()],
    )
    product = ProductFactory(title="Jade Teapot", price=Decimal("88.00"), stock=5)
    order = place_order(user=user, product=product, quantity=1)
    return user, order


def pay_with_face(page, order, screenshot):
    page.goto(f"/orders/{order.number}/")
    log_in(page, username="ada", password=PASSWORD)
    page.get_by_role("button", name="Pay with my face").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/face/"))
    status = page.get_by_test_id("face-status")
    expect(status).to_have_attribute(
        "data-ws-url", re.compile(r"^/ws/face/[0-9a-f-]+/$")
    )
    expect(status).to_have_attribute(
        "data-state", re.compile("streaming|challenge|" + FINAL_STATES.pattern)
    )
    screenshot(page, "face-page")
    return status


def attempt_of(order) -> VerificationAttempt:
    return VerificationAttempt.objects.get(reference=order.number)


@pytest.mark.clip("obama-smiles")
def test_enrolled_shopper_smiles_on_cue_and_the_order_is_paid(
    live_worker, shopper_with_order, page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order, screenshot)
    expect(status).to_have_attribute("data-state", "challenge", timeout=20_000)
    screenshot(page, "challenge")
    expect(status).to_have_attribute("data-state", "approved", timeout=20_000)
    screenshot(page, "approved")
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"), timeout=10_000)
    expect(page.get_by_test_id("payment-status")).to_contain_text("Approved")
    expect(page.get_by_test_id("face-evidence")).to_contain_text("smiled on cue")
    screenshot(page, "paid")

    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.APPROVED
    assert payment.method == Payment.Method.FACE
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert wallet_for_user(user=user).balance == Decimal("412.00")
    assert Transfer.objects.filter(payment=payment).count() == 1
    attempt = attempt_of(order)
    assert attempt.status == "approved" and attempt.reason == "matched_and_smiled"
    assert attempt.best_distance <= 0.59
    assert attempt.liveness["rise"] >= 0.2
    assert attempt.frames_processed >= 4
    assert payment.evidence["attempt"] == str(attempt.public_id)
    assert "Task faceauth.tasks.verify_frame[" in live_worker.log_text()


def assert_never_paid(user, order):
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert wallet_for_user(user=user).balance == Decimal("500.00")
    assert not Transfer.objects.filter(payment=payment).exists()


@pytest.mark.clip("biden-smiles")
def test_another_person_is_declined_and_nothing_is_charged(
    live_worker, shopper_with_order, page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order, screenshot)
    expect(status).to_have_attribute("data-state", "declined", timeout=30_000)
    expect(status).to_contain_text("does not match")
    expect(status).to_contain_text("tries left")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm with password")).to_be_visible()
    screenshot(page, "declined")
    assert attempt_of(order).reason == "no_match"
    assert_never_paid(user, order)


@pytest.mark.clip("still-smile")
def test_one_still_smiling_photo_is_never_approved(
    live_worker, shopper_with_order, page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order, screenshot)
    expect(status).to_have_attribute("data-state", FINAL_STATES, timeout=40_000)
    screenshot(page, "final")
    assert status.get_attribute("data-state") in ("declined", "expired")
    attempt = attempt_of(order)
    assert attempt.status in ("declined", "expired")
    assert attempt.reason == "no_smile"
    assert_never_paid(user, order)


@pytest.mark.clip("two-people")
def test_two_people_in_the_frame_are_never_approved(
    live_worker, shopper_with_order, page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order, screenshot)
    expect(status).to_contain_text("More than one face", timeout=20_000)
    screenshot(page, "two-faces")
    expect(status).to_have_attribute("data-state", FINAL_STATES, timeout=40_000)
    assert status.get_attribute("data-state") == "expired"
    attempt = attempt_of(order)
    assert attempt.reason == "several_faces"
    assert attempt.faces_per_frame.get("2+", 0) >= 3
    assert_never_paid(user, order)


def test_a_shopper_who_has_not_enrolled_is_led_to_enrolment(
    live_shop, transactional_db, page
):
    user = UserFactory(username="ada")
    wallet_topup(user=user, amount="500.00")
    product = ProductFactory(title="Jade Teapot", price=Decimal("88.00"), stock=5)
    order = place_order(user=user, product=product, quantity=1)
    page.goto(f"/orders/{order.number}/")
    log_in(page, username="ada", password=PASSWORD)
    page.get_by_role("button", name="Pay with my face").click()
    expect(page).to_have_url(re.compile(r"/face/consent/\?next="))
    expect(page.get_by_text("Set up face payment first")).to_be_visible()
    assert not VerificationAttempt.objects.exists()
