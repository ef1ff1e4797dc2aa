"""The live-person tracker, frame by frame, with made-up measures and arrival times.

The face here is numbers: a neutral smile measure, head yaw and mouth opening, and
each move's full pose (a 40 % smile, a turn of 0.36, a mouth opened by 0.33: about
what the engine reads off the animated fixture photos, faceauth/pad.py).
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faceauth import liveness
from faceauth.liveness import (
    ACTIONS,
    CUE_WINDOW_SECONDS,
    CUES_PER_CHECK,
    MAX_RESTARTS,
    MIN_ONSET_SECONDS,
    NEUTRAL,
    RELAX_WINDOW_SECONDS,
    Kind,
    Observation,
    Phase,
    Tracker,
)
from faceauth.tests.live import fix_draws

BASE = {"smile": 0.80, "yaw": 0.30, "mouth_open": 0.05}
DELAY = 1.0  # the cue delay the tests fix
FRAME = 1 / 8  # seconds between frames, 8 a second
CUE_FRAME = 1 / 15  # while a cue is shown
JUDGED_AFTER = 0.04  # a frame is judged this long after it arrived


def pose(action: str = NEUTRAL, degree: float = 0.0, **noise) -> dict:
    """The measures of the face doing `action` to `degree` (0 to 1)."""
    measures = dict(BASE)
    if action == "smile":
        measures["smile"] = BASE["smile"] * (1 + 0.4 * degree)
    elif action == "turn-left":
        measures["yaw"] += 0.36 * degree
    elif action == "turn-right":
        measures["yaw"] -= 0.36 * degree
    elif action == "open-mouth":
        measures["mouth_open"] += 0.33 * degree
    for name, value in noise.items():
        measures[name] += value
    return measures


@pytest.fixture
def draws(monkeypatch):
    """Fix the next tracker's cues (`draws(cues)`) and its delays to DELAY."""

    def fix(cues=("smile", "turn-left", "open-mouth"), delay=DELAY):
        return fix_draws(monkeypatch, cues, delay=delay)

    return fix


class Camera:
    """Feeds a tracker numbered frames at made-up times; keeps every outcome."""

    def __init__(self, tracker: Tracker):
        self.tracker = tracker
        self.seq = 0
        self.at = 0.0
        self.outcomes: list[liveness.Outcome] = []

    @property
    def last(self) -> liveness.Outcome:
        return self.outcomes[-1]

    def frame(
        self, action=NEUTRAL, degree=0.0, *, after=None, faces=1, skip=0, **noise
    ):
        """One frame, `after` seconds after the last (at the page's rate for what it
        shows); `skip` frames numbered but never judged before it."""
        if after is None:
            after = CUE_FRAME if self.outcomes and self.last.cue != NEUTRAL else FRAME
        self.seq += 1 + skip
        self.at += after
        if faces == 1:
            observation = Observation(
                seq=self.seq, at=self.at, faces=1, **pose(action, degree, **noise)
            )
        else:
            observation = Observation(seq=self.seq, at=self.at, faces=faces)
        outcome = liveness.step(self.tracker, observation, now=self.at + JUDGED_AFTER)
        self.outcomes.append(outcome)
        return outcome

    def hold(self, seconds, action=NEUTRAL, degree=0.0, **kwargs):
        end = self.at + seconds
        while self.at < end:
            self.frame(action, degree, **kwargs)
        return self.last

    def until_cue(self, limit=5.0):
        """Neutral frames until a cue goes out; the cue."""
        end = self.at + limit
        while self.at < end:
            if self.frame().cue != NEUTRAL:
                return self.last.cue
        raise AssertionError("no cue went out")

    def move(self, action, *, to=1.0, start=0.0, seconds=0.4):
        """A smooth move of `seconds` at the cue's frame rate."""
        frames = max(1, round(seconds / CUE_FRAME))
        for index in range(1, frames + 1):
            share = index / frames
            eased = share * share * (3 - 2 * share)
            self.frame(action, start + (to - start) * eased, after=CUE_FRAME)
        return self.last

    def answer(self, cue, *, reaction=0.4, seconds=0.4):
        """React to the cue shown, move smoothly, hold until the cue is gone."""
        self.hold(reaction)
        self.move(cue, seconds=seconds)
        while self.last.cue != NEUTRAL and self.last.kind == Kind.CONTINUE:
            self.frame(cue, 1.0)
        return self.last

    def back(self, action, *, reaction=0.35, seconds=0.35):
        self.hold(reaction, action, 1.0)
        return self.move(action, to=0.0, start=1.0, seconds=seconds)


def _baseline(camera):
    for _ in range(liveness.BASELINE_FRAMES):
        camera.frame()
    assert camera.tracker.phase == Phase.WAITING


def _genuine(camera, cues):
    for index, cue in enumerate(cues):
        assert camera.until_cue() == cue
        camera.answer(cue)
        if index < len(cues) - 1:
            camera.back(cue)
    return camera.last


# --- the cues drawn --------------------------------------------------------------


def test_each_check_draws_its_cues_from_the_actions_with_secrets():
    import secrets

    assert isinstance(liveness._random, secrets.SystemRandom)
    tracker = Tracker.new()
    assert len(tracker.cues) == CUES_PER_CHECK >= 2
    assert set(tracker.cues) <= set(ACTIONS)
    assert len(ACTIONS) >= 3 and {"smile", "turn-left", "turn-right"} <= set(ACTIONS)


def test_checks_draw_different_cues():
    sequences = {tuple(Tracker.new().cues) for _ in range(200)}
    seen = {cue for sequence in sequences for cue in sequence}

    # 64 possible sequences: 200 draws that gave few would not be random.
    assert len(sequences) > 30
    assert seen == set(ACTIONS)


def test_an_empty_state_draws_a_fresh_tracker(draws):
    draws(("turn-right", "smile", "smile"))

    assert Tracker.from_dict({}).cues == ["turn-right", "smile", "smile"]


def test_every_delay_is_drawn_within_its_bounds(draws):
    fixed = draws()
    camera = Camera(Tracker.new())

    _genuine(camera, ["smile", "turn-left", "open-mouth"])

    assert fixed.delays == [liveness.CUE_DELAY_SECONDS] * CUES_PER_CHECK
    low, high = liveness.CUE_DELAY_SECONDS
    assert 0 < low < high


# --- baseline --------------------------------------------------------------------


def test_baseline_needs_three_steady_frames(draws):
    draws()
    camera = Camera(Tracker.new())

    camera.frame()
    camera.frame()
    assert camera.tracker.phase == Phase.BASELINE
    camera.frame()

    assert camera.tracker.phase == Phase.WAITING
    assert camera.tracker.base == pytest.approx(BASE)
    assert camera.last.hint == "baseline"


def test_baseline_waits_while_the_face_moves(draws):
    draws()
    camera = Camera(Tracker.new())

    for degree in (0.0, 0.5, 1.0, 0.5, 0.0):
        camera.frame("turn-left", degree)

    assert camera.tracker.phase == Phase.BASELINE


def test_no_face_asks_to_look_at_the_camera_and_changes_nothing(draws):
    draws()
    camera = Camera(Tracker.new())

    camera.frame(faces=0)

    assert camera.last.hint == "no_face"
    assert camera.tracker.samples == []
    assert camera.tracker.restarts == 0


@pytest.mark.parametrize("faces", [0, 2])
def test_a_frame_without_the_one_face_is_not_seen_and_changes_nothing(draws, faces):
    draws()
    camera = Camera(Tracker.new())
    camera.frame()
    camera.frame()

    camera.frame(faces=faces)

    assert camera.last.hint == ("several_faces" if faces else "no_face")
    assert camera.tracker.samples == []  # the baseline's frames run in a row
    _baseline(camera)
    camera.frame(faces=faces)
    assert camera.tracker.phase == Phase.WAITING
    assert camera.tracker.restarts == 0


@pytest.mark.parametrize("faces", [0, 2])
def test_hiding_the_face_does_not_hold_the_cue_back(draws, faces):
    """Were the cue to wait for a face, whoever hides it could choose when the cue
    goes out, and a recording would know when to move."""
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())
    _baseline(camera)
    ready_at = camera.at

    camera.hold(DELAY + 1.0, faces=faces)

    assert camera.tracker.phase == Phase.CUE
    assert camera.tracker.cue_at < ready_at + DELAY + 2 * FRAME
    camera.hold(CUE_WINDOW_SECONDS, faces=faces)
    assert camera.tracker.last_problem == ("several_faces" if faces else "no_face")
    assert camera.tracker.restarts == 1


def test_a_baseline_taken_from_a_smile_is_taken_again(draws):
    draws()
    camera = Camera(Tracker.new())
    for _ in range(3):
        camera.frame("smile", 1.0)
    assert camera.tracker.phase == Phase.WAITING

    camera.frame()  # the smile is gone: the face reads far below its "neutral"

    assert camera.last.hint == "baseline_dropped"
    _baseline(camera)
    assert camera.tracker.base["smile"] == pytest.approx(BASE["smile"])


# --- a genuine shopper ------------------------------------------------------------


def test_smooth_answers_to_every_cue_pass(draws):
    draws(("smile", "turn-left", "open-mouth"))
    camera = Camera(Tracker.new())

    outcome = _genuine(camera, ["smile", "turn-left", "open-mouth"])

    assert outcome.kind == Kind.PASS
    assert [answer["cue"] for answer in camera.tracker.answers] == [
        "smile",
        "turn-left",
        "open-mouth",
    ]
    for answer in camera.tracker.answers:
        assert MIN_ONSET_SECONDS <= answer["reaction_s"] < answer["answered_s"]
        assert answer["answered_s"] <= CUE_WINDOW_SECONDS


@pytest.mark.parametrize("cue", ACTIONS)
def test_each_move_answers_its_own_cue(draws, cue):
    draws((cue, cue, cue))
    camera = Camera(Tracker.new())

    assert _genuine(camera, [cue, cue, cue]).kind == Kind.PASS


def test_the_cue_goes_out_after_the_delay_and_is_all_the_page_is_told(draws):
    draws(("turn-right", "smile", "smile"))
    camera = Camera(Tracker.new())
    _baseline(camera)
    ready_at = camera.at

    cue = camera.until_cue()

    assert cue == "turn-right"
    assert camera.at >= ready_at + DELAY
    assert camera.last.state == "challenge"
    assert camera.last.hint == "cue"
    # Before it, the page only heard "streaming", with no cue.
    assert {(o.state, o.cue) for o in camera.outcomes[:-1]} == {("streaming", NEUTRAL)}


def test_the_neutral_face_and_each_answer_are_encoded(draws):
    draws(("smile", "turn-right", "smile"))
    camera = Camera(Tracker.new())

    _genuine(camera, ["smile", "turn-right", "smile"])

    encoded = [o for o in camera.outcomes if o.encode]
    # The neutral face at the first cue, and each answer as it crosses.
    assert len(encoded) == 1 + CUES_PER_CHECK
    assert encoded[0].hint == "cue"
    assert camera.outcomes.index(encoded[0]) == [o.cue for o in camera.outcomes].index(
        "smile"
    )


def test_between_cues_the_page_shows_neutral_until_the_face_is_back(draws):
    draws(("open-mouth", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.answer("open-mouth")

    assert camera.last.cue == NEUTRAL
    assert camera.last.hint == "relax"
    camera.hold(1.0, "open-mouth", 1.0)  # held: no next cue
    assert {o.cue for o in camera.outcomes[-5:]} == {NEUTRAL}
    assert camera.tracker.phase == Phase.RELAX

    camera.move("open-mouth", to=0.0, start=1.0)
    assert camera.tracker.phase == Phase.WAITING


# --- the rules, each broken -------------------------------------------------------


def _smile_asked(draws) -> "Camera":
    """A camera 0.4 s into the first of three smile cues, still neutral."""
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.hold(0.4)
    return camera


def test_a_photo_swap_jumps_and_never_answers(draws):
    camera = _smile_asked(draws)

    camera.frame("smile", 1.0)  # the smiling photo replaces the neutral one
    camera.hold(0.6, "smile", 1.0)

    assert camera.last.kind == Kind.CONTINUE
    assert "not_continuous" in {o.hint for o in camera.outcomes}
    assert camera.tracker.answers == []
    assert camera.tracker.jumps == 1
    # The evidence says which step jumped: all of the way, in one frame's time.
    [(share, settled_share, seconds)] = camera.tracker.jump_steps
    assert share == settled_share == 1.0
    assert 0 < seconds < 0.1


def test_a_photo_swap_whose_measure_flickers_still_jumps(draws):
    """A posed photo the engine reads now at 0.8 of the threshold, now at 1.2 (a
    small face, a half-open mouth): its jump is two thirds of the way to the
    highest frame, but all of the way to where it settles."""
    camera = _smile_asked(draws)

    camera.frame("smile", 0.4)  # the photo, read at 0.8 of the threshold
    camera.frame("smile", 0.6)  # the same photo, read at 1.2
    camera.frame("smile", 0.4)
    camera.frame("smile", 0.4)

    assert camera.tracker.answers == []
    assert camera.tracker.jumps == 1
    [(share, settled_share, _)] = camera.tracker.jump_steps
    assert share <= liveness.MAX_STEP_SHARE < settled_share


def test_a_move_that_goes_on_after_its_largest_step_is_continuous(draws):
    """The same readings in a live face's order: the largest step, then the face
    goes on to where it stays."""
    camera = _smile_asked(draws)

    camera.frame("smile", 0.15)
    camera.frame("smile", 0.4)
    camera.frame("smile", 0.6)
    camera.frame("smile", 0.65)
    camera.frame("smile", 0.65)

    assert camera.tracker.jumps == 0
    assert [answer["cue"] for answer in camera.tracker.answers] == ["smile"]


def test_a_photo_swap_after_a_noisy_neutral_frame_still_jumps(draws):
    camera = _smile_asked(draws)

    # A neutral frame that noise lifted by 8 % (0.4 of the threshold: about three
    # standard deviations of the smile measure on a still), then the photo.
    camera.frame(smile=BASE["smile"] * 0.08)
    camera.frame("smile", 1.0)
    camera.hold(0.4, "smile", 1.0)

    assert camera.tracker.answers == []
    assert camera.tracker.jumps == 1


def test_a_photo_swap_runs_out_of_time_as_not_continuous(draws):
    draws(("turn-left", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.hold(0.4)

    camera.hold(CUE_WINDOW_SECONDS + 0.3, "turn-left", 1.0)

    assert camera.tracker.restarts == 1
    assert camera.tracker.last_problem == "not_continuous"
    assert camera.tracker.phase == Phase.BASELINE


def test_a_jump_can_be_done_again_smoothly_within_the_window(draws):
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.hold(0.3)
    camera.frame("smile", 1.0)
    camera.frame("smile", 1.0)
    assert camera.last.hint == "not_continuous"

    camera.move("smile", to=0.0, start=1.0, seconds=0.3)
    camera.move("smile", seconds=0.4)
    camera.frame("smile", 1.0)

    assert camera.tracker.answers[0]["cue"] == "smile"


def test_an_answer_sooner_than_a_human_can_react_starts_again(draws):
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()

    camera.move("smile", seconds=0.2)  # moving from the cue's first frame on

    assert camera.tracker.last_problem == "moved_early"
    assert camera.tracker.restarts == 1


def test_the_cues_time_counts_from_when_the_page_is_told(draws):
    """The caller stamps when the page is told (after the frame's encoding): the
    earliest answer and the window count from then, and a stamp never moves the
    cue's time back."""
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    assert camera.last.cue_out
    issued = camera.tracker.cue_at

    liveness.cue_sent(camera.tracker, issued + 0.3)
    liveness.cue_sent(camera.tracker, issued)  # an older stamp changes nothing

    assert camera.tracker.cue_at == issued + 0.3
    # An answer starting 0.15 s after the page was told (0.45 s after the cue
    # was issued) is sooner than a human can react to it.
    camera.hold(0.15)
    camera.move("smile", seconds=0.3)
    assert camera.tracker.last_problem == "moved_early"
    assert not any(o.cue_out for o in camera.outcomes[:-1] if o.cue == NEUTRAL)


def test_no_answer_within_the_window_starts_again(draws):
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()

    camera.hold(CUE_WINDOW_SECONDS + 0.2)

    assert camera.tracker.last_problem == "no_response"
    assert camera.tracker.restarts == 1


def test_an_answer_after_the_window_is_no_answer(draws):
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()

    camera.answer("smile", reaction=CUE_WINDOW_SECONDS)

    assert camera.tracker.answers == []
    assert camera.tracker.last_problem == "no_response"


@pytest.mark.parametrize("action", ACTIONS)
def test_any_move_before_the_cue_starts_again(draws, action):
    draws()
    camera = Camera(Tracker.new())
    _baseline(camera)

    camera.move(action, seconds=0.4)

    assert camera.tracker.last_problem in ("moved_early", "baseline_dropped")
    assert camera.tracker.restarts == 1


@pytest.mark.parametrize(
    ("cue", "other"),
    [
        ("smile", "turn-left"),
        ("smile", "turn-right"),
        ("turn-left", "turn-right"),
        ("turn-left", "smile"),
        ("turn-right", "turn-left"),
        ("open-mouth", "smile"),
        ("open-mouth", "turn-left"),
    ],
)
def test_another_move_than_the_cue_starts_again(draws, cue, other):
    draws((cue, cue, cue))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.hold(0.4)

    camera.move(other)

    assert camera.tracker.last_problem == "wrong_move"
    assert camera.tracker.answers == []


def test_a_smile_that_opens_the_mouth_is_still_a_smile(draws):
    camera = _smile_asked(draws)

    for degree in (0.2, 0.5, 0.8, 1.0, 1.0):
        camera.frame("smile", degree, mouth_open=0.3 * degree)

    assert [answer["cue"] for answer in camera.tracker.answers] == ["smile"]


def test_a_frame_missing_from_the_answer_means_it_was_not_seen(draws):
    draws(("turn-left", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.hold(0.4)

    camera.frame("turn-left", 0.2, after=CUE_FRAME)
    camera.frame("turn-left", 0.9, after=2 * CUE_FRAME, skip=1)  # frame dropped
    camera.hold(0.4, "turn-left", 1.0)

    assert camera.tracker.answers == []
    assert "not_continuous" not in {o.hint for o in camera.outcomes}


def test_a_late_frame_is_a_gap_too(draws):
    draws(("turn-left", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.hold(0.3)

    camera.frame("turn-left", 0.2, after=CUE_FRAME)
    camera.frame("turn-left", 0.5, after=liveness.MAX_FRAME_GAP_SECONDS + 0.05)
    camera.hold(0.4, "turn-left", 1.0)

    assert camera.tracker.answers == []


@pytest.mark.parametrize("faces", [0, 2])
def test_a_frame_without_the_one_face_in_the_answer_is_not_seen(draws, faces):
    camera = _smile_asked(draws)

    camera.frame("smile", 0.2)
    camera.frame(faces=faces)
    camera.frame("smile", 0.7)
    camera.hold(0.4, "smile", 1.0)

    assert camera.tracker.answers == []
    assert camera.tracker.phase == Phase.CUE  # the clock runs on


def test_a_gap_is_forgiven_once_the_face_is_neutral_again(draws):
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.frame(skip=3)
    camera.hold(0.3)

    camera.move("smile")
    camera.frame("smile", 1.0)

    assert [answer["cue"] for answer in camera.tracker.answers] == ["smile"]


def test_a_face_held_in_its_move_past_the_relax_window_starts_again(draws):
    draws(("smile", "turn-left", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.answer("smile")

    camera.hold(RELAX_WINDOW_SECONDS + 0.2, "smile", 1.0)

    assert camera.tracker.last_problem == "no_return"
    assert camera.tracker.restarts == 1


def test_a_restart_asks_the_same_cues_from_the_first(draws):
    draws(("smile", "turn-left", "open-mouth"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.answer("smile")
    camera.back("smile")
    assert camera.until_cue() == "turn-left"

    camera.hold(CUE_WINDOW_SECONDS + 0.2)  # no answer
    assert camera.tracker.restarts == 1
    assert camera.tracker.answers == []

    assert _genuine(camera, ["smile", "turn-left", "open-mouth"]).kind == Kind.PASS


def test_a_new_baseline_is_not_taken_while_a_move_is_still_held(draws):
    draws(("open-mouth", "smile", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.hold(0.3)
    camera.frame("turn-left", 1.0)  # the wrong move: starting again
    assert camera.tracker.restarts == 1

    camera.hold(1.0, "turn-left", 1.0)
    assert camera.tracker.phase == Phase.BASELINE

    camera.hold(0.5)
    assert camera.tracker.phase == Phase.WAITING
    assert camera.tracker.base == pytest.approx(BASE)


def test_past_the_restart_cap_the_check_fails_with_the_last_problem(draws):
    draws(("smile", "smile", "smile"))
    camera = Camera(Tracker.new())

    for _ in range(MAX_RESTARTS + 1):
        camera.until_cue()
        while camera.last.cue != NEUTRAL:
            camera.frame()  # no answer, until the window closes

    assert camera.last.kind == Kind.FAIL
    assert camera.last.problem == "no_response"
    assert camera.tracker.phase == Phase.FAILED
    assert camera.tracker.restarts == MAX_RESTARTS + 1
    # A failed tracker stays failed, whatever it is shown next.
    camera.hold(0.5)
    assert {o.kind for o in camera.outcomes[-3:]} == {Kind.FAIL}
    assert _genuine_would_not_pass(camera)


def _genuine_would_not_pass(camera) -> bool:
    return all(o.kind != Kind.PASS for o in camera.outcomes)


# --- attacks, whatever their timing -------------------------------------------------


@pytest.mark.parametrize("interval", [0.02, FRAME, 0.3, 1.0])
@pytest.mark.parametrize("action", [NEUTRAL, *ACTIONS])
def test_a_still_photo_never_passes(draws, interval, action):
    draws()
    camera = Camera(Tracker.new())

    for _ in range(300):
        camera.frame(action, 1.0, after=interval)

    assert _genuine_would_not_pass(camera)


swaps = st.lists(
    st.tuples(
        st.sampled_from([NEUTRAL, *ACTIONS]),  # the photo shown: neutral, or a pose
        st.floats(min_value=0.02, max_value=0.6),  # for how long
        st.floats(min_value=-0.025, max_value=0.025),  # noise on the smile measure
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(photos=swaps)
def test_photos_swapped_at_any_moments_never_pass(photos):
    """Neutral and posed photos, shown in any order for any time, with noise on the
    noisiest measure: a sequence of stills never moves through the frames between."""
    tracker = Tracker(cues=["smile", "turn-left", "open-mouth"])
    camera = Camera(tracker)
    for photo, seconds, noise in photos:
        camera.hold(seconds, photo, 1.0, smile=noise)

    assert _genuine_would_not_pass(camera)


observations = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=3, allow_nan=False, allow_infinity=False),
        st.integers(min_value=0, max_value=3),  # frames skipped
        st.sampled_from([0, 1, 2]),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(
    smile=st.floats(min_value=-5, max_value=5, allow_nan=False),
    yaw=st.floats(min_value=-1, max_value=1, allow_nan=False),
    frames=observations,
)
def test_a_constant_face_never_passes_whatever_the_timing_or_faces(smile, yaw, frames):
    tracker = Tracker(cues=["smile", "turn-right", "smile"])
    at, seq = 0.0, 0
    for after, skipped, faces in frames:
        at += after
        seq += 1 + skipped
        measures = {"smile": smile, "yaw": yaw, "mouth_open": 0.1} if faces == 1 else {}
        outcome = liveness.step(
            tracker, Observation(seq=seq, at=at, faces=faces, **measures), now=at
        )
        assert outcome.kind != Kind.PASS


# --- state between frames -----------------------------------------------------------


@pytest.mark.parametrize("frames", [0, 2, 3, 12, 30, 60])
def test_state_round_trips_through_json(draws, frames):
    draws()
    camera = Camera(Tracker.new())
    for _ in range(frames):
        camera.frame()

    restored = Tracker.from_dict(json.loads(json.dumps(camera.tracker.to_dict())))

    assert restored == camera.tracker


def test_a_restored_tracker_carries_on_an_answer(draws):
    draws(("smile", "turn-left", "smile"))
    camera = Camera(Tracker.new())
    camera.until_cue()
    camera.hold(0.4)
    camera.move("smile", to=0.5, seconds=0.2)

    camera.tracker = Tracker.from_dict(json.loads(json.dumps(camera.tracker.to_dict())))
    camera.move("smile", start=0.5, seconds=0.2)
    camera.frame("smile", 1.0)

    assert [answer["cue"] for answer in camera.tracker.answers] == ["smile"]


def test_the_state_of_an_older_kind_of_check_gives_a_fresh_tracker(draws):
    """An attempt open across a deploy kept the single smile's state."""
    draws(("smile", "open-mouth", "turn-left"))
    single_smile = {"phase": "challenge", "samples": [0.8], "baseline": 0.8}

    tracker = Tracker.from_dict(single_smile)

    assert tracker.cues == ["smile", "open-mouth", "turn-left"]
    assert tracker.phase == Phase.BASELINE
