"""Consent, enrolment, matching and retention through the faceauth services."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from faceauth import selectors
from faceauth.exceptions import (
    ConsentRequired,
    EnrolmentRejected,
    FaceKeysMissing,
    NotEnrolled,
)
from faceauth.models import FaceConsent, FaceTemplate
from faceauth.services import (
    biometrics_purge,
    consent_give,
    consent_withdraw,
    enrolment,
    face_enroll,
    face_match,
)
from faceauth.tasks import purge_biometrics
from shop.tests.factories import UserFactory

from .factories import (
    BIDEN,
    DOGS,
    JUNK,
    OBAMA,
    OBAMA_PORTRAIT,
    OBAMA_SMALL,
    OBAMA_SPEAKING,
    TWO_PEOPLE,
    FaceConsentFactory,
    ciphertexts_of,
    face_bytes,
    face_enrol,
    probe_encoding,
)

pytestmark = pytest.mark.django_db

JOIN_TIMEOUT = 60


def _templates(user):
    return FaceTemplate.objects.filter(user=user)


# --- consent --------------------------------------------------------------------------


def test_consent_give_twice_keeps_one_active_record(shopper):
    first = consent_give(user=shopper, ip_address="203.0.113.5")
    second = consent_give(user=shopper, ip_address="198.51.100.7")
    assert second.pk == first.pk
    (consent,) = FaceConsent.objects.filter(user=shopper)
    assert consent.is_active
    assert consent.ip_address == "203.0.113.5"
    assert consent.text_version == FaceConsent.CURRENT_VERSION


def test_consent_give_returns_the_record_a_concurrent_request_just_made(
    shopper, monkeypatch
):
    made_by_the_other_tab = FaceConsentFactory(user=shopper)
    lookups = []

    def seen_before_the_other_tab_committed(user):
        lookups.append(user)
        if len(lookups) == 1:
            return None
        return selectors.consent_active_for(user)

    monkeypatch.setattr(
        enrolment, "consent_active_for", seen_before_the_other_tab_committed
    )
    consent = consent_give(user=shopper)
    assert consent.pk == made_by_the_other_tab.pk
    assert FaceConsent.objects.filter(user=shopper).count() == 1


def _consent_give_in_two_threads_at_once(user):
    """Two requests agreeing at the same moment; return their pks and errors."""
    barrier = threading.Barrier(2)
    pks, errors = [], []

    def agree():
        try:
            connection.ensure_connection()
            barrier.wait(timeout=JOIN_TIMEOUT)
            pks.append(consent_give(user=user).pk)
        except BaseException as error:  # reported to the test, which asserts on it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=agree, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return pks, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_consent_given_in_two_requests_at_once_keeps_one_record():
    user = UserFactory(username="twotabs")
    for _ in range(5):
        consent_withdraw(user=user)
        pks, errors = _consent_give_in_two_threads_at_once(user)
        assert errors == []
        assert len(pks) == 2 and pks[0] == pks[1]
        assert FaceConsent.objects.filter(user=user, withdrawn_at=None).count() == 1
    assert FaceConsent.objects.filter(user=user).count() == 5


def test_consent_withdraw_deletes_every_template_and_keeps_the_record(
    shopper, other_shopper
):
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT, OBAMA_SPEAKING)
    face_enrol(other_shopper, BIDEN)

    assert consent_withdraw(user=shopper) == 3

    assert not _templates(shopper).exists()
    (consent,) = FaceConsent.objects.filter(user=shopper)
    assert consent.withdrawn_at is not None
    assert consent.biometrics_deleted_at == consent.withdrawn_at
    assert not consent.is_active
    # Someone else's enrolment is not touched.
    assert _templates(other_shopper).count() == 1
    assert FaceConsent.objects.get(user=other_shopper).is_active


def test_consent_withdraw_then_enrol_needs_consent_again(shopper):
    face_enrol(shopper, OBAMA)
    consent_withdraw(user=shopper)
    with pytest.raises(ConsentRequired):
        face_enroll(user=shopper, images=[face_bytes(OBAMA)])
    assert not _templates(shopper).exists()

    new = consent_give(user=shopper)
    assert FaceConsent.objects.filter(user=shopper).count() == 2
    assert new.is_active


def test_consent_withdraw_without_consent_deletes_nothing(shopper):
    assert consent_withdraw(user=shopper) == 0
    assert not FaceConsent.objects.exists()


# --- enrolment ------------------------------------------------------------------------


def test_face_enroll_without_consent_raises_consent_required(shopper):
    with pytest.raises(ConsentRequired):
        face_enroll(user=shopper, images=[face_bytes(OBAMA)])
    assert not FaceTemplate.objects.exists()


@pytest.mark.parametrize("count", [0, 6])
def test_face_enroll_rejects_too_few_or_too_many_images(shopper, count):
    consent_give(user=shopper)
    with pytest.raises(EnrolmentRejected) as rejected:
        face_enroll(user=shopper, images=[face_bytes(OBAMA_SMALL)] * count)
    assert rejected.value.reason == "image_count"
    assert "between 1 and 5" in str(rejected.value)
    assert not FaceTemplate.objects.exists()


def test_face_enroll_stores_one_encrypted_template_per_image(shopper):
    templates = face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    assert len(templates) == 2
    stored = _templates(shopper)
    assert stored.count() == 2
    consent = FaceConsent.objects.get(user=shopper)
    for template in stored:
        assert template.consent == consent
        assert template.source == FaceTemplate.Source.UPLOAD
        assert template.last_used_at is None
    assert selectors.templates_of(shopper).shape == (2, 128)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (TWO_PEOPLE, "several_faces"),
        (DOGS, "no_face"),
        (None, "unsupported_format"),
    ],
)
def test_face_enroll_rejects_a_bad_image_and_keeps_the_previous_templates(
    shopper, bad, reason
):
    face_enrol(shopper, OBAMA)
    before = ciphertexts_of(shopper)

    bad_bytes = JUNK if bad is None else face_bytes(bad)
    with pytest.raises(EnrolmentRejected) as rejected:
        face_enroll(user=shopper, images=[face_bytes(OBAMA_PORTRAIT), bad_bytes])

    assert rejected.value.index == 1
    assert rejected.value.reason == reason
    assert str(rejected.value).startswith("Picture 2: ")
    assert ciphertexts_of(shopper) == before


def test_face_enroll_names_the_first_bad_image(shopper):
    consent_give(user=shopper)
    with pytest.raises(EnrolmentRejected) as rejected:
        face_enroll(user=shopper, images=[b"", face_bytes(OBAMA)])
    assert (rejected.value.index, rejected.value.reason) == (0, "empty")
    assert "Picture 1" in str(rejected.value)


def test_face_enroll_again_replaces_the_templates(shopper):
    face_enrol(shopper, OBAMA)
    old = ciphertexts_of(shopper)

    face_enrol(shopper, OBAMA_PORTRAIT, OBAMA_SPEAKING, source="webcam")

    new = ciphertexts_of(shopper)
    assert len(new) == 2
    assert not set(new) & set(old)
    assert set(_templates(shopper).values_list("source", flat=True)) == {"webcam"}
    assert FaceConsent.objects.filter(user=shopper).count() == 1


def test_face_enroll_accepts_a_36_mp_phone_photo(shopper, large_face_jpeg):
    consent_give(user=shopper)

    templates = face_enroll(user=shopper, images=[large_face_jpeg.read_bytes()])

    assert len(templates) == 1
    assert face_match(user=shopper, encoding=probe_encoding(OBAMA_PORTRAIT)).matched
    assert not face_match(user=shopper, encoding=probe_encoding(BIDEN)).matched


def test_face_enroll_without_keys_fails_before_storing(shopper, settings):
    face_enrol(shopper, OBAMA)
    before = ciphertexts_of(shopper)
    settings.FACEAUTH_KEYS = []
    with pytest.raises(FaceKeysMissing):
        face_enroll(user=shopper, images=[face_bytes(OBAMA_PORTRAIT)])
    assert ciphertexts_of(shopper) == before


# --- matching -------------------------------------------------------------------------


def test_face_match_accepts_another_photo_of_the_same_person(shopper):
    face_enrol(shopper, OBAMA)
    match = face_match(user=shopper, encoding=probe_encoding(OBAMA_PORTRAIT))
    assert match.matched
    assert match.tolerance == settings.FACEAUTH_TOLERANCE
    assert 0 <= match.distance <= match.tolerance


def test_face_match_refuses_someone_else(shopper):
    face_enrol(shopper, OBAMA)
    match = face_match(user=shopper, encoding=probe_encoding(BIDEN))
    assert not match.matched
    assert match.distance > match.tolerance


def test_face_match_follows_the_configured_tolerance(shopper, settings):
    face_enrol(shopper, OBAMA)
    settings.FACEAUTH_TOLERANCE = 0.0
    match = face_match(user=shopper, encoding=probe_encoding(OBAMA_PORTRAIT))
    assert match.tolerance == 0.0
    assert not match.matched


def test_face_match_notes_when_the_templates_were_last_used(shopper, other_shopper):
    face_enrol(shopper, OBAMA, OBAMA_SPEAKING)
    face_enrol(other_shopper, BIDEN)
    before = timezone.now()

    face_match(user=shopper, encoding=probe_encoding(OBAMA_PORTRAIT))

    used = list(_templates(shopper).values_list("last_used_at", flat=True))
    assert len(used) == 2
    assert all(moment is not None and moment >= before for moment in used)
    assert _templates(other_shopper).get().last_used_at is None


def test_face_match_without_templates_raises_not_enrolled(shopper):
    with pytest.raises(NotEnrolled):
        face_match(user=shopper, encoding=probe_encoding(OBAMA))
    consent_give(user=shopper)
    with pytest.raises(NotEnrolled):
        face_match(user=shopper, encoding=probe_encoding(OBAMA))


def test_face_match_uses_only_that_users_templates(shopper, other_shopper):
    face_enrol(shopper, OBAMA)
    face_enrol(other_shopper, BIDEN)
    biden = probe_encoding("people/biden/biden_standing.jpg")

    assert not face_match(user=shopper, encoding=biden).matched
    assert face_match(user=other_shopper, encoding=biden).matched
    assert not face_match(
        user=other_shopper, encoding=probe_encoding(OBAMA_PORTRAIT)
    ).matched


# --- retention ------------------------------------------------------------------------


@pytest.fixture
def retention(settings):
    settings.FACEAUTH_RETENTION_DAYS = 30
    return timedelta(days=30)


def _age(user, *, created, used=None):
    now = timezone.now()
    _templates(user).update(
        created_at=now - created, last_used_at=None if used is None else now - used
    )


def test_biometrics_purge_deletes_templates_unused_past_retention(
    shopper, other_shopper, retention
):
    never_used = UserFactory(username="carol")
    recent = UserFactory(username="dave")
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    for user in (other_shopper, never_used, recent):
        face_enrol(user, OBAMA)
    _age(shopper, created=timedelta(days=40), used=timedelta(days=31))
    _age(other_shopper, created=timedelta(days=400), used=timedelta(days=2))
    _age(never_used, created=timedelta(days=31))
    _age(recent, created=timedelta(days=29))
    now = timezone.now()

    assert biometrics_purge(now=now) == 3

    assert not _templates(shopper).exists()
    assert not _templates(never_used).exists()
    assert _templates(other_shopper).count() == 1
    assert _templates(recent).count() == 1
    for user in (shopper, never_used):
        consent = FaceConsent.objects.get(user=user)
        assert consent.biometrics_deleted_at == now
        assert consent.is_active  # the record stays; only the biometrics go
    for user in (other_shopper, recent):
        assert FaceConsent.objects.get(user=user).biometrics_deleted_at is None


def test_biometrics_purge_twice_changes_nothing_more(shopper, retention):
    face_enrol(shopper, OBAMA)
    _age(shopper, created=timedelta(days=90))
    first = timezone.now()
    assert biometrics_purge(now=first) == 1
    assert biometrics_purge(now=first + timedelta(hours=1)) == 0
    assert FaceConsent.objects.get(user=shopper).biometrics_deleted_at == first


def test_enrolling_again_after_a_purge_marks_the_consent_as_holding_biometrics(
    shopper, retention
):
    face_enrol(shopper, OBAMA)
    _age(shopper, created=timedelta(days=90))
    assert biometrics_purge() == 1

    face_enrol(shopper, OBAMA)
    assert FaceConsent.objects.get(user=shopper).biometrics_deleted_at is None

    _age(shopper, created=timedelta(days=90))
    later = timezone.now()
    assert biometrics_purge(now=later) == 1
    assert FaceConsent.objects.get(user=shopper).biometrics_deleted_at == later


def test_deleting_a_consent_record_takes_its_templates_with_it(shopper):
    face_enrol(shopper, OBAMA)

    FaceConsent.objects.filter(user=shopper).delete()  # as a user deletion cascades

    assert not FaceTemplate.objects.filter(user=shopper).exists()


def test_face_match_keeps_a_used_enrolment_from_being_purged(shopper, retention):
    face_enrol(shopper, OBAMA)
    _age(shopper, created=timedelta(days=90))
    face_match(user=shopper, encoding=probe_encoding(OBAMA_PORTRAIT))
    assert biometrics_purge() == 0
    assert _templates(shopper).exists()


def test_purge_biometrics_task_is_scheduled_daily():
    (entry,) = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "faceauth.tasks.purge_biometrics"
    ]
    schedule = entry["schedule"]
    seconds = getattr(schedule, "total_seconds", lambda: schedule)()
    assert seconds == 24 * 60 * 60
    assert purge_biometrics.name == entry["task"]


def test_purge_biometrics_task_deletes_stale_templates(
    shopper, other_shopper, retention
):
    face_enrol(shopper, OBAMA)
    face_enrol(other_shopper, BIDEN)
    _age(shopper, created=timedelta(days=60))

    assert purge_biometrics.apply().get() == 1

    assert not _templates(shopper).exists()
    assert _templates(other_shopper).exists()
    assert purge_biometrics() == 0
