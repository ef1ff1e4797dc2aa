"""Setting up face payment in Chromium, with a fake webcam playing a fixture photo."""

import re

import pytest
from playwright.sync_api import expect

from faceauth import engine
from faceauth.models import FaceConsent, FaceTemplate
from faceauth.services import face_match
from shop.tests.factories import PASSWORD, UserFactory

from .clips import FACES, clip_of
from .steps import log_in

# Enrolment encodes in a Celery task (faceauth/jobs.py): a worker must take it.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("live_worker")]


@pytest.fixture(scope="module")
def neutral_clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    return clip_of(
        folder / "obama-neutral.y4m", [("people/obama/obama_neutral.jpg", 2)]
    )


@pytest.fixture
def camera_clip(request, neutral_clip):
    marker = request.node.get_closest_marker("no_camera")
    return None if marker else neutral_clip


def confirm_password(page):
    expect(page).to_have_url(re.compile(r"/face/confirm-password/"))
    page.get_by_label("Your account password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/face/enrol/"))


def matches(user, photo: str) -> bool:
    image = engine.decode_image(
        (FACES / photo).read_bytes(),
        max_bytes=engine.PHOTO_MAX_BYTES,
        max_pixels=engine.PHOTO_MAX_PIXELS,
    )
    (box,) = engine.find_faces_in_photo(image)
    return face_match(user=user, encoding=engine.encode_face(image, box)).matched


def test_shopper_enrols_with_the_webcam_after_consenting(live_worker, page, screenshot):
    user = UserFactory(username="ada")
    page.goto("/face/")
    log_in(page, username="ada", password=PASSWORD)
    screenshot(page, "face-settings-not-set-up")
    page.get_by_role("link", name="Set up face payment").click()
    expect(page).to_have_url(re.compile(r"/face/consent/"))
    expect(page.get_by_text("You can always pay with your password")).to_be_visible()
    screenshot(page, "consent")
    page.get_by_role("button", name="I agree, set up face payment").click()
    # The box must be ticked: the browser refuses the form until it is.
    expect(page).to_have_url(re.compile(r"/face/consent/"))
    page.get_by_label(re.compile("I agree to SmilePay storing")).check()
    page.get_by_role("button", name="I agree, set up face payment").click()
    # A face that can pay needs the password again; a wrong one goes nowhere.
    expect(page).to_have_url(re.compile(r"/face/confirm-password/"))
    page.get_by_label("Your account password").fill("not-my-password")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That password is not right.")).to_be_visible()
    screenshot(page, "confirm-password-wrong")
    confirm_password(page)
    expect(page).to_have_url(re.compile(r"/face/enrol/"))
    status = page.get_by_test_id("enrol-status")
    expect(status).to_have_attribute("data-state", re.compile("looking|sending|done"))
    screenshot(page, "enrol-webcam")
    expect(page).to_have_url(re.compile(r"/face/$"), timeout=30_000)
    expect(page.get_by_text("Face payment is set up.")).to_be_visible()
    expect(page.get_by_test_id("face-enrolment")).to_have_attribute(
        "data-enrolled", "true"
    )
    screenshot(page, "enrolled")

    templates = FaceTemplate.objects.filter(user=user)
    assert templates.count() == 4
    assert set(templates.values_list("source", flat=True)) == {"webcam"}
    assert matches(user, "people/obama/obama_smiling_portrait.jpg")
    assert not matches(user, "people/biden/biden_smiling.jpg")
    # The frames were checked and encoded by the worker, not by the web process.
    log = live_worker.log_text()
    assert "Task faceauth.tasks.enrol_frame_check[" in log
    assert "Task faceauth.tasks.enrol_face[" in log


@pytest.mark.no_camera
def test_forget_my_face_deletes_the_templates_and_keeps_the_consent_record(
    page, screenshot
):
    user = UserFactory(username="ada")
    page.goto("/face/enrol/")
    log_in(page, username="ada", password=PASSWORD)
    page.get_by_label(re.compile("I agree to SmilePay storing")).check()
    page.get_by_role("button", name="I agree, set up face payment").click()
    confirm_password(page)
    page.get_by_label("Photo of your face").set_input_files(
        str(FACES / "people/obama/obama_neutral.jpg")
    )
    page.get_by_role("button", name="Upload and enrol").click()
    expect(page.get_by_text("Face payment is set up.")).to_be_visible(timeout=30_000)
    assert FaceTemplate.objects.filter(user=user, source="upload").count() == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Forget my face").click()
    expect(page.get_by_text("Your face templates were deleted.")).to_be_visible()
    screenshot(page, "forgotten")
    assert not FaceTemplate.objects.filter(user=user).exists()
    consent = FaceConsent.objects.get(user=user)
    assert consent.withdrawn_at is not None
    assert consent.biometrics_deleted_at is not None


@pytest.mark.no_camera
def test_enrol_page_says_when_there_is_no_camera_and_offers_the_upload(
    page, screenshot
):
    UserFactory(username="ada")
    page.goto("/face/enrol/")
    log_in(page, username="ada", password=PASSWORD)
    page.get_by_label(re.compile("I agree to SmilePay storing")).check()
    page.get_by_role("button", name="I agree, set up face payment").click()
    confirm_password(page)
    status = page.get_by_test_id("enrol-status")
    expect(status).to_have_attribute(
        "data-state", re.compile("no-camera|camera-blocked|error")
    )
    expect(status).to_contain_text("photo")
    expect(page.get_by_label("Photo of your face")).to_be_visible()
    screenshot(page, "no-camera")
