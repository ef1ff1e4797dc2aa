"""What the face-payment browser tests share: the clips and the people of the reacting
camera, the enrolled shopper with an order, and the steps from the order page to the
face page."""

import json
import re
from decimal import Decimal

from playwright.sync_api import expect

from faceauth.models import VerificationAttempt
from faceauth.services import consent_give, face_enroll
from payments.models import Payment, Transfer
from payments.services import wallet_for_user, wallet_topup
from shop.tests.factories import PASSWORD, ProductFactory, UserFactory

from .clips import FACES, clip_of, photo_frame, write_y4m
from .steps import log_in
from .test_expiry import place_order

NEUTRAL = "people/obama/obama_neutral.jpg"
SMILING = "people/obama/obama_smiling_portrait.jpg"
# The photo the reacting camera animates for each person a `camera` marker names.
PEOPLE = {"obama": NEUTRAL, "biden": "people/biden/biden_standing.jpg"}
FINAL_STATES = re.compile("approved|declined|expired|locked|error")
# Why the liveness check refuses a face that does not answer the cues as a live
# person would (faceauth/liveness.py).
LIVENESS_REASONS = {
    "no_response",
    "wrong_move",
    "moved_early",
    "not_continuous",
    "no_return",
}
BALANCE = Decimal("500.00")
PRICE = Decimal("88.00")
# The slowest a check may take to reach its verdict: the attempt's 30 s deadline,
# plus the reaper's round (5 s) and the page's poll (2.5 s).
VERDICT_TIMEOUT_MS = 40_000

# Notes in the page when face-status first shows "approved", in ms since the face
# page started loading (run it as soon as the face page is open).
APPROVED_AT_SCRIPT = """() => {
  const status = document.querySelector("[data-testid=face-status]");
  const note = () => {
    if (status.dataset.state === "approved" && !window.approvedAt) {
      window.approvedAt = performance.now();
    }
  };
  new MutationObserver(note).observe(status, { attributes: true });
  note();
}"""


def face_clips(folder) -> dict:
    """The fake webcam clips, by the name a test's `clip` marker gives."""
    two = photo_frame("other/two_people_obama_biden.jpg", face_width=110)
    return {
        # The old single smile on cue: a neutral photo, then a smiling one. It is
        # the photo attack issue 12 closes (tests/e2e/test_face_attacks.py).
        "obama-smiles": clip_of(folder / "obama.y4m", [(NEUTRAL, 3), (SMILING, 2)]),
        "two-people": write_y4m(folder / "two.y4m", [two] * 30),
        "no-face": clip_of(folder / "dogs.y4m", [("other/no_human_face_dogs.jpg", 2)]),
    }


def enrolled_shopper_with_order(username: str = "ada"):
    """A shopper enrolled with Obama's photos, ¥500 in the wallet, and an order of
    one ¥88 teapot awaiting confirmation."""
    user = UserFactory(username=username)
    wallet_topup(user=user, amount=BALANCE)
    consent_give(user=user)
    face_enroll(
        user=user,
        images=[(FACES / NEUTRAL).read_bytes(), (FACES / SMILING).read_bytes()],
    )
    product = ProductFactory(title="Jade Teapot", price=PRICE, stock=5)
    order = place_order(user=user, product=product, quantity=1)
    return user, order


def pay_with_face(page, order, screenshot=None, *, username="ada"):
    """From the order page, log in, press "Pay with my face"; the face-status element."""
    page.goto(f"/orders/{order.number}/")
    log_in(page, username=username, password=PASSWORD)
    page.get_by_role("button", name="Pay with my face").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/face/"))
    status = page.get_by_test_id("face-status")
    expect(status).to_have_attribute(
        "data-ws-url", re.compile(r"^/ws/face/[0-9a-f-]+/$")
    )
    expect(status).to_have_attribute(
        "data-state", re.compile("streaming|challenge|" + FINAL_STATES.pattern)
    )
    if screenshot:
        screenshot(page, "face-page")
    return status


def attempt_of(order) -> VerificationAttempt:
    """The order's face check (the newest, when the shopper tried again)."""
    return VerificationAttempt.objects.filter(reference=order.number).latest("pk")


def assert_never_paid(user, order):
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert wallet_for_user(user=user).balance == BALANCE
    assert not Transfer.objects.filter(payment=payment).exists()


def assert_paid_once(user, order):
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.APPROVED
    assert payment.method == Payment.Method.FACE
    assert wallet_for_user(user=user).balance == BALANCE - PRICE
    assert Transfer.objects.filter(payment=payment).count() == 1
    return payment


def camera_events(page) -> list[dict]:
    """What the reacting camera saw and did (faceauth/simulation_camera.js)."""
    return page.evaluate("window.__camera ? window.__camera.events : []")


def cues_seen(page) -> list[str]:
    """The cues the reacting camera saw on the page, in order."""
    return [
        event["cue"]
        for event in camera_events(page)
        if event["event"] == "cue" and event["cue"] != "neutral"
    ]


def check_summary(attempt) -> str:
    """How a check went, for the test's output: verdict, liveness and timings."""
    return (
        f"{attempt.status} ({attempt.reason}) cues {attempt.tracker.get('cues')}\n"
        f"liveness {json.dumps(attempt.liveness)}\n"
        f"timings {json.dumps(attempt.timings)}\n"
        f"frames received {attempt.frames_received}, "
        f"processed {attempt.frames_processed}, "
        f"faces {json.dumps(attempt.faces_per_frame)}"
    )
