"""The presentation-attack evaluation (faceauth/pad.py, the liveness_eval command).

Most tests here play faces made of numbers (the measures an animated photo gives:
a 40 % smile, a turn of 0.36, a mouth opened by 0.33, with noise) against the real
tracker, with every random draw seeded: the rates are the same on every run, and
the issue's targets are checked without a camera or an engine. The last tests run
the command itself on real fixture photos.
"""

import json
import random
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from faceauth import liveness, pad

# What the engine reads off the animated fixture photos: neutral and full poses.
NEUTRAL = {"smile": 0.80, "yaw": 0.30, "mouth_open": 0.05}
FULL = {"smile": 0.40, "yaw": 0.36, "mouth_open": 0.33}
NOISE = {"smile": 0.016, "yaw": 0.007, "mouth_open": 0.012}  # standard deviations
LEVELS = np.linspace(0.0, 1.0, 13)
TOLERANCE = 0.59


class Measures:
    def __init__(self, smile, yaw, mouth_open):
        self.smile, self.yaw, self.mouth_open = smile, yaw, mouth_open


def _measures(action, degree, rng) -> Measures:
    values = dict(NEUTRAL)
    if action == "smile":
        values["smile"] *= 1 + FULL["smile"] * degree
    elif action in ("turn-left", "turn-right"):
        values["yaw"] += FULL["yaw"] * degree * (1 if action == "turn-left" else -1)
    elif action == "open-mouth":
        values["mouth_open"] += FULL["mouth_open"] * degree
    return Measures(**{k: v + rng.normal(0, NOISE[k]) for k, v in values.items()})


def _person(name: str, identity: float, seed: int) -> pad.Person:
    """A face of numbers: its encodings sit `identity` apart from everyone else's."""
    rng = np.random.default_rng(seed)
    encoding = np.zeros(128)
    encoding[0] = identity
    shots = {}

    def shot(action, degree):
        return pad.Shot(
            faces=1, measures=_measures(action, degree, rng), encoding=encoding
        )

    shots[("neutral", 0)] = [shot("neutral", 0.0) for _ in range(8)]
    for action in liveness.ACTIONS:
        for level, degree in enumerate(LEVELS[1:], 1):
            shots[(action, level)] = [shot(action, degree) for _ in range(4)]
    return pad.Person(
        name=name, templates=encoding[None, :], shots=shots, degrees=LEVELS
    )


@pytest.fixture
def seeded(monkeypatch):
    """The tracker's cues and delays from a seeded generator, not secrets."""
    monkeypatch.setattr(liveness, "_random", random.Random(11))


@pytest.fixture(scope="module")
def report():
    """One seeded evaluation of three faces of numbers, 600 checks an attack."""
    people = [_person(name, i * 1.0, seed=i) for i, name in enumerate("abc")]
    saved = liveness._random
    liveness._random = random.Random(11)
    try:
        return pad.evaluate(people, checks=600, tolerance=TOLERANCE, seed=3)
    finally:
        liveness._random = saved


def test_the_targets_of_the_issue_hold_on_seeded_checks(report):
    """Issue 12's targets, on the same seeded checks every run."""
    assert report.apcer["blind_recording_best_timing"] <= 0.01
    assert report.apcer["blind_recording_capped_check"] <= 0.02
    assert report.apcer["photo_swap_on_cue"] == 0
    assert report.apcer["still_photo"] == 0
    assert report.apcer["another_person"] == 0
    assert report.bpcer <= 0.02
    assert report.checks["photo_swap_on_cue"] >= 600
    assert report.checks["genuine"] == 600


def test_a_blind_recording_is_timed_right_sometimes_but_rarely_guesses_the_moves(
    report,
):
    """The figure is honest: with its moves forced right, the best script does pass
    at times; what keeps it rare is guessing three moves of four, and the timing."""
    best = report.best_script
    assert 0 < best["timed_right"] < 0.9
    assert best["moves_guessed_right"] == (1 / 4) ** 3
    assert report.apcer["blind_recording_best_timing"] == pytest.approx(
        best["timed_right"] * best["moves_guessed_right"], abs=1e-6
    )


def test_genuine_checks_take_seconds_and_seldom_start_again(report):
    assert 3 < report.verdict_seconds["p50"] <= report.verdict_seconds["p95"] < 25
    assert report.restarts["mean"] < 0.5


def _photo_swaps(count: int, rng) -> list[pad.CheckResult]:
    person = _person("a", 0.0, seed=1)
    return [
        pad.run_check(
            pad.Reacting(rng, instant=True),
            person,
            person.templates,
            rng,
            tolerance=TOLERANCE,
        )
        for _ in range(count)
    ]


def test_a_photo_swap_is_refused_for_jumping(seeded):
    results = _photo_swaps(50, np.random.default_rng(2))

    assert {r.verdict for r in results} == {"declined"}
    assert {r.reason for r in results} == {"not_continuous"}


def test_what_if_plays_checks_under_another_rule_then_puts_the_real_one_back(seeded):
    """`--what-if` measures another rule: let a step carry all of the way and the
    photo swap that jumps passes; the real rules are back afterwards."""
    rng = np.random.default_rng(2)

    def swaps():
        return [result.verdict for result in _photo_swaps(10, rng)]

    other = {
        name: pad.what_if_value(name, "1.0")
        for name in ("MAX_STEP_SHARE", "MAX_SETTLED_SHARE")
    }
    with pad.what_if(other):
        assert liveness.MAX_STEP_SHARE == liveness.MAX_SETTLED_SHARE == 1.0
        under_the_other_rule = swaps()

    assert (liveness.MAX_STEP_SHARE, liveness.MAX_SETTLED_SHARE) == (0.75, 0.9)
    assert "approved" in under_the_other_rule
    assert set(swaps()) == {"declined"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SECRET_KEY=1", "not one of"),
        ("MAX_STEP_SHARE=much", "could not convert"),
        ("HUMAN_MOVE=0.6,0.3", "a range"),
        ("HUMAN_MOVE=0.3", "a range"),
        ("CUES_PER_CHECK=0", "more than 0"),
        ("FRAME_JITTER=-0.1", "more than 0"),
    ],
)
def test_liveness_eval_refuses_a_what_if_it_cannot_play(text, message):
    with pytest.raises(CommandError, match=message):
        call_command("liveness_eval", "--quick", "--what-if", text)


def test_another_person_is_refused_at_the_first_cue(seeded):
    shopper, stranger = _person("a", 0.0, seed=1), _person("b", 1.0, seed=2)
    rng = np.random.default_rng(3)

    result = pad.run_check(
        pad.Reacting(rng), stranger, shopper.templates, rng, tolerance=TOLERANCE
    )

    assert (result.verdict, result.reason) == ("declined", "no_match")
    assert result.seconds < 5


def test_the_old_single_smile_recording_now_fails_every_time(seeded):
    """The blind recording docs/security.md measured passing 100 % of draws under
    the single smile on cue: neutral, then a smile from 3 s on."""
    person = _person("a", 0.0, seed=1)
    rng = np.random.default_rng(4)
    recording = pad.Script(first=3.0, period=10.0, hold=20.0, moves=(("smile",),))

    results = [
        pad.run_check(recording, person, person.templates, rng, tolerance=TOLERANCE)
        for _ in range(100)
    ]

    assert not [r for r in results if r.verdict == "approved"]


# --- the command, on real photos -------------------------------------------------


@pytest.fixture
def two_people(faces, tmp_path) -> Path:
    manifest = tmp_path / "people.csv"
    manifest.write_text(
        "person,animate,enrol\n"
        f"obama,{faces}/people/obama/obama_neutral.jpg,"
        f"{faces}/people/obama/obama_smiling_portrait.jpg|"
        f"{faces}/people/obama/obama_speaking.jpg\n"
        f"biden,{faces}/people/biden/biden_standing.jpg,"
        f"{faces}/people/biden/biden_smiling.jpg\n"
    )
    return manifest


def test_liveness_eval_measures_every_attack_on_real_photos(two_people, capsys):
    call_command(
        "liveness_eval", "--people", two_people, "--quick", "--checks", "40", "--json"
    )

    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert set(summary["apcer"]) == set(pad.ATTACKS)
    assert summary["checks"]["photo_swap_on_cue"] == 40
    assert summary["checks"]["genuine"] == 40
    assert summary["apcer"]["photo_swap_on_cue"] == 0
    assert summary["apcer"]["still_photo"] == 0
    assert summary["apcer"]["another_person"] == 0
    # The faces are the real engine's reading of animated photos: they mostly pass.
    assert summary["bpcer"] <= 0.1
    assert "blind_recording_best_timing" in out and "BPCER" in out
    assert summary["settings"]["MAX_STEP_SHARE"] == liveness.MAX_STEP_SHARE


def test_liveness_eval_says_what_it_played_instead_of_the_real_rules(
    two_people, capsys
):
    call_command(
        "liveness_eval",
        *("--people", two_people, "--quick", "--checks", "10", "--json"),
        *("--what-if", "CUE_FPS=8", "--what-if", "HUMAN_MOVE=0.5,0.9"),
    )

    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["settings"]["CUE_FPS"] == 8.0
    assert summary["settings"]["HUMAN_MOVE"] == [0.5, 0.9]
    assert "what if: CUE_FPS = 8.0 (not the real setting)" in out
    assert pad.CUE_FPS == 15.0 and pad.HUMAN_MOVE == (0.3, 0.6)


def test_liveness_eval_refuses_a_broken_people_file(tmp_path):
    broken = tmp_path / "people.csv"
    broken.write_text("person,animate,enrol\nada,missing.jpg,missing.jpg\n")

    with pytest.raises(CommandError, match="no such photo"):
        call_command("liveness_eval", "--people", broken)
