"""The smile challenge tracker, frame by frame, with made-up arrival times."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faceauth import liveness
from faceauth.liveness import (
    BASELINE_FRAMES,
    CHALLENGE_WINDOW_SECONDS,
    MESSAGES,
    MIN_REACTION_SECONDS,
    Phase,
    Step,
    Tracker,
)

# Smile measures of the fixture photos: Obama neutral and smiling (docs/faces.md).
NEUTRAL = 0.74
SMILE = 1.20
DELAY = 1.0  # the prompt delay the tests fix
FRAME = 0.125  # seconds between frames at 8 frames a second


@pytest.fixture
def fixed_delay(monkeypatch):
    """Make the random prompt delay exactly DELAY seconds."""
    monkeypatch.setattr(liveness, "PROMPT_DELAY_SECONDS", (DELAY, DELAY))


def _steady(tracker, *, start=0.0, measure=NEUTRAL, frames=BASELINE_FRAMES):
    """Feed `frames` one-face frames of `measure`; return the time of the last one."""
    at = start
    for index in range(frames):
        at = start + index * FRAME
        step, message = tracker.observe(at=at, faces=1, smile=measure)
        assert step == Step.HINT
    return at


def _prompted(tracker, *, start=0.0, measure=NEUTRAL):
    """Take the baseline and reach the prompt; return the time of the prompt frame."""
    baseline_at = _steady(tracker, start=start, measure=measure)
    prompt_at = baseline_at + DELAY
    step, message = tracker.observe(at=prompt_at, faces=1, smile=measure)
    assert (step, message) == (Step.PROMPT, MESSAGES["challenge"])
    return prompt_at


# --- baseline -------------------------------------------------------------------


def test_baseline_needs_three_steady_frames(fixed_delay):
    tracker = Tracker()

    _steady(tracker, frames=BASELINE_FRAMES - 1)
    assert tracker.phase == Phase.BASELINE
    assert tracker.baseline is None

    tracker.observe(at=1.0, faces=1, smile=NEUTRAL * 1.02)

    assert tracker.phase == Phase.WAITING
    assert tracker.baseline == pytest.approx(NEUTRAL)  # the median
    assert tracker.prompt_at == pytest.approx(1.0 + DELAY)


def test_baseline_is_the_median_of_the_steady_frames(fixed_delay):
    tracker = Tracker()

    for at, measure in [(0.0, 0.74), (0.1, 0.76), (0.2, 0.75)]:
        tracker.observe(at=at, faces=1, smile=measure)

    assert tracker.baseline == pytest.approx(0.75)


def test_baseline_waits_while_the_measure_is_unsteady(fixed_delay):
    tracker = Tracker()

    for index, measure in enumerate([0.70, 0.90, 0.70, 0.90, 0.70]):
        step, message = tracker.observe(at=index * FRAME, faces=1, smile=measure)
        assert (step, message) == (Step.HINT, MESSAGES["baseline"])

    assert tracker.phase == Phase.BASELINE
    assert tracker.baseline is None
    # Once the face holds still, the last three frames make the baseline.
    for at in (1.0, 1.1, 1.2):
        tracker.observe(at=at, faces=1, smile=0.71)
    assert tracker.phase == Phase.WAITING
    assert tracker.baseline == pytest.approx(0.71)


def test_frame_without_a_measured_face_asks_to_look_at_the_camera(fixed_delay):
    tracker = Tracker()

    assert tracker.observe(at=0.0, faces=0, smile=None) == (
        Step.HINT,
        MESSAGES["no_face"],
    )
    assert tracker.observe(at=0.1, faces=1, smile=None) == (
        Step.HINT,
        MESSAGES["no_face"],
    )
    assert tracker.last_problem == "no_face"
    assert tracker.phase == Phase.BASELINE


# --- the prompt -----------------------------------------------------------------


def test_prompt_goes_out_only_after_the_delay(fixed_delay):
    tracker = Tracker()
    baseline_at = _steady(tracker)

    at = baseline_at
    while at + FRAME < baseline_at + DELAY:
        at += FRAME
        step, message = tracker.observe(at=at, faces=1, smile=NEUTRAL)
        assert (step, message) == (Step.HINT, MESSAGES["waiting"])
        assert tracker.phase == Phase.WAITING

    step, _ = tracker.observe(at=baseline_at + DELAY, faces=1, smile=NEUTRAL)

    assert step == Step.PROMPT
    assert tracker.phase == Phase.CHALLENGE
    assert tracker.challenge_at == pytest.approx(baseline_at + DELAY)
    assert tracker.peak == pytest.approx(NEUTRAL)


def test_prompt_delay_is_drawn_at_random_within_its_bounds(monkeypatch):
    drawn = []

    def uniform(low, high):
        drawn.append((low, high))
        return 1.234

    monkeypatch.setattr(liveness._random, "uniform", uniform)
    tracker = Tracker()

    baseline_at = _steady(tracker)

    assert drawn == [liveness.PROMPT_DELAY_SECONDS]
    assert tracker.prompt_at == pytest.approx(baseline_at + 1.234)


def test_prompt_delay_differs_between_attempts():
    # A recording cannot know when the prompt comes: the delay is not a constant.
    delays = set()
    for _ in range(20):
        tracker = Tracker()
        baseline_at = _steady(tracker)
        delay = tracker.prompt_at - baseline_at
        low, high = liveness.PROMPT_DELAY_SECONDS
        assert low <= delay <= high
        delays.add(delay)
    assert len(delays) > 1


def test_smile_before_the_prompt_restarts_the_baseline(fixed_delay):
    tracker = Tracker()
    baseline_at = _steady(tracker)

    step, message = tracker.observe(at=baseline_at + FRAME, faces=1, smile=SMILE)

    assert (step, message) == (Step.HINT, MESSAGES["smiled_early"])
    assert tracker.phase == Phase.BASELINE
    assert tracker.baseline is None
    assert tracker.prompt_at is None
    assert tracker.resets == 1
    assert tracker.last_problem == "smiled_early"


# --- the challenge --------------------------------------------------------------


def test_smile_sooner_than_a_reaction_after_the_prompt_restarts(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    step, message = tracker.observe(
        at=prompt_at + MIN_REACTION_SECONDS / 2, faces=1, smile=SMILE
    )

    assert (step, message) == (Step.HINT, MESSAGES["smiled_early"])
    assert tracker.phase == Phase.BASELINE
    assert tracker.challenge_at is None
    assert tracker.last_problem == "smiled_early"
    assert tracker.smile is None


def test_smile_within_the_window_completes_the_challenge(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    step, _ = tracker.observe(at=prompt_at + 2 * FRAME, faces=1, smile=NEUTRAL)
    assert step == Step.HINT
    step, _ = tracker.observe(
        at=prompt_at + MIN_REACTION_SECONDS + 0.1, faces=1, smile=SMILE
    )

    assert step == Step.SMILED
    assert tracker.smile == pytest.approx(SMILE)
    assert tracker.peak == pytest.approx(SMILE)
    assert tracker.rise == pytest.approx(SMILE / NEUTRAL - 1)
    assert tracker.rise >= 0.2


def test_smile_at_the_end_of_the_window_still_counts(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    step, _ = tracker.observe(
        at=prompt_at + CHALLENGE_WINDOW_SECONDS, faces=1, smile=SMILE
    )

    assert step == Step.SMILED


def test_no_smile_within_the_window_ends_the_challenge(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    step, _ = tracker.observe(
        at=prompt_at + CHALLENGE_WINDOW_SECONDS - FRAME, faces=1, smile=NEUTRAL
    )
    assert step == Step.HINT
    step, _ = tracker.observe(
        at=prompt_at + CHALLENGE_WINDOW_SECONDS + FRAME, faces=1, smile=NEUTRAL
    )

    assert step == Step.NO_SMILE
    assert tracker.last_problem == "no_smile"


def test_smile_after_the_window_is_no_smile(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    step, _ = tracker.observe(
        at=prompt_at + CHALLENGE_WINDOW_SECONDS + FRAME, faces=1, smile=SMILE
    )

    assert step == Step.NO_SMILE
    assert tracker.smile is None


def test_small_rise_is_not_a_smile(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    step, _ = tracker.observe(at=prompt_at + 1.0, faces=1, smile=NEUTRAL * 1.15)

    assert step == Step.HINT
    assert tracker.phase == Phase.CHALLENGE


# --- other faces ----------------------------------------------------------------


@pytest.mark.parametrize("faces", [2, 3])
def test_several_faces_restart_the_baseline(fixed_delay, faces):
    tracker = Tracker()
    _steady(tracker, frames=BASELINE_FRAMES - 1)

    step, message = tracker.observe(at=1.0, faces=faces, smile=None)

    assert (step, message) == (Step.HINT, MESSAGES["several_faces"])
    assert tracker.phase == Phase.BASELINE
    assert tracker.samples == []
    assert tracker.last_problem == "several_faces"


def test_several_faces_while_waiting_restart_the_baseline(fixed_delay):
    tracker = Tracker()
    baseline_at = _steady(tracker)

    tracker.observe(at=baseline_at + FRAME, faces=2, smile=None)

    assert tracker.phase == Phase.BASELINE
    assert tracker.baseline is None
    assert tracker.prompt_at is None
    assert tracker.resets == 1


def test_several_faces_in_the_challenge_keep_the_clock_running(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    step, message = tracker.observe(at=prompt_at + 1.0, faces=2, smile=SMILE)

    assert (step, message) == (Step.HINT, MESSAGES["several_faces"])
    assert tracker.phase == Phase.CHALLENGE
    assert tracker.challenge_at == pytest.approx(prompt_at)
    assert tracker.last_problem == "several_faces"
    step, _ = tracker.observe(
        at=prompt_at + CHALLENGE_WINDOW_SECONDS + FRAME, faces=1, smile=NEUTRAL
    )
    assert step == Step.NO_SMILE


def test_several_faces_never_complete_the_challenge(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    steps = [
        tracker.observe(at=prompt_at + offset, faces=2, smile=SMILE)[0]
        for offset in (0.3, 0.5, 1.0, 2.0, 4.9)
    ]

    assert Step.SMILED not in steps
    assert tracker.smile is None


# --- a baseline taken from a smile ------------------------------------------------


def test_face_well_below_its_baseline_restarts_the_baseline(fixed_delay):
    tracker = Tracker()
    baseline_at = _steady(tracker, measure=SMILE)  # smiling from the start
    assert tracker.baseline == pytest.approx(SMILE)

    step, message = tracker.observe(at=baseline_at + FRAME, faces=1, smile=NEUTRAL)

    assert (step, message) == (Step.HINT, MESSAGES["baseline"])
    assert tracker.phase == Phase.BASELINE
    assert tracker.samples == [NEUTRAL]
    assert tracker.last_problem == "baseline_dropped"


def test_baseline_taken_from_a_smile_is_replaced_by_the_neutral(fixed_delay):
    tracker = Tracker()
    at = _steady(tracker, measure=SMILE)
    # The neutral face: the first frame restarts, with the next two a new baseline.
    at = _steady(tracker, start=at + FRAME, measure=NEUTRAL)
    assert tracker.baseline == pytest.approx(NEUTRAL)
    assert tracker.phase == Phase.WAITING

    step, _ = tracker.observe(at=at + DELAY, faces=1, smile=NEUTRAL)
    assert step == Step.PROMPT
    step, _ = tracker.observe(at=at + DELAY + 0.5, faces=1, smile=SMILE)

    assert step == Step.SMILED


def test_smiling_through_the_challenge_from_a_smiling_baseline_is_no_smile(
    fixed_delay,
):
    tracker = Tracker()
    prompt_at = _prompted(tracker, measure=SMILE)

    step, _ = tracker.observe(
        at=prompt_at + CHALLENGE_WINDOW_SECONDS + FRAME, faces=1, smile=SMILE
    )

    assert step == Step.NO_SMILE


# --- a still photo ----------------------------------------------------------------


@pytest.mark.parametrize("interval", [0.0, 0.05, FRAME, 0.3, 1.0, 6.0])
@pytest.mark.parametrize("measure", [NEUTRAL, SMILE])
def test_constant_measure_never_smiles(interval, measure):
    tracker = Tracker()

    steps = {
        tracker.observe(at=index * interval, faces=1, smile=measure)[0]
        for index in range(200)
    }

    assert Step.SMILED not in steps
    assert tracker.smile is None


observations = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=8, allow_nan=False, allow_infinity=False),
        st.sampled_from([0, 1, 2]),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(
    measure=st.floats(min_value=-5, max_value=5, allow_nan=False, allow_infinity=False),
    frames=observations,
)
def test_constant_measure_never_smiles_whatever_the_timing_or_faces(measure, frames):
    tracker = Tracker()
    at = 0.0
    for increment, faces in frames:
        at += increment
        step, _ = tracker.observe(
            at=at, faces=faces, smile=measure if faces == 1 else None
        )
        assert step != Step.SMILED


# --- state between frames ---------------------------------------------------------


def test_empty_state_is_a_fresh_tracker():
    assert Tracker.from_dict({}) == Tracker()


@pytest.mark.parametrize("frames", [0, 2, 3, 4, 5])
def test_state_round_trips_through_json(fixed_delay, frames):
    tracker = Tracker()
    script = [
        (0.0, NEUTRAL),
        (0.1, NEUTRAL),
        (0.2, NEUTRAL),
        (0.2 + DELAY, NEUTRAL),
        (0.2 + DELAY + 0.5, SMILE),
    ]
    for at, measure in script[:frames]:
        tracker.observe(at=at, faces=1, smile=measure)

    restored = Tracker.from_dict(json.loads(json.dumps(tracker.to_dict())))

    assert restored == tracker
    assert restored.to_dict() == tracker.to_dict()


def test_restored_tracker_carries_on_the_challenge(fixed_delay):
    tracker = Tracker()
    prompt_at = _prompted(tracker)

    restored = Tracker.from_dict(json.loads(json.dumps(tracker.to_dict())))
    step, _ = restored.observe(at=prompt_at + 0.5, faces=1, smile=SMILE)

    assert step == Step.SMILED
