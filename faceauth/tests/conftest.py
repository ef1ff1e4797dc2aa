"""Fixtures for the face tests: the fixture photos, decoded, searched and encoded
once per session (detection costs ~0.3 s a photo, an encoding ~80 ms per jitter)."""

import secrets
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceauth import engine

FACES_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "faces"


@pytest.fixture(scope="session")
def faces() -> Path:
    """The folder of fixture photos (see its NOTICE.md)."""
    return FACES_DIR


@pytest.fixture(scope="session")
def face_photo(faces):
    """Decode a fixture photo, named relative to `faces`, as an enrolment photo."""

    @cache
    def decode(name: str) -> np.ndarray:
        image = engine.decode_photo((faces / name).read_bytes())
        # The array is shared by every test of the session: nobody may change it.
        image.flags.writeable = False
        return image

    return decode


@pytest.fixture(scope="session")
def large_face_jpeg(faces, tmp_path_factory) -> Path:
    """A 36 MP phone-sized JPEG of a fixture face: Obama neutral, 8000x4497."""
    photo = Image.open(faces / "people/obama/obama_neutral.jpg").convert("RGB")
    size = (8000, round(8000 * photo.height / photo.width))
    path = tmp_path_factory.mktemp("large") / "obama_36mp.jpg"
    photo.resize(size, Image.BILINEAR).save(path, "JPEG", quality=85)
    return path


@pytest.fixture(scope="session")
def face_boxes(face_photo):
    """The boxes `engine.find_faces_in_photo` finds in a fixture photo."""

    @cache
    def find(name: str) -> tuple[engine.Box, ...]:
        return tuple(engine.find_faces_in_photo(face_photo(name)))

    return find


@pytest.fixture(scope="session")
def face_encoding(face_photo, face_boxes):
    """The encoding of the one face in a fixture photo, per number of jitters."""

    @cache
    def encode_once(name: str, jitters: int) -> np.ndarray:
        boxes = face_boxes(name)
        if len(boxes) != 1:
            pytest.fail(f"{name}: expected one face, found {len(boxes)}")
        encoding = engine.encode_face(face_photo(name), boxes[0], jitters=jitters)
        encoding.flags.writeable = False
        return encoding

    def encode(name: str, *, jitters: int = 1) -> np.ndarray:
        return encode_once(name, jitters)

    return encode


@pytest.fixture
def redis_namespace(monkeypatch):
    """Keep this test's frame keys apart from other runs sharing the Redis db.

    Attempt and user primary keys restart at 1 in every test database, so two runs
    at once would otherwise read and delete each other's frames, or see each
    other's frames as replayed.
    """
    from faceauth import frames

    prefix = f"test-{secrets.token_hex(6)}:"
    real_keys, real_seen_key = frames._keys, frames._seen_key
    monkeypatch.setattr(
        frames,
        "_keys",
        lambda attempt_id: tuple(prefix + key for key in real_keys(attempt_id)),
    )
    monkeypatch.setattr(
        frames, "_seen_key", lambda *args: prefix + real_seen_key(*args)
    )
    yield prefix
    client = frames.sync_client()
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture
def sent_tasks(monkeypatch):
    """Record the verify_frame tasks that would go to the broker instead of
    publishing them."""
    from faceauth.tasks import verify_frame

    sent = []

    def apply_async(args=None, kwargs=None, **options):
        sent.append({"args": args, "kwargs": kwargs, "options": options})

    monkeypatch.setattr(verify_frame, "apply_async", apply_async)
    return sent


@pytest.fixture
def enrol_worker(monkeypatch):
    """Run the enrolment tasks the views send at once, in this thread, as a worker
    would run them: the pictures and the answer still go through Redis
    (faceauth/jobs.py). Yields what was sent: the task's name, args and kwargs.

    tests/e2e runs the same views against a real Celery worker.
    """
    from faceauth.tasks import enrol_face, enrol_frame_check

    sent = []
    for task in (enrol_face, enrol_frame_check):

        def apply_async(args=None, kwargs=None, *, task=task, **options):
            sent.append({"task": task.name, "args": args, "kwargs": kwargs})
            task(*args, **kwargs)

        monkeypatch.setattr(task, "apply_async", apply_async)
    return sent


@pytest.fixture
def no_enrol_worker(monkeypatch):
    """No worker takes the enrolment's tasks, and the views give up on them after
    a fraction of a second. Yields the ids of the jobs sent."""
    from faceauth import jobs, views
    from faceauth.tasks import enrol_face, enrol_frame_check

    job_ids = []
    for task in (enrol_face, enrol_frame_check):
        monkeypatch.setattr(
            task, "apply_async", lambda args, kwargs, **options: job_ids.append(args[0])
        )
        monkeypatch.setattr(task, "time_limit", 0.2)
    monkeypatch.setattr(views, "ENROL_QUEUE_SECONDS", 0.3)
    monkeypatch.setattr(views, "CHECK_QUEUE_SECONDS", 0.3)
    monkeypatch.setattr(jobs, "WAIT_MARGIN_SECONDS", 0)
    return job_ids
