"""The face payment pages through the test client: consent, enrolment (upload and
webcam), the live frame check, forgetting, and one shopper never reaching another."""

import html
import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import throttle
from faceauth import engine, views
from faceauth.crypto import MISSING_KEYS_MESSAGE
from faceauth.models import FaceConsent, FaceTemplate
from faceauth.tasks import enrol_face
from faceauth.views import PASSWORD_CONFIRMED_KEY
from shop.tests.helpers import messages_of

from .factories import (
    BIDEN,
    DOGS,
    JUNK,
    OBAMA,
    OBAMA_PORTRAIT,
    TWO_PEOPLE,
    FaceConsentFactory,
    ciphertexts_of,
    face_bytes,
    face_enrol,
    frame_jpeg,
    gif_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enrol_worker")]

SETTINGS_URL = "/face/"
CONSENT_URL = "/face/consent/"
ENROL_URL = "/face/enrol/"
CHECK_URL = "/face/enrol/check/"
FORGET_URL = "/face/forget/"
ALL_URLS = [SETTINGS_URL, CONSENT_URL, ENROL_URL, CHECK_URL, FORGET_URL]
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Throttle counters of this test only, under a key prefix of its own.

    Flushing the test Redis instead would also empty the Celery queue and channel
    layer that a concurrent browser-test run keeps in the same database.
    """
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }


@pytest.fixture
def frozen_throttle_clock(monkeypatch):
    """Keep every request in one throttle window, however long the test takes."""
    monkeypatch.setattr(throttle, "clock", lambda: 1.8e9)


@pytest.fixture
def shopper_client(client, shopper):
    """The shopper, signed in, who has just confirmed their password (enrolment
    needs it: see the tests of the confirmation below)."""
    client.force_login(shopper)
    session = client.session
    session[PASSWORD_CONFIRMED_KEY] = time.time()
    session.save()
    return client


# "Confirm it's you" before enrolling -----------------------------------------------


@pytest.fixture
def signed_in_client(client, shopper):
    """The shopper, signed in, without a recent password confirmation."""
    client.force_login(shopper)
    return client


def test_enrol_page_asks_for_the_password_first(signed_in_client, consented):
    response = signed_in_client.get("/face/enrol/?next=/orders/")

    assert response.status_code == 302
    assert response.url == (
        "/face/confirm-password/?next=%2Fface%2Fenrol%2F%3Fnext%3D%252Forders%252F"
    )


def test_enrol_post_without_the_password_stores_nothing(
    signed_in_client, consented, shopper
):
    response = signed_in_client.post(
        "/face/enrol/",
        {"photo": [_photo(OBAMA)]},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 403
    assert "Confirm your password" in response.json()["message"]
    assert not FaceTemplate.objects.filter(user=shopper).exists()


def test_wrong_password_does_not_open_enrolment(signed_in_client, consented):
    response = signed_in_client.post(
        "/face/confirm-password/", {"password": "not-mine", "next": "/face/enrol/"}
    )

    assert response.status_code == 200
    assert "That password is not right." in response.content.decode()
    assert PASSWORD_CONFIRMED_KEY not in signed_in_client.session
    assert signed_in_client.get("/face/enrol/").status_code == 302


def test_right_password_opens_enrolment_for_ten_minutes(
    signed_in_client, consented, password, monkeypatch
):
    response = signed_in_client.post(
        "/face/confirm-password/", {"password": password, "next": "/face/enrol/"}
    )

    assert response.status_code == 302 and response.url == "/face/enrol/"
    assert signed_in_client.get("/face/enrol/").status_code == 200
    later = time.time() + 10 * 60 + 1
    monkeypatch.setattr(views.time, "time", lambda: later)
    assert signed_in_client.get("/face/enrol/").status_code == 302


def test_five_wrong_passwords_lock_the_confirmation_like_a_login(
    signed_in_client, consented, password
):
    for _ in range(5):
        signed_in_client.post("/face/confirm-password/", {"password": "guess"})

    response = signed_in_client.post("/face/confirm-password/", {"password": password})

    assert response.status_code == 200
    assert "Too many sign-in attempts" in response.content.decode()
    assert PASSWORD_CONFIRMED_KEY not in signed_in_client.session


def test_confirm_password_never_sends_to_another_site(
    signed_in_client, consented, password
):
    response = signed_in_client.post(
        "/face/confirm-password/",
        {"password": password, "next": "https://evil.example/"},
    )

    assert response.url == "/face/enrol/"


@pytest.fixture
def consented(shopper):
    return FaceConsentFactory(user=shopper)


def _text(response) -> str:
    """The page's text with tags kept but whitespace runs collapsed."""
    return " ".join(html.unescape(response.content.decode()).split())


def _upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _photo(name):
    return _upload(name.rsplit("/", 1)[-1], face_bytes(name))


def _frame(name):
    return _upload("frame.jpg", frame_jpeg(name))


def _location(response):
    """A redirect's path and its query as a dict of single values."""
    url = urlsplit(response["Location"])
    return url.path, {key: values[0] for key, values in parse_qs(url.query).items()}


def _check(client, body, content_type="image/jpeg", *, language="en"):
    return client.post(
        CHECK_URL, data=body, content_type=content_type, HTTP_ACCEPT_LANGUAGE=language
    )


# --- login ---------------------------------------------------------------------------


def test_the_urls_are_the_named_routes():
    names = ["settings", "consent", "enrol", "enrol_check", "forget"]
    assert [reverse(f"faceauth:{name}") for name in names] == ALL_URLS


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("url", ALL_URLS)
def test_anonymous_visitor_is_sent_to_log_in(client, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    path, query = _location(response)
    assert path == reverse("login")
    assert query == {"next": url}
    assert not FaceConsent.objects.exists()


# --- the settings page ---------------------------------------------------------------


def test_settings_page_offers_set_up_when_not_enrolled(shopper_client):
    response = shopper_client.get(SETTINGS_URL)
    assert response.status_code == 200
    page = _text(response)
    assert 'data-enrolled="false"' in page
    assert "Not set up" in page
    assert f'href="{CONSENT_URL}"' in page


def test_settings_page_shows_an_enrolment_without_any_image(
    shopper_client, shopper, settings
):
    settings.FACEAUTH_RETENTION_DAYS = 45
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    page = _text(shopper_client.get(SETTINGS_URL))
    assert 'data-enrolled="true"' in page
    assert ">Set up</span>" in page
    assert "We keep 2 encrypted face templates" in page
    assert "No photo of you is stored" in page
    assert "unused for 45 days are deleted" in page
    assert "Forget my face" in page


def test_settings_page_shows_only_the_visitors_own_enrolment(
    shopper_client, other_shopper
):
    face_enrol(other_shopper, BIDEN)
    page = _text(shopper_client.get(SETTINGS_URL))
    assert 'data-enrolled="false"' in page
    assert "encrypted face template" not in page


# --- consent -------------------------------------------------------------------------


def test_consent_page_says_what_is_stored_why_how_long_and_how_to_delete(
    shopper_client, settings
):
    settings.FACEAUTH_RETENTION_DAYS = 30
    response = shopper_client.get(CONSENT_URL)
    assert response.status_code == 200
    page = _text(response)
    # What, and that pictures are not kept.
    assert "What we store" in page
    assert "face templates" in page
    assert "128 numbers" in page
    assert "encrypted" in page
    assert "We never keep the pictures themselves" in page
    # Why, and nothing else.
    assert "Why" in page
    assert "Only to confirm payments you make on SmilePay" in page
    assert "never shared, sold, or used for anything else" in page
    # How long.
    assert "For how long" in page
    assert "Until you delete them, or automatically after 30 days without use" in page
    # How to delete.
    assert "How to delete them" in page
    assert "“Forget my face” deletes every template at once" in page
    assert f'href="{SETTINGS_URL}"' in page
    # The password stays.
    assert "You can always pay with your password" in page
    assert "Every order can still be confirmed with your password" in page
    assert 'name="agree"' in page


def test_consent_without_ticking_agree_shows_an_error_and_records_nothing(
    shopper_client,
):
    response = shopper_client.post(CONSENT_URL, {})
    assert response.status_code == 200
    assert "Tick the box to agree, or go back." in _text(response)
    assert not FaceConsent.objects.exists()


def test_consent_agreed_is_recorded_and_leads_to_enrolment(shopper_client, shopper):
    response = shopper_client.post(CONSENT_URL, {"agree": "on"})
    assert response.status_code == 302
    assert response["Location"] == ENROL_URL
    (consent,) = FaceConsent.objects.all()
    assert consent.user == shopper
    assert consent.is_active
    assert consent.ip_address == "127.0.0.1"
    assert consent.text_version == FaceConsent.CURRENT_VERSION


@pytest.mark.parametrize(
    "next_url", ["/checkout/review/", "/checkout/?step=review&order=12#pay"]
)
def test_consent_keeps_a_next_url_of_this_site(shopper_client, next_url):
    response = shopper_client.post(CONSENT_URL, {"agree": "on", "next": next_url})
    path, query = _location(response)
    assert path == ENROL_URL
    assert query == {"next": next_url}
    # ... and the enrolment page carries it on.
    enrol = shopper_client.get(response["Location"])
    assert f'name="next" value="{html.escape(next_url)}"' in enrol.content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)"],
)
def test_consent_drops_a_next_url_of_another_site(shopper_client, next_url):
    response = shopper_client.post(CONSENT_URL, {"agree": "on", "next": next_url})
    assert response["Location"] == ENROL_URL
    assert FaceConsent.objects.count() == 1


def test_consent_given_twice_keeps_one_record(shopper_client, consented):
    page = _text(shopper_client.get(CONSENT_URL))
    assert "You have already agreed" in page
    assert 'name="agree"' not in page
    response = shopper_client.post(CONSENT_URL, {"agree": "on"})
    assert response.status_code == 302
    assert list(FaceConsent.objects.all()) == [consented]


# --- enrolment: the page and uploads -------------------------------------------------


def test_enrol_page_without_consent_redirects_to_consent(shopper_client):
    response = shopper_client.get(ENROL_URL, {"next": "/checkout/review/"})
    assert response.status_code == 302
    assert _location(response) == (CONSENT_URL, {"next": "/checkout/review/"})
    response = shopper_client.post(ENROL_URL, {"photo": _photo(OBAMA)})
    assert _location(response) == (CONSENT_URL, {})
    assert not FaceTemplate.objects.exists()


def test_enrol_page_offers_the_webcam_and_an_upload(shopper_client, consented):
    response = shopper_client.get(ENROL_URL)
    assert response.status_code == 200
    page = _text(response)
    assert f'data-check-url="{CHECK_URL}"' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="photo"' in page
    assert "multiple" in page


def test_uploading_a_photo_enrols_and_leads_to_the_settings_page(
    shopper_client, shopper, consented
):
    response = shopper_client.post(ENROL_URL, {"photo": _photo(OBAMA)})
    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL

    (template,) = FaceTemplate.objects.all()
    assert template.user == shopper
    assert template.consent == consented
    assert template.source == FaceTemplate.Source.UPLOAD

    page = shopper_client.get(SETTINGS_URL)
    assert "Face payment is set up. You can now pay with a smile." in messages_of(page)
    text = _text(page)
    assert 'data-enrolled="true"' in text
    assert ">Set up</span>" in text


def test_uploading_several_photos_enrols_each(shopper_client, shopper, consented):
    response = shopper_client.post(
        ENROL_URL, {"photo": [_photo(OBAMA), _frame(OBAMA_PORTRAIT)]}
    )
    assert response.status_code == 302
    assert FaceTemplate.objects.filter(user=shopper).count() == 2


def test_uploading_a_photo_goes_on_to_a_safe_next_url(shopper_client, consented):
    response = shopper_client.post(
        ENROL_URL, {"photo": _photo(OBAMA), "next": "/checkout/review/"}
    )
    assert response["Location"] == "/checkout/review/"


def _assert_refused(response, message):
    assert response.status_code == 200
    assert message in _text(response)
    assert not FaceTemplate.objects.exists()


def test_uploading_a_photo_of_two_people_is_refused(shopper_client, consented):
    response = shopper_client.post(ENROL_URL, {"photo": _photo(TWO_PEOPLE)})
    _assert_refused(
        response, "Picture 1: More than one face is visible: only yours should be."
    )


def test_uploading_a_photo_without_a_face_is_refused(shopper_client, consented):
    response = shopper_client.post(ENROL_URL, {"photo": _photo(DOGS)})
    _assert_refused(response, "Picture 1: No face was found.")


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("face.gif", gif_bytes(), "image/gif"),
        ("face.jpg", JUNK, "image/jpeg"),
        ("face.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    ],
    ids=["gif", "random-bytes", "svg"],
)
def test_uploading_a_file_that_is_not_a_photo_is_refused(
    shopper_client, consented, name, data, content_type
):
    response = shopper_client.post(
        ENROL_URL, {"photo": _upload(name, data, content_type)}
    )
    _assert_refused(response, "Use a JPEG, PNG or WebP image.")


def test_uploading_an_over_size_file_is_refused(shopper_client, consented):
    data = b"\xff" * (engine.PHOTO_MAX_BYTES + 1)
    response = shopper_client.post(ENROL_URL, {"photo": _upload("huge.jpg", data)})
    _assert_refused(response, "huge.jpg is larger than 10 MB.")


def test_uploading_nothing_asks_for_a_photo(shopper_client, consented):
    response = shopper_client.post(ENROL_URL, {})
    _assert_refused(response, "Choose a photo of your face.")


def test_uploading_six_photos_is_refused(shopper_client, consented):
    photos = [_upload(f"{n}.jpg", JUNK) for n in range(6)]
    response = shopper_client.post(ENROL_URL, {"photo": photos})
    _assert_refused(response, "Send at most 5 pictures.")


def test_a_refused_re_enrolment_keeps_the_earlier_templates(shopper_client, shopper):
    face_enrol(shopper, OBAMA)
    before = ciphertexts_of(shopper)
    response = shopper_client.post(
        ENROL_URL, {"photo": [_frame(OBAMA_PORTRAIT), _photo(TWO_PEOPLE)]}
    )
    assert response.status_code == 200
    assert "Picture 2: More than one face is visible" in _text(response)
    assert ciphertexts_of(shopper) == before


def test_enrolment_without_keys_says_so_and_stores_nothing(
    shopper_client, consented, settings
):
    settings.FACEAUTH_KEYS = []
    response = shopper_client.post(ENROL_URL, {"photo": _photo(OBAMA)})
    _assert_refused(response, MISSING_KEYS_MESSAGE)

    response = shopper_client.post(ENROL_URL, {"frames": [_frame(OBAMA)]}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "message": MISSING_KEYS_MESSAGE}
    assert not FaceTemplate.objects.exists()


def test_settings_page_still_opens_without_keys(shopper_client, shopper, settings):
    face_enrol(shopper, OBAMA)
    settings.FACEAUTH_KEYS = []
    response = shopper_client.get(SETTINGS_URL)
    assert response.status_code == 200
    assert 'data-enrolled="true"' in _text(response)


def test_enrolments_are_rate_limited(
    shopper_client, consented, monkeypatch, frozen_throttle_clock
):
    monkeypatch.setattr(views, "ENROLMENTS_PER_HOUR", 2)
    for _ in range(2):
        response = shopper_client.post(ENROL_URL, {"photo": _upload("a.jpg", JUNK)})
        assert "Use a JPEG, PNG or WebP image." in _text(response)
    response = shopper_client.post(ENROL_URL, {"photo": _photo(OBAMA)})
    _assert_refused(response, "Too many enrolments in the last hour.")


# --- enrolment: the webcam page's JSON -----------------------------------------------


def test_webcam_frames_enrol_and_answer_with_json(shopper_client, shopper, consented):
    response = shopper_client.post(
        ENROL_URL, {"frames": [_frame(OBAMA), _frame(OBAMA_PORTRAIT)]}, **JSON
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True, "redirect": SETTINGS_URL}
    templates = FaceTemplate.objects.filter(user=shopper)
    assert templates.count() == 2
    assert set(templates.values_list("source", flat=True)) == {"webcam"}
    # The success message waits for the page the browser goes to.
    assert "Face payment is set up. You can now pay with a smile." in messages_of(
        shopper_client.get(SETTINGS_URL)
    )


def test_webcam_frames_redirect_to_a_safe_next_url(shopper_client, consented):
    response = shopper_client.post(
        f"{ENROL_URL}?next=/checkout/review/", {"frames": [_frame(OBAMA)]}, **JSON
    )
    assert response.json() == {"ok": True, "redirect": "/checkout/review/"}


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([DOGS], "Picture 1: No face was found."),
        ([OBAMA, TWO_PEOPLE], "Picture 2: More than one face is visible"),
        ([None], "Picture 1: Use a JPEG, PNG or WebP image."),
        ([], "Choose a photo of your face."),
    ],
    ids=["no-face", "two-people", "junk", "none"],
)
def test_a_bad_webcam_frame_answers_400_json(
    shopper_client, consented, frames, message
):
    files = [
        _upload("f.jpg", JUNK) if name is None else _frame(name) for name in frames
    ]
    response = shopper_client.post(ENROL_URL, {"frames": files}, **JSON)
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert body["message"].startswith(message)
    assert not FaceTemplate.objects.exists()


def test_webcam_enrolment_without_consent_does_not_enrol(shopper_client):
    response = shopper_client.post(ENROL_URL, {"frames": [_frame(OBAMA)]}, **JSON)
    assert response.status_code == 403
    assert response.json() == {
        "ok": False,
        "message": "Agree to face payment before enrolling your face.",
    }
    assert not FaceTemplate.objects.exists()


# --- the live frame check ------------------------------------------------------------


def test_check_finds_one_face_in_a_webcam_frame(shopper_client, consented):
    response = _check(shopper_client, frame_jpeg(OBAMA))
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    box = body["box"]
    assert set(box) == {"top", "right", "bottom", "left"}
    assert 0 <= box["left"] < box["right"] <= 640
    assert 0 <= box["top"] < box["bottom"] <= 360
    assert not FaceTemplate.objects.exists()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (lambda: frame_jpeg(DOGS), "no_face"),
        (lambda: b"", "empty"),
        (lambda: JUNK, "unsupported_format"),
        (lambda: gif_bytes(), "unsupported_format"),
        (lambda: frame_jpeg(TWO_PEOPLE), "several_faces"),
        (lambda: b"\xff" * (engine.FRAME_MAX_BYTES + 1), "too_large"),
    ],
    ids=["dogs", "empty", "junk", "gif", "two-people", "too-large"],
)
def test_check_says_why_a_frame_will_not_do(shopper_client, consented, body, reason):
    response = _check(shopper_client, body())
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is False
    assert answer["reason"] == reason
    assert answer["message"] == engine.REASON_MESSAGES[engine.Reason(reason)]
    assert "box" not in answer


def test_check_stores_nothing(shopper_client, shopper, consented):
    for body in (frame_jpeg(OBAMA), frame_jpeg(TWO_PEOPLE), b""):
        _check(shopper_client, body)
    assert not FaceTemplate.objects.exists()
    assert list(FaceConsent.objects.all()) == [consented]


def test_check_only_accepts_post(shopper_client, consented):
    assert shopper_client.get(CHECK_URL).status_code == 405


def test_check_is_rate_limited_per_shopper(
    shopper_client, consented, other_shopper, monkeypatch, frozen_throttle_clock
):
    monkeypatch.setattr(views, "CHECKS_PER_MINUTE", 3)
    for _ in range(3):
        assert _check(shopper_client, b"").json()["reason"] == "empty"

    response = _check(shopper_client, frame_jpeg(OBAMA))
    assert response.status_code == 429
    assert response.json() == {
        "ok": False,
        "reason": "rate_limited",
        "message": "Slow down.",
    }

    other = Client()
    other.force_login(other_shopper)
    FaceConsentFactory(user=other_shopper)
    session = other.session
    session[PASSWORD_CONFIRMED_KEY] = time.time()
    session.save()
    assert _check(other, b"").json()["reason"] == "empty"


# --- forgetting ----------------------------------------------------------------------


def test_forget_my_face_deletes_every_template_and_keeps_the_consent_record(
    shopper_client, shopper
):
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    response = shopper_client.post(FORGET_URL)
    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    assert not FaceTemplate.objects.filter(user=shopper).exists()
    (consent,) = FaceConsent.objects.filter(user=shopper)
    assert consent.withdrawn_at is not None
    assert consent.biometrics_deleted_at is not None

    page = shopper_client.get(SETTINGS_URL)
    assert (
        "Your face templates were deleted. Pay with your password, or set up face "
        "payment again at any time." in messages_of(page)
    )
    assert 'data-enrolled="false"' in _text(page)


def test_forget_my_face_only_deletes_the_visitors_templates(
    shopper_client, shopper, other_shopper
):
    face_enrol(shopper, OBAMA)
    face_enrol(other_shopper, BIDEN)
    theirs = ciphertexts_of(other_shopper)

    shopper_client.post(FORGET_URL)

    assert not FaceTemplate.objects.filter(user=shopper).exists()
    assert ciphertexts_of(other_shopper) == theirs
    assert FaceConsent.objects.get(user=other_shopper).is_active


def test_forget_my_face_when_nothing_is_stored_says_so(shopper_client, shopper):
    response = shopper_client.post(FORGET_URL, follow=True)
    assert response.status_code == 200
    assert "There was no face data to delete." in messages_of(response)


def test_forget_my_face_is_not_done_by_a_get(shopper_client, shopper):
    face_enrol(shopper, OBAMA)
    assert shopper_client.get(FORGET_URL).status_code == 405
    assert FaceTemplate.objects.filter(user=shopper).count() == 1
    assert FaceConsent.objects.get(user=shopper).is_active


def test_enrolling_does_not_touch_another_shoppers_templates(
    shopper_client, other_shopper, consented
):
    face_enrol(other_shopper, BIDEN)
    theirs = ciphertexts_of(other_shopper)
    response = shopper_client.post(ENROL_URL, {"photo": _photo(OBAMA)})
    assert response.status_code == 302
    assert ciphertexts_of(other_shopper) == theirs


def test_json_success_body_is_valid_json_for_the_webcam_script(
    shopper_client, consented
):
    response = shopper_client.post(ENROL_URL, {"frames": [_frame(OBAMA)]}, **JSON)
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["ok"] is True


# --- the face work runs in a Celery task ---------------------------------------------


def test_enrolment_hands_the_task_a_job_id_and_never_the_pictures(
    shopper_client, shopper, consented, enrol_worker
):
    response = shopper_client.post(ENROL_URL, {"photo": _photo(OBAMA)})
    _check(shopper_client, frame_jpeg(OBAMA))

    assert response.status_code == 302
    assert [sent["task"] for sent in enrol_worker] == [
        "faceauth.tasks.enrol_face",
        "faceauth.tasks.enrol_frame_check",
    ]
    enrol, check = enrol_worker
    assert enrol["kwargs"] == {
        "user_id": shopper.pk,
        "source": "upload",
        "language": "en",
    }
    assert check["kwargs"] == {"language": "en"}
    for sent in enrol_worker:
        (job_id,) = sent["args"]
        assert isinstance(job_id, str) and len(job_id) < 40


def test_the_worker_answers_in_the_shoppers_language(shopper_client, consented):
    response = shopper_client.post(
        ENROL_URL, {"photo": _photo(DOGS)}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    _assert_refused(response, "Photo 1 : Aucun visage détecté.")

    answer = _check(shopper_client, frame_jpeg(DOGS), language="fr").json()
    assert answer["message"] == "Aucun visage détecté."


def test_checking_frames_needs_consent_and_a_recent_password(
    client, shopper, enrol_worker
):
    client.force_login(shopper)
    response = _check(client, frame_jpeg(OBAMA))
    assert response.status_code == 403
    assert response.json()["message"] == (
        "Agree to face payment before enrolling your face."
    )

    FaceConsentFactory(user=shopper)
    response = _check(client, frame_jpeg(OBAMA))
    assert response.status_code == 403
    assert response.json()["message"] == "Confirm your password first, then try again."
    assert enrol_worker == []  # no face work was done for either


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_with_no_worker_enrolment_says_busy_and_the_late_task_stores_nothing(
    shopper_client, shopper, consented, no_enrol_worker, as_json
):
    face_enrol(shopper, BIDEN)
    before = ciphertexts_of(shopper)
    headers = JSON if as_json else {}
    response = shopper_client.post(ENROL_URL, {"photo": _photo(OBAMA)}, **headers)

    busy = "Face checks are busy right now. Try again in a moment."
    if as_json:
        assert response.status_code == 503
        assert response.json() == {"ok": False, "message": busy}
    else:
        assert response.status_code == 200
        assert busy in _text(response)
    # The worker comes back after the page gave up: the pictures are gone with
    # their time, so the answer the shopper saw stays true.
    (job_id,) = no_enrol_worker
    enrol_face(job_id, user_id=shopper.pk, source="upload", language="en")
    assert ciphertexts_of(shopper) == before


def test_with_no_worker_the_frame_check_says_busy(
    shopper_client, consented, no_enrol_worker
):
    response = _check(shopper_client, frame_jpeg(OBAMA))
    assert response.status_code == 503
    assert response.json()["reason"] == "busy"
    assert len(no_enrol_worker) == 1


def test_an_empty_or_over_size_frame_is_refused_without_a_task(
    shopper_client, consented, enrol_worker
):
    for body, reason in [(b"", "empty"), (b"\xff" * 300_000, "too_large")]:
        assert _check(shopper_client, body).json()["reason"] == reason
    assert enrol_worker == []


def test_with_redis_down_enrolment_says_busy_and_stores_nothing(
    shopper_client, consented, settings, monkeypatch
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = shopper_client.post(ENROL_URL, {"frames": [_frame(OBAMA)]}, **JSON)
    assert response.status_code == 503
    assert response.json()["message"].startswith("Face checks are busy")
    assert _check(shopper_client, frame_jpeg(OBAMA)).status_code == 503
    assert not FaceTemplate.objects.exists()


def test_a_failing_worker_answers_503_and_stores_nothing(
    shopper_client, consented, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(FaceTemplate.objects, "bulk_create", broken)
    response = shopper_client.post(ENROL_URL, {"frames": [_frame(OBAMA)]}, **JSON)
    assert response.status_code == 503
    assert response.json() == {
        "ok": False,
        "message": "Something went wrong. Try again.",
    }
    assert not FaceTemplate.objects.exists()


def test_consent_withdrawn_while_the_worker_encodes_leads_back_to_consent(
    shopper_client, shopper, consented, monkeypatch
):
    from faceauth.services import enrolment

    real_encoding = enrolment._enrolment_encoding

    def withdrawn_meanwhile(*args, **kwargs):
        FaceConsent.objects.filter(pk=consented.pk).update(withdrawn_at=timezone.now())
        return real_encoding(*args, **kwargs)

    monkeypatch.setattr(enrolment, "_enrolment_encoding", withdrawn_meanwhile)
    response = shopper_client.post(ENROL_URL, {"photo": _photo(OBAMA)})
    assert response.status_code == 302
    assert response["Location"] == CONSENT_URL
    assert not FaceTemplate.objects.exists()
