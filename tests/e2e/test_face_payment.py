"""Smile to pay in Chromium: a fake webcam plays clips made from the fixture photos,
through Daphne, Redis and a real Celery worker."""

import re

import pytest
from playwright.sync_api import expect

from faceauth.models import VerificationAttempt
from payments.services import wallet_topup
from shop.models import Order
from shop.tests.factories import PASSWORD, ProductFactory, UserFactory

from .face import (
    BALANCE,
    FINAL_STATES,
    PRICE,
    assert_never_paid,
    assert_paid_once,
    attempt_of,
    enrolled_shopper_with_order,
    pay_with_face,
)
from .steps import log_in
from .test_expiry import place_order

pytestmark = pytest.mark.e2e


APPROVED_AT_SCRIPT = """() => {
  const status = document.querySelector("[data-testid=face-status]");
  new MutationObserver(() => {
    if (status.dataset.state === "approved" && !window.approvedAt) {
      window.approvedAt = performance.now();
    }
  }).observe(status, { attributes: true });
}"""


@pytest.fixture
def shopper_with_order(transactional_db):
    return enrolled_shopper_with_order()


@pytest.mark.clip("obama-smiles")
def test_enrolled_shopper_smiles_on_cue_and_the_order_is_paid(
    live_worker, shopper_with_order, page, screenshot, record_property
):
    user, order = shopper_with_order
    status = pay_with_face(page, order)
    # When the page shows "approved", in ms since the face page started loading.
    page.evaluate(APPROVED_AT_SCRIPT)
    expect(status).to_have_attribute("data-state", "challenge", timeout=20_000)
    screenshot(page, "challenge")
    expect(status).to_have_attribute("data-state", "approved", timeout=20_000)
    seconds = page.evaluate("window.approvedAt") / 1000
    record_property("face_step_seconds", round(seconds, 2))
    print(f"\nface step, face page opened to approved: {seconds:.2f} s")
    screenshot(page, "approved")
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"), timeout=10_000)
    expect(page.get_by_test_id("payment-status")).to_contain_text("Approved")
    expect(page.get_by_test_id("face-evidence")).to_contain_text("smiled on cue")
    screenshot(page, "paid")

    payment = assert_paid_once(user, order)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    attempt = attempt_of(order)
    assert attempt.status == "approved" and attempt.reason == "matched_and_smiled"
    assert attempt.best_distance <= 0.59
    assert attempt.liveness["rise"] >= 0.2
    assert attempt.frames_processed >= 4
    assert payment.evidence["attempt"] == str(attempt.public_id)
    assert "Task faceauth.tasks.verify_frame[" in live_worker.log_text()


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
    wallet_topup(user=user, amount=BALANCE)
    product = ProductFactory(title="Jade Teapot", price=PRICE, stock=5)
    order = place_order(user=user, product=product, quantity=1)
    page.goto(f"/orders/{order.number}/")
    log_in(page, username="ada", password=PASSWORD)
    page.get_by_role("button", name="Pay with my face").click()
    expect(page).to_have_url(re.compile(r"/face/consent/\?next="))
    expect(page.get_by_text("Set up face payment first")).to_be_visible()
    assert not VerificationAttempt.objects.exists()


@pytest.mark.clip("obama-smiles")
@pytest.mark.camera_blocked
def test_a_blocked_camera_says_so_and_leaves_the_password(
    live_shop, shopper_with_order, page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order)
    expect(status).to_have_attribute("data-state", "error")
    expect(status).to_contain_text("The camera is blocked")
    expect(page.get_by_role("button", name="Confirm with password")).to_be_visible()
    screenshot(page, "camera-blocked")
    assert attempt_of(order).frames_received == 0
    assert_never_paid(user, order)


def test_no_camera_at_all_says_so_and_leaves_the_password(
    live_shop, shopper_with_order, page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order)
    expect(status).to_have_attribute("data-state", "error")
    expect(status).to_contain_text("No camera was found")
    expect(page.get_by_role("button", name="Confirm with password")).to_be_visible()
    screenshot(page, "no-camera")
    assert_never_paid(user, order)


@pytest.mark.clip("two-people")
def test_signing_out_in_another_tab_stops_the_face_check(
    live_worker, shopper_with_order, page, new_page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order)
    other_tab = new_page(like=page)
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Log out").click()

    expect(status).to_have_attribute("data-state", "expired", timeout=10_000)
    expect(status).to_contain_text("You signed out")
    screenshot(page, "signed-out")
    attempt = attempt_of(order)
    assert attempt.reason == "signed_out"
    assert_never_paid(user, order)


@pytest.mark.clip("no-face")
def test_no_face_in_the_picture_says_so_and_is_never_approved(
    live_worker, shopper_with_order, page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order)
    expect(status).to_contain_text("We can't see your face", timeout=20_000)
    screenshot(page, "no-face")
    assert status.get_attribute("data-state") != "approved"
    assert_never_paid(user, order)
