"""A face check frame by frame through the real pipeline: frames queued in the real
Redis as the consumer queues them, judged by the verify_frame task in this process
with the real engine (detection, landmarks, encodings) and the real tracker.

The faces are fixture photos animated by faceauth.simulation; faceauth/tests/live.py
films them and plays each check on a simulated clock.
"""

import itertools
import time
from datetime import timedelta

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from faceauth import frames, liveness, pad, tasks
from faceauth.models import VerificationAttempt
from faceauth.services import checks
from faceauth.services.attempts import attempt_decide, attempt_start
from faceauth.signals import attempt_decided
from faceauth.tasks import expire_attempts, verify_frame

from .factories import (
    BIDEN,
    JUNK,
    OBAMA,
    OBAMA_PORTRAIT,
    OBAMA_SPEAKING,
    TWO_PEOPLE,
    face_enrol,
    frame_jpeg,
)
from .live import film_of, fix_draws, play, play_genuine, put_frame

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("redis_namespace", "sent_tasks"),
]

Status = VerificationAttempt.Status
Reason = VerificationAttempt.Reason

CUES = ("smile", "turn-left", "open-mouth")
JPEG_MAGIC = b"\xff\xd8\xff"


@pytest.fixture
def verdicts():
    """The attempts announced through faceauth.signals.attempt_decided."""
    received = []

    def receiver(sender, attempt, **kwargs):
        received.append(attempt)

    attempt_decided.connect(receiver, sender=VerificationAttempt, weak=False)
    yield received
    attempt_decided.disconnect(receiver, sender=VerificationAttempt)


@pytest.fixture
def draws(monkeypatch):
    return fix_draws(monkeypatch, CUES, delay=0.6)


@pytest.fixture
def enrolled(shopper):
    """Ada, enrolled with two photos of Obama; the camera films a third."""
    face_enrol(shopper, OBAMA_PORTRAIT, OBAMA_SPEAKING)
    return shopper


@pytest.fixture
def attempt(enrolled, draws):
    return attempt_start(user=enrolled, purpose="payment", reference="SP-1")


def _reload(attempt) -> VerificationAttempt:
    return VerificationAttempt.objects.get(pk=attempt.pk)


def _keys_of(attempt, prefix) -> list[bytes]:
    """Every key in the test Redis naming this attempt (its frames, its group)."""
    client = frames.sync_client()
    return [
        *client.scan_iter(match=f"{prefix}*attempt:{attempt.pk}:*"),
        *client.scan_iter(match=f"*{attempt.public_id}*"),
    ]


def _until_first_cue(attempt, monkeypatch, frame=None) -> float:
    """Neutral frames until the first cue goes out; when the last one arrived."""
    frame = frame or film_of(OBAMA).frames[("neutral", 0)][0]
    now = time.time()
    monkeypatch.setattr(checks, "clock", lambda: now)
    for _ in range(20):
        now += 1 / 8
        put_frame(attempt.pk, frame, now)
        verify_frame(attempt.pk)
        if _reload(attempt).tracker.get("phase") == liveness.Phase.CUE:
            return now
    raise AssertionError("no cue went out")


def test_the_first_cues_time_starts_after_the_neutral_face_is_encoded(
    attempt, monkeypatch
):
    """The first cue goes out with the neutral face to encode (about 100 ms, more
    on a busy worker): the page is told after that, and the cue's time with it."""
    now = time.time()
    monkeypatch.setattr(checks, "clock", lambda: now)
    real_match = checks.face_match

    def slow_match(**kwargs):
        nonlocal now
        now += 0.3  # the encoding takes 0.3 s of the worker's clock
        return real_match(**kwargs)

    monkeypatch.setattr(checks, "face_match", slow_match)
    frame = film_of(OBAMA).frames[("neutral", 0)][0]
    for _ in range(20):
        now += 1 / 8
        judged_at = now
        put_frame(attempt.pk, frame, now)
        verify_frame(attempt.pk)
        tracker = _reload(attempt).tracker
        if tracker.get("phase") == liveness.Phase.CUE:
            break

    assert tracker["cue_at"] == pytest.approx(judged_at + 0.3, abs=0.001)


# --- people and attacks, end to end ---------------------------------------------------


def test_a_live_face_answering_every_cue_is_approved(attempt, monkeypatch, verdicts):
    played = play_genuine(attempt, monkeypatch=monkeypatch)

    attempt = _reload(attempt)
    assert (attempt.status, attempt.reason) == (
        Status.APPROVED,
        Reason.MATCHED_AND_LIVE,
    )
    assert played.cues_seen == list(CUES)
    answers = attempt.liveness["answers"]
    assert [answer["cue"] for answer in answers] == list(CUES)
    # The neutral face at the first cue and each answer: all of them Obama.
    distances = attempt.liveness["distances"]
    assert len(distances) == 1 + len(CUES)
    assert max(distances) <= settings.FACEAUTH_TOLERANCE
    assert attempt.best_distance == min(distances)
    assert attempt.challenge_at is not None
    assert attempt.frames_processed == played.frames
    assert attempt.faces_per_frame == {"1": played.frames}
    assert {"decision_ms", "answer_to_verdict_ms", "frame_ms", "encode_ms"} <= set(
        attempt.timings
    )
    assert [(a.pk, a.status) for a in verdicts] == [(attempt.pk, Status.APPROVED)]


def test_two_photos_neutral_then_smiling_are_never_approved(attempt, monkeypatch):
    """The attack this check was rebuilt for: a neutral photo, then a real smiling
    photo of the same person, shown when asked to smile."""
    neutral = film_of(OBAMA).frames[("neutral", 0)][0]
    smiling = frame_jpeg(OBAMA_PORTRAIT)
    now = _until_first_cue(attempt, monkeypatch)
    assert _reload(attempt).tracker["cues"][0] == "smile"

    for index in range(60):  # the smiling photo from 0.4 s on, at 15 frames a second
        now += 1 / 15
        put_frame(attempt.pk, smiling if index >= 6 else neutral, now)
        verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.status != Status.APPROVED
    assert attempt.tracker["answers"] == []
    assert attempt.tracker["jumps"] >= 1 or attempt.tracker["restarts"] >= 1


def test_a_photo_swap_on_each_cue_is_never_approved(attempt, monkeypatch):
    played = play(
        attempt,
        pad.Reacting(np.random.default_rng(2), instant=True),
        film_of(OBAMA),
        monkeypatch=monkeypatch,
    )

    attempt = _reload(attempt)
    assert attempt.status == Status.DECLINED
    assert attempt.reason == Reason.NOT_CONTINUOUS
    assert attempt.liveness["answers"] == []
    assert attempt.liveness["jumps"] >= liveness.MAX_RESTARTS + 1
    assert played.cues_seen[:1] == ["smile"]


def test_someone_else_answering_every_cue_is_declined_at_the_first(
    attempt, monkeypatch, verdicts
):
    play_genuine(attempt, monkeypatch=monkeypatch, seed=3, photo=BIDEN)

    attempt = _reload(attempt)
    assert (attempt.status, attempt.reason) == (Status.DECLINED, Reason.NO_MATCH)
    assert attempt.best_distance > settings.FACEAUTH_TOLERANCE
    assert attempt.liveness["answers"] == []
    assert [a.reason for a in verdicts] == [Reason.NO_MATCH]


def test_a_still_photo_is_never_approved(attempt, monkeypatch):
    play(attempt, pad.Still(), film_of(OBAMA), monkeypatch=monkeypatch, seconds=12)

    attempt = _reload(attempt)
    assert attempt.status == Status.DECLINED
    assert attempt.reason == Reason.NO_RESPONSE
    assert attempt.liveness["restarts"] == liveness.MAX_RESTARTS + 1


@pytest.mark.parametrize(
    ("recording", "problem"),
    [
        # The right moves, but the first before the first cue (due 0.6 s after
        # the baseline here).
        (pad.Script(first=0.5, period=2.0, hold=0.5, moves=(CUES,)), "moved_early"),
        # Another move than the one asked for.
        (
            pad.Script(first=1.2, period=2.0, hold=0.5, moves=(("turn-right",) * 3,)),
            "wrong_move",
        ),
        # The right moves, too late.
        (pad.Script(first=3.5, period=3.0, hold=0.5, moves=(CUES,)), "no_response"),
    ],
)
def test_a_blind_recording_mistimed_or_of_other_moves_is_never_approved(
    attempt, monkeypatch, recording, problem
):
    """How often a blind recording's timing and moves happen to be right, with the
    delays random, is what liveness_eval measures (faceauth/tests/test_pad.py)."""
    play(attempt, recording, film_of(OBAMA), monkeypatch=monkeypatch, seconds=20)

    attempt = _reload(attempt)
    assert attempt.status != Status.APPROVED
    assert attempt.liveness["restart_reasons"][0] == problem


def test_answers_through_a_session_still_signed_in_are_approved(
    attempt, monkeypatch, client
):
    client.force_login(attempt.user)

    play_genuine(
        attempt, monkeypatch=monkeypatch, session_key=client.session.session_key
    )

    assert _reload(attempt).status == Status.APPROVED


def test_the_answer_from_a_session_signed_out_since_is_never_approved(
    attempt, monkeypatch, client
):
    """Frames taken in the second before the socket notices the sign-out carry
    their session: the approval looks at it and stops the attempt instead."""
    client.force_login(attempt.user)
    session_key = client.session.session_key
    client.logout()

    play_genuine(attempt, monkeypatch=monkeypatch, session_key=session_key)

    attempt = _reload(attempt)
    assert (attempt.status, attempt.reason) == (Status.EXPIRED, Reason.SIGNED_OUT)


# --- frames in order while a cue is answered ----------------------------------------


def test_outside_a_cue_the_newest_frame_is_judged_and_the_rest_skipped(attempt):
    now = time.time()
    put_frame(attempt.pk, JUNK, now)
    put_frame(attempt.pk, film_of(OBAMA).frames[("neutral", 0)][0], now + 0.1)

    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.frames_processed == 1
    assert attempt.faces_per_frame == {"1": 1}
    assert attempt.frames_received == 2
    assert frames.frames_waiting(attempt.pk) == 0


def test_while_a_cue_is_answered_every_frame_is_judged_in_order(attempt, monkeypatch):
    now = _until_first_cue(attempt, monkeypatch)
    before = _reload(attempt).frames_processed
    film = film_of(OBAMA)
    rng = np.random.default_rng(5)
    for degree in (0.0, 0.0, 0.0, 0.0, 0.125, 0.25):  # a human's reaction, a move
        now += 1 / 15
        put_frame(attempt.pk, film.frame("smile", degree, rng), now)

    verify_frame(attempt.pk)  # one task: the frames waiting are judged too

    attempt = _reload(attempt)
    assert attempt.frames_processed == before + 6
    assert frames.frames_waiting(attempt.pk) == 0
    assert attempt.tracker["restart_reasons"] == []
    # The way from the last neutral frame: the frames that followed, every one.
    seqs = [point[0] for point in attempt.tracker["path"]]
    assert len(seqs) >= 2
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_frame_lost_in_the_queue_leaves_the_answer_unseen(attempt, monkeypatch):
    now = _until_first_cue(attempt, monkeypatch)
    film = film_of(OBAMA)
    rng = np.random.default_rng(4)
    for degree in (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25):
        now += 1 / 15
        put_frame(attempt.pk, film.frame("smile", degree, rng), now)
        verify_frame(attempt.pk)
    # Two frames of the move arrive; the first is lost (the queue overflowed).
    for degree in (0.5, 0.75):
        now += 1 / 15
        put_frame(attempt.pk, film.frame("smile", degree, rng), now)
    frames.frame_take(attempt.pk, in_order=True)
    for degree in (1.0, 1.0, 1.0, 1.0):
        now += 1 / 15
        put_frame(attempt.pk, film.frame("smile", degree, rng), now)
    for _ in range(6):
        verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.tracker["answers"] == []
    assert attempt.tracker["phase"] == liveness.Phase.CUE


def test_the_next_task_jumps_the_queue_while_a_cue_is_answered(
    attempt, sent_tasks, monkeypatch
):
    now = _until_first_cue(attempt, monkeypatch)
    sent_tasks.clear()
    before = _reload(attempt).frames_processed
    neutral = film_of(OBAMA).frames[("neutral", 0)][0]
    for number in range(1, checks.BATCH_FRAMES + 2):
        put_frame(attempt.pk, neutral, now + number / 15)

    verify_frame(attempt.pk)

    # One task judged as many as it may; the next one goes first for the rest.
    assert _reload(attempt).frames_processed == before + checks.BATCH_FRAMES
    assert frames.frames_waiting(attempt.pk) == 1
    (task,) = sent_tasks
    assert task["args"] == (attempt.pk,)
    assert task["options"]["priority"] == tasks.PRIORITY_CHALLENGE


def test_a_task_judging_a_cue_sends_none_when_no_frame_is_left(
    attempt, sent_tasks, monkeypatch
):
    now = _until_first_cue(attempt, monkeypatch)
    sent_tasks.clear()
    neutral = film_of(OBAMA).frames[("neutral", 0)][0]
    put_frame(attempt.pk, neutral, now + 1 / 15)
    put_frame(attempt.pk, neutral, now + 2 / 15)

    verify_frame(attempt.pk)

    assert frames.frames_waiting(attempt.pk) == 0
    assert sent_tasks == []


def test_before_any_cue_the_next_task_waits_its_turn(attempt, sent_tasks, monkeypatch):
    real_take = frames.frame_take

    def take_while_a_frame_arrives(attempt_id, **kwargs):
        taken = real_take(attempt_id, **kwargs)
        assert put_frame(attempt_id, JUNK, time.time()) is False  # in flight
        return taken

    monkeypatch.setattr(frames, "frame_take", take_while_a_frame_arrives)
    put_frame(attempt.pk, frame_jpeg(OBAMA), time.time())

    verify_frame(attempt.pk)

    assert [task["args"] for task in sent_tasks] == [(attempt.pk,)]
    assert "priority" not in sent_tasks[0]["options"]
    assert real_take(attempt.pk).data == JUNK


def test_a_duplicate_task_on_stale_state_changes_nothing(attempt, monkeypatch):
    """Two tasks judging frames of one attempt at once (a redelivered task): the
    one that read the attempt before the other wrote it stores nothing."""
    neutral = film_of(OBAMA).frames[("neutral", 0)][0]
    put_frame(attempt.pk, neutral, time.time())
    stale = _reload(attempt)
    verify_frame(attempt.pk)
    put_frame(attempt.pk, neutral, time.time() + 0.125)
    monkeypatch.setattr(
        VerificationAttempt.objects, "select_related", lambda *args: _Stale(stale)
    )

    verify_frame(attempt.pk)

    assert _reload(attempt).frames_processed == 1


def test_a_task_finding_another_judging_takes_no_frame_and_leaves_it_the_flag(
    attempt, sent_tasks, redis_namespace
):
    """A task delivered twice: the copy returns at once; the frame waits for the
    task judging, which sends the next task itself."""
    assert put_frame(attempt.pk, frame_jpeg(OBAMA), time.time()) is True

    with frames.judging(attempt.pk) as ours:
        assert ours
        verify_frame(attempt.pk)
        with frames.judging(attempt.pk) as second:
            assert not second

    assert frames.frames_waiting(attempt.pk) == 1
    assert _reload(attempt).frames_processed == 0
    assert sent_tasks == []
    client = frames.sync_client()
    assert client.exists(frames._keys(attempt.pk)[1])  # in flight, still
    assert not client.exists(frames._keys(attempt.pk)[3])  # the hold is over
    verify_frame(attempt.pk)
    assert _reload(attempt).frames_processed == 1


class _Stale:
    def __init__(self, attempt):
        self.attempt = attempt

    def get(self, **kwargs):
        return self.attempt


# --- bad frames, and what Redis keeps ------------------------------------------------


def test_a_junk_frame_counts_as_a_frame_without_a_face(attempt):
    put_frame(attempt.pk, JUNK, time.time())

    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.status == Status.OPEN
    assert attempt.faces_per_frame == {"0": 1}
    assert attempt.tracker["last_problem"] == "no_face"


def test_two_people_are_never_judged_and_are_counted(attempt):
    for index in range(5):
        put_frame(attempt.pk, frame_jpeg(TWO_PEOPLE), time.time() + index / 8)
        verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.status == Status.OPEN
    assert attempt.faces_per_frame == {"2+": 5}
    assert attempt.tracker["last_problem"] == "several_faces"
    assert attempt.tracker["samples"] == []


def test_the_verdict_removes_every_frame_and_key_of_the_attempt(
    attempt, monkeypatch, redis_namespace
):
    seen = []

    def look_at_redis(number):
        if number == 30:
            seen.extend(_keys_of(attempt, redis_namespace))

    play_genuine(attempt, monkeypatch=monkeypatch, after_frame=look_at_redis)

    assert _reload(attempt).status == Status.APPROVED
    assert seen  # the counts at least, while it ran
    assert _keys_of(attempt, redis_namespace) == []
    client = frames.sync_client()
    for key in client.scan_iter(match=f"{redis_namespace}*"):
        assert JPEG_MAGIC not in (client.dump(key) or b"")


def test_a_frame_arriving_after_the_verdict_leaves_no_key_behind(
    attempt, redis_namespace
):
    attempt_decide(attempt=attempt, status=Status.DECLINED, reason=Reason.NO_MATCH)
    put_frame(attempt.pk, frame_jpeg(OBAMA), time.time())
    assert _keys_of(attempt, redis_namespace) != []

    verify_frame(attempt.pk)

    assert _keys_of(attempt, redis_namespace) == []
    assert _reload(attempt).frames_processed == 0


def test_verify_frame_twice_judges_a_frame_once(attempt):
    put_frame(attempt.pk, frame_jpeg(OBAMA), time.time())

    verify_frame(attempt.pk)
    verify_frame(attempt.pk)

    assert _reload(attempt).frames_processed == 1


def test_verify_frame_without_a_frame_does_nothing(attempt, sent_tasks):
    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert attempt.frames_processed == 0
    assert attempt.status == Status.OPEN
    assert sent_tasks == []


# --- deadlines and expiry -----------------------------------------------------------


def test_an_answer_after_the_deadline_expires_the_attempt_instead(
    attempt, monkeypatch, verdicts
):
    _until_first_cue(attempt, monkeypatch)
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    put_frame(attempt.pk, frame_jpeg(OBAMA_PORTRAIT), time.time())
    verify_frame(attempt.pk)

    attempt = _reload(attempt)
    assert (attempt.status, attempt.reason) == (Status.EXPIRED, Reason.NO_RESPONSE)
    assert [a.status for a in verdicts] == [Status.EXPIRED]


@pytest.mark.parametrize(
    ("picture", "reason"),
    [(TWO_PEOPLE, Reason.SEVERAL_FACES), (None, Reason.NO_FACE)],
)
def test_an_expired_attempt_names_what_it_saw_last(attempt, picture, reason):
    put_frame(attempt.pk, frame_jpeg(OBAMA), time.time())
    verify_frame(attempt.pk)
    put_frame(attempt.pk, frame_jpeg(picture) if picture else JUNK, time.time())
    verify_frame(attempt.pk)
    VerificationAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    assert expire_attempts() == 1

    assert _reload(attempt).reason == reason


def test_expire_attempts_leaves_attempts_inside_their_deadline_open(attempt):
    put_frame(attempt.pk, frame_jpeg(OBAMA), time.time())
    verify_frame(attempt.pk)

    assert expire_attempts() == 0

    assert _reload(attempt).status == Status.OPEN


def test_the_page_is_told_every_change_and_reminded_twice_a_second(
    attempt, monkeypatch
):
    pushed = []
    monkeypatch.setattr(
        checks,
        "attempt_push",
        lambda public_id, payload: pushed.append((checks.clock(), payload)),
    )

    played = play_genuine(attempt, monkeypatch=monkeypatch)

    assert _reload(attempt).status == Status.APPROVED
    assert len(pushed) < played.frames / 2  # not every frame
    cues = [payload["cue"] for _, payload in pushed]
    shown = [cue for i, cue in enumerate(cues) if i == 0 or cue != cues[i - 1]]
    assert [cue for cue in shown if cue != liveness.NEUTRAL] == list(CUES)
    times = [at for at, _ in pushed]
    longest = max(b - a for a, b in itertools.pairwise(times))
    assert longest <= checks.REPUSH_SECONDS + 1 / 8 + 0.01
    assert all(not payload["final"] for _, payload in pushed)
