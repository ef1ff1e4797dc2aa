"""The words of a face check are written in the shopper's language, even by the
Celery worker, which has no request: the attempt remembers the language it was
started in, and the worker's hints and verdicts are composed under it.

The catalogues may not exist yet, so these tests assert the mechanism (which
language is active while the words are composed), not the French words.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from faceauth import messages
from faceauth.models import VerificationAttempt
from faceauth.services import attempts, checks
from faceauth.services.attempts import attempt_start
from faceauth.tasks import expire_attempts, verify_frame

from .factories import OBAMA, attempt_make, attempt_make_overdue, face_enrol, frame_jpeg
from .live import put_frame

pytestmark = pytest.mark.django_db

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason


@pytest.fixture
def enrolled(shopper):
    face_enrol(shopper, OBAMA)
    return shopper


def _recording(monkeypatch, module, name) -> list[str]:
    """Wrap `module.name` to note the active language each time it is called."""
    heard = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        heard.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return heard


def test_an_attempt_started_in_french_remembers_french(enrolled):
    with translation.override("fr"):
        attempt = attempt_start(user=enrolled, purpose="payment", reference="SP-1")

    assert attempt.language == "fr"
    assert VerificationAttempt.objects.get(pk=attempt.pk).language == "fr"


def test_an_attempt_started_in_the_default_language_remembers_it(enrolled, settings):
    with translation.override(settings.LANGUAGE_CODE):
        attempt = attempt_start(user=enrolled, purpose="payment", reference="SP-1")

    assert attempt.language == settings.LANGUAGE_CODE


@pytest.mark.usefixtures("redis_namespace")
def test_the_verdict_the_worker_pushes_is_written_in_the_attempts_language(
    shopper, monkeypatch
):
    attempt = attempt_make_overdue(attempt_make(shopper, language="fr"))
    verdicts = _recording(monkeypatch, messages, "verdict_text")
    tries = _recording(monkeypatch, messages, "tries_left_text")
    pushed = []
    monkeypatch.setattr(
        attempts,
        "attempt_push",
        lambda public_id, payload: pushed.append((public_id, payload)),
    )

    with translation.override("en"):  # the worker's own language: the default
        assert expire_attempts() == 1
        assert translation.get_language() == "en"

    assert verdicts == ["fr"]
    assert tries == ["fr"]
    [(public_id, payload)] = pushed
    assert public_id == attempt.public_id
    assert payload["final"] is True
    with translation.override("fr"):
        expected = " ".join(
            [str(messages.VERDICTS[Reason.TIMED_OUT]), messages.tries_left_text(4)]
        )
    assert payload["message"] == expected


@pytest.mark.usefixtures("redis_namespace", "sent_tasks")
def test_the_hints_the_worker_pushes_are_written_in_the_attempts_language(
    enrolled, monkeypatch
):
    with translation.override("fr"):
        attempt = attempt_start(user=enrolled, purpose="payment", reference="SP-1")
    hints = _recording(monkeypatch, messages, "hint_text")
    pushed = []
    monkeypatch.setattr(
        checks, "attempt_push", lambda public_id, payload: pushed.append(payload)
    )

    with translation.override("en"):
        put_frame(attempt.pk, frame_jpeg(OBAMA), time.time())
        verify_frame(attempt.pk)

    assert VerificationAttempt.objects.get(pk=attempt.pk).status == Status.OPEN
    assert hints == ["fr"]
    assert pushed and not pushed[0]["final"]


def test_the_state_the_page_reloads_is_written_in_the_attempts_language(
    shopper, monkeypatch
):
    attempt = attempt_make(
        shopper, language="fr", status=Status.DECLINED, reason=Reason.NO_MATCH
    )
    verdicts = _recording(monkeypatch, messages, "verdict_text")

    with translation.override("en"):
        attempts.attempt_state(attempt)

    assert verdicts == ["fr"]


def test_the_lock_time_is_written_with_the_languages_formats():
    today = timezone.localtime()
    another_day = timezone.localtime() + timedelta(days=2)

    with translation.override("en"):
        assert messages.when(today) == today.strftime("%H:%M")
        assert messages.when(another_day) == (
            f"{another_day.day} {another_day:%b}, {another_day:%H:%M}"
        )
