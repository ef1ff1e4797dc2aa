"""Builders for face consents, enrolments and test pictures, made through the services.

Encoding a face is slow (about 80 ms, ten jittered encodings per enrolment photo), so
the encodings of fixture photos are remembered for the whole run. The database rows
are not: every enrolment writes fresh, freshly encrypted templates in the test's own
database.
"""

import hashlib
import io
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from unittest import mock

import factory
import numpy as np
from django.conf import settings
from django.utils import timezone
from PIL import Image

from faceauth import engine, services
from faceauth.models import FaceConsent, FaceTemplate, VerificationAttempt
from faceauth.services import enrolment
from shop.tests.factories import UserFactory

FACES = Path(settings.BASE_DIR) / "tests" / "fixtures" / "faces"

OBAMA = "people/obama/obama_neutral.jpg"
OBAMA_PORTRAIT = "people/obama/obama_smiling_portrait.jpg"
OBAMA_SPEAKING = "people/obama/obama_speaking.jpg"
OBAMA_SMALL = "people/obama/obama_smiling_small.jpg"
BIDEN = "people/biden/biden_smiling.jpg"
TWO_PEOPLE = "other/two_people_obama_biden.jpg"
DOGS = "other/no_human_face_dogs.jpg"

JUNK = b"these bytes are not a picture of anybody" * 8

_real_enrolment_encoding = enrolment._enrolment_encoding
_encodings: dict[tuple[bytes, int], np.ndarray] = {}


class FaceConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaceConsent

    user = factory.SubFactory(UserFactory)
    ip_address = "127.0.0.1"


def face_path(name: str) -> Path:
    return FACES / name


@cache
def face_bytes(name: str) -> bytes:
    """The bytes of a fixture photo, as a shopper would upload it."""
    return face_path(name).read_bytes()


@cache
def frame_jpeg(name: str, width: int = 640) -> bytes:
    """A fixture photo scaled to ``width`` and re-encoded, like a webcam frame."""
    image = Image.open(face_path(name)).convert("RGB")
    height = round(image.height * width / image.width)
    buffer = io.BytesIO()
    image.resize((width, height), Image.BILINEAR).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@cache
def gif_bytes() -> bytes:
    """A real, small GIF: a format enrolment does not accept."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 120, 80)).save(buffer, "GIF")
    return buffer.getvalue()


@cache
def _probe_encoding(name: str) -> np.ndarray:
    image = engine.decode_photo(face_bytes(name))
    box = max(engine.find_faces_in_photo(image), key=engine.box_area)
    encoding = engine.encode_face(image, box, jitters=1)
    encoding.setflags(write=False)
    return encoding


def probe_encoding(name: str) -> np.ndarray:
    """The encoding of the largest face in a fixture photo, as checkout computes it."""
    return _probe_encoding(name).copy()


def _remembered_enrolment_encoding(data: bytes, *, index: int, jitters: int):
    key = (hashlib.sha256(data).digest(), jitters)
    if key not in _encodings:
        # Failures are not remembered: they raise before reaching this line.
        _encodings[key] = _real_enrolment_encoding(data, index=index, jitters=jitters)
    return _encodings[key].copy()


def face_enrol(
    user, *names: str, source: str = FaceTemplate.Source.UPLOAD
) -> list[FaceTemplate]:
    """Give consent for ``user`` and enrol the fixture photos ``names`` through
    services.face_enroll, reusing encodings computed earlier in the run."""
    services.consent_give(user=user)
    with mock.patch.object(
        enrolment, "_enrolment_encoding", _remembered_enrolment_encoding
    ):
        return services.face_enroll(
            user=user, images=[face_bytes(name) for name in names], source=source
        )


def ciphertexts_of(user) -> dict[int, bytes]:
    """The stored ciphertext of each of the user's templates, by primary key."""
    return {
        pk: bytes(token)
        for pk, token in FaceTemplate.objects.filter(user=user).values_list(
            "pk", "ciphertext"
        )
    }


def attempt_make(
    user,
    *,
    reference: str = "",
    status: str = VerificationAttempt.Status.OPEN,
    reason: str = "",
    decided_at: datetime | None = None,
    seconds: float = 30,
    **fields,
) -> VerificationAttempt:
    """A payment face check written straight to the table: no enrolment, no signal.

    An open one (deadline ``seconds`` ahead) is ready for attempt_decide; a decided
    one (decided ``decided_at``, by default now) is history for the lockout.
    """
    now = timezone.now()
    if status != VerificationAttempt.Status.OPEN and decided_at is None:
        decided_at = now
    started_at = min(now, decided_at or now) - timedelta(seconds=5)
    return VerificationAttempt.objects.create(
        user=user,
        purpose=VerificationAttempt.Purpose.PAYMENT,
        reference=reference,
        status=status,
        reason=reason,
        started_at=started_at,
        decided_at=decided_at,
        deadline=fields.pop("deadline", now + timedelta(seconds=seconds)),
        **fields,
    )


def attempt_failures(user, count: int, *, last_at: datetime | None = None) -> list:
    """``count`` failed face checks in a row (declined and expired, alternately),
    one minute apart, the last decided at ``last_at`` (by default now)."""
    last_at = last_at or timezone.now()
    failed = [
        (VerificationAttempt.Status.DECLINED, VerificationAttempt.Reason.NO_MATCH),
        (VerificationAttempt.Status.EXPIRED, VerificationAttempt.Reason.TIMED_OUT),
    ]
    return [
        attempt_make(
            user,
            status=failed[i % 2][0],
            reason=failed[i % 2][1],
            decided_at=last_at - timedelta(minutes=count - 1 - i),
        )
        for i in range(count)
    ]


def attempt_make_overdue(attempt, *, seconds: float = 1) -> VerificationAttempt:
    """Move an attempt's deadline ``seconds`` into the past."""
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=seconds)
    )
    attempt.refresh_from_db()
    return attempt
