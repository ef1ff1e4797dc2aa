"""Pay with your face in Chromium, through Daphne, Redis and a real Celery worker.

The shopper is a camera that reacts to the page's cues (faceauth/simulation_camera.js:
a fixture photo animated by a landmark-driven warp, the `camera` marker); the simple
flows play Y4M clips made from the fixture photos (the `clip` marker). The attacks
are in test_face_attacks.py.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from faceauth import liveness
from faceauth.models import VerificationAttempt
from payments.services import wallet_topup
from shop.models import Order
from shop.tests.factories import PASSWORD, ProductFactory, UserFactory

from .face import (
    APPROVED_AT_SCRIPT,
    BALANCE,
    FINAL_STATES,
    PRICE,
    assert_never_paid,
    assert_paid_once,
    attempt_of,
    check_summary,
    cues_seen,
    enrolled_shopper_with_order,
    pay_with_face,
)
from .steps import log_in
from .test_expiry import place_order

pytestmark = pytest.mark.e2e

# Phones held upright, with touch: a small Android's CSS viewport, and an iPhone
# 12-14's.
PHONES = {
    360: {"viewport": {"width": 360, "height": 800}, "device_scale_factor": 3},
    390: {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2},
}
PHONE_OPTIONS = {"is_mobile": True, "has_touch": True}
# The screenshots of the closing note: the face page during a cue, as the
# phone's screen shows it.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# A phone's front camera held upright gives a portrait picture: this wraps the
# reacting camera (added after it) to send the middle 360x480 of its 640x480 one,
# the face whole in it.
PORTRAIT_CAMERA = """(() => {
  const devices = navigator.mediaDevices;
  const landscape = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const source = (await landscape(constraints)).getVideoTracks()[0].canvas;
    const canvas = document.createElement("canvas");
    canvas.width = 360;
    canvas.height = 480;
    const context = canvas.getContext("2d");
    const draw = () => context.drawImage(
      source, (source.width - 360) / 2, 0, 360, 480, 0, 0, 360, 480);
    draw();
    window.setInterval(draw, 1000 / 30);
    return canvas.captureStream(30);
  };
})();"""


# The face page's layout on a phone, read at one moment: what of the camera, the cue,
# the status and the move counter is not wholly on the screen; the shapes of the
# camera's box and of its picture; the size of the cue's words and sign.
PHONE_LAYOUT_SCRIPT = """() => new Promise((resolve) => {
  // Measured in the page at a moment a cue is shown: now, or as the next one
  // appears (a loaded machine can take longer to ask than the cue lasts).
  const status = document.querySelector("[data-testid=face-status]");
  const cueShown = () => status.dataset.state === "challenge";
  const measure = () => {
    const onScreen = (element) => {
      const box = element.getBoundingClientRect();
      return element.offsetParent !== null && box.top >= 0 && box.left >= 0
        && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
    };
    const parts = [".camera", "#face-cue", "[data-testid=face-status]", "#face-step"];
    const video = document.getElementById("face-video");
    const camera = document.querySelector(".camera").getBoundingClientRect();
    const cue = document.querySelector("[data-testid=face-status]").dataset.cue;
    const sign = document.querySelector("#face-cue .cue-sign-" + cue);
    return {
      cue: cue,
      scrollWidth: document.documentElement.scrollWidth,
      offScreen: parts.filter((part) => !onScreen(document.querySelector(part))),
      videoShape: video.videoWidth / video.videoHeight,
      boxShape: camera.width / camera.height,
      cueFontPx: parseFloat(getComputedStyle(document.querySelector("#face-cue .cue-text")).fontSize),
      signPx: sign ? sign.getBoundingClientRect().height : 0,
    };
  };
  if (cueShown()) return resolve(measure());
  const watch = new MutationObserver(() => {
    if (!cueShown()) return;
    watch.disconnect();
    resolve(measure());
  });
  watch.observe(status, { attributes: true, attributeFilter: ["data-state", "data-cue"] });
  window.setTimeout(() => { watch.disconnect(); resolve(measure()); }, 15000);
})"""


def screenshot_during_a_cue(page, status, path, *, tries: int = 3):
    """Save what the screen shows while a cue is on it (the same cue before and after
    the picture is taken; else at the next cue)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(tries):
        expect(status).not_to_have_attribute("data-cue", "neutral", timeout=15_000)
        cue = status.get_attribute("data-cue")
        page.screenshot(path=path)
        if cue != "neutral" and status.get_attribute("data-cue") == cue:
            return
    pytest.fail(f"no screenshot of the face page during a cue in {tries} cues")


@pytest.fixture
def shopper_with_order(transactional_db):
    return enrolled_shopper_with_order()


def answer_every_cue_and_pay(
    page, status, order, screenshot, record_property, *, at_first_cue=None
):
    """Watch the shopper answer the cues until the order is paid; the attempt, and
    the cues the camera saw on the page. `at_first_cue(page)` checks the page while
    the first cue is shown."""
    # When the page shows "approved", in ms since the face page started loading.
    page.evaluate(APPROVED_AT_SCRIPT)
    expect(status).to_have_attribute("data-state", "challenge", timeout=20_000)
    cue = status.get_attribute("data-cue")
    assert cue in liveness.ACTIONS
    # The cue, large over the video, and which move of the three it is.
    overlay = page.locator("#face-cue")
    expect(overlay).to_be_visible()
    expect(overlay).to_have_attribute("data-cue", cue)
    expect(page.locator("#face-step")).to_have_text(re.compile(r"^Move [1-3] of 3$"))
    if at_first_cue:
        at_first_cue(page)
    screenshot(page, "challenge")
    expect(status).to_have_attribute("data-state", "approved", timeout=30_000)
    # Before the page leaves for the order (1.2 s after the verdict).
    seen = cues_seen(page)
    seconds = page.evaluate("window.approvedAt") / 1000
    record_property("face_step_seconds", round(seconds, 2))
    print(f"\nface step, face page opened to approved: {seconds:.2f} s")
    screenshot(page, "approved")
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"), timeout=10_000)
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    # Plain words for the shopper; the check's numbers are the merchant's.
    expect(page.get_by_test_id("payment-paid")).to_have_text(
        re.compile(r"^Paid ¥\S+ from your wallet on .+, with your face\.$")
    )
    expect(page.get_by_test_id("face-evidence")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("distance")
    screenshot(page, "paid")
    attempt = attempt_of(order)
    print(check_summary(attempt))
    return attempt, seen


def assert_answered_every_cue(attempt, seen):
    """The check approved a live, matching face that answered its three cues."""
    assert attempt.status == "approved" and attempt.reason == "matched_and_live"
    cues = attempt.tracker["cues"]
    assert len(cues) == liveness.CUES_PER_CHECK
    # The page showed the server's cues, in order: the last run of them answered.
    assert seen[-len(cues) :] == cues, seen
    answers = attempt.liveness["answers"]
    assert [answer["cue"] for answer in answers] == cues
    for answer in answers:
        assert answer["reaction_s"] >= liveness.MIN_ONSET_SECONDS, answer
        assert answer["answered_s"] <= liveness.CUE_WINDOW_SECONDS, answer
        # The neutral start, at least one frame on the way, the move.
        assert answer["frames"] >= 3, answer
    # The neutral face at the first cue and every answer were encoded and matched.
    distances = attempt.liveness["distances"]
    assert len(distances) >= 1 + len(cues)
    assert max(distances) <= settings.FACEAUTH_TOLERANCE


@pytest.mark.camera("genuine", person="obama")
def test_enrolled_shopper_answers_every_cue_and_the_order_is_paid(
    live_worker, shopper_with_order, page, screenshot, record_property
):
    user, order = shopper_with_order
    status = pay_with_face(page, order)
    attempt, seen = answer_every_cue_and_pay(
        page, status, order, screenshot, record_property
    )
    assert_answered_every_cue(attempt, seen)

    payment = assert_paid_once(user, order)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert payment.evidence["attempt"] == str(attempt.public_id)
    assert payment.evidence["answered_on_cue"] is True
    assert payment.evidence["cues"] == attempt.tracker["cues"]
    assert "Task faceauth.tasks.verify_frame[" in live_worker.log_text()


@pytest.mark.camera("genuine", person="obama", seed=2)
@pytest.mark.parametrize(
    ("width", "camera"), [(360, "portrait"), (390, "landscape")], ids=["360", "390"]
)
def test_a_shopper_pays_by_face_on_a_phone(
    live_worker,
    shopper_with_order,
    new_page,
    screenshot,
    record_property,
    width,
    camera,
):
    user, order = shopper_with_order
    phone = PHONES[width]
    page = new_page(**phone, **PHONE_OPTIONS)
    if camera == "portrait":
        page.context.add_init_script(PORTRAIT_CAMERA)
    status = pay_with_face(page, order)

    def seen_whole_on_the_screen(page):
        # Read at one moment, while a cue is shown (it lasts about a second).
        shown = page.evaluate(PHONE_LAYOUT_SCRIPT)
        path = ARTIFACTS / f"phone-face-cue-{width}.png"
        screenshot_during_a_cue(page, status, path)
        # Nothing is wider than the phone, and the camera, the cue over it, the
        # status and the move counter are on the screen, not below the fold.
        # (Against the phone's width, not window.innerWidth: a phone's browser
        # widens its layout viewport to fit a page that is too wide.)
        assert shown["scrollWidth"] <= width, "the face page scrolls sideways"
        assert shown["cue"] != "neutral", shown
        assert shown["offScreen"] == [], shown
        # The camera's box has the picture's shape: nothing of it is cropped.
        assert (shown["videoShape"] < 1) == (camera == "portrait"), shown
        assert shown["boxShape"] == pytest.approx(shown["videoShape"], rel=0.02)
        # The cue, large: its words at least 22 px, its sign at least 48 px.
        assert shown["cueFontPx"] >= 22, shown
        assert shown["signPx"] >= 48, shown

    attempt, seen = answer_every_cue_and_pay(
        page,
        status,
        order,
        screenshot,
        record_property,
        at_first_cue=seen_whole_on_the_screen,
    )
    assert_answered_every_cue(attempt, seen)
    assert_paid_once(user, order)


@pytest.mark.clip("two-people")
def test_two_people_in_the_frame_are_never_approved(
    live_worker, shopper_with_order, page, screenshot
):
    user, order = shopper_with_order
    status = pay_with_face(page, order, screenshot)
    expect(status).to_contain_text("More than one face", timeout=20_000)
    screenshot(page, "two-faces")
    expect(status).to_have_attribute("data-state", FINAL_STATES, timeout=40_000)
    # Frames with two faces are not seen: the check cannot go on, and expires.
    assert status.get_attribute("data-state") == "expired"
    expect(status).to_contain_text("More than one face was in the picture")
    attempt = attempt_of(order)
    assert attempt.status == "expired"
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


# No face: the check goes on (it cannot decide) until the shopper signs out.
@pytest.mark.clip("no-face")
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
