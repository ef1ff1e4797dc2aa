"""The synthetic live faces of the evaluation and the browser tests, as the engine
reads them: each animated move crosses the live check's threshold for that move,
and only for it, in the direction the face page's contract names."""

import numpy as np
import pytest

from faceauth import engine, liveness, simulation

from .factories import OBAMA, face_bytes


@pytest.fixture(scope="module")
def poser():
    return simulation.Poser(
        simulation.photo_frame(engine.decode_photo(face_bytes(OBAMA)))
    )


def _measures(frame) -> engine.FaceMeasures:
    image = engine.decode_image(simulation.to_jpeg(frame))
    look = engine.look_at_frame(image)
    assert len(look.boxes) == 1
    return look.measures


def _base(neutral) -> dict[str, float]:
    """A tracker's baseline from one neutral face's measures."""
    return {name: getattr(neutral, name) for name in liveness.MEASURES}


def _progress(neutral, posed) -> dict[str, float]:
    return liveness._progress(
        _base(neutral), liveness.observe(seq=1, at=0.0, faces=1, measures=posed)
    )


@pytest.mark.parametrize("action", liveness.ACTIONS)
def test_each_animated_move_crosses_its_own_threshold_and_no_other(poser, action):
    neutral = _measures(poser.frame)

    moves = _progress(neutral, _measures(poser.pose(action, 1.0)))

    # Clearly past its threshold (the open mouth reads 1.49 to 1.5 of it, as the
    # warp's arithmetic rounds on one CPU or another).
    assert moves[action] >= 1.4, moves
    others = {
        other: degree
        for other, degree in liveness.WRONG_MOVES[action].items()
        if moves[other] >= degree
    }
    assert others == {}, moves


def test_turning_to_the_shoppers_left_moves_the_nose_toward_the_images_right(poser):
    """The frames sent are not mirrored: the shopper's own left is the image's right."""
    neutral = poser.points[30, 0]  # the nose tip
    turned = engine.face_landmarks(
        poser.pose("turn-left", 1.0), engine.find_faces_in_frame(poser.frame)[0]
    ).points[30, 0]

    assert turned > neutral + 5
    assert _measures(poser.pose("turn-left", 1.0)).yaw > _measures(poser.frame).yaw


def test_a_move_passes_through_the_degrees_between(poser):
    neutral = _measures(poser.frame)

    progress = [
        _progress(neutral, _measures(poser.pose("smile", degree)))["smile"]
        for degree in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]

    assert progress == sorted(progress)
    assert any(liveness.START_BELOW < p < 1 for p in progress)


def test_noise_makes_every_frame_different_bytes(poser):
    rng = np.random.default_rng(0)

    frames = {
        simulation.to_jpeg(simulation.with_noise(poser.frame, rng)) for _ in range(5)
    }

    assert len(frames) == 5


def test_the_camera_script_carries_the_film_and_the_mode():
    film = {"neutral": [b"\xff\xd8neutral"], "smile": [b"\xff\xd8smile"]}

    script = simulation.camera_script(film, mode="swap", seed=3)

    assert "__CAMERA_CONFIG__" not in script
    assert '"mode": "swap"' in script
    assert "data:image/jpeg;base64," in script
    assert "getUserMedia" in script
    with pytest.raises(ValueError):
        simulation.camera_script(film, mode="hologram")


def _camera_plays(measures: list, *, fps: float, move_s: float, offset: float):
    """The reacting camera's frames of one move (simulation_camera.js: a smoothstep
    from neutral to the last level over `move_s`, the level nearest each moment's
    degree), as a page sampling it `fps` times a second sends them, the first
    `offset` seconds after the move began; then held. `measures[0]` is neutral."""
    levels = len(measures) - 1
    frames = []
    for k in range(int((move_s + 1.0) * fps)):
        at = k / fps + offset - 0.3  # a few neutral frames first
        share = min(1.0, max(0.0, at / move_s))
        degree = share * share * (3 - 2 * share)
        level = 0 if degree <= 0.001 else min(levels, max(1, round(degree * levels)))
        frames.append(measures[level])
    return frames


@pytest.mark.parametrize("action", ["open-mouth"])  # the move whose measure leaps
def test_the_cameras_moves_are_seen_as_continuous_at_ten_frames_a_second(poser, action):
    """A page that sends 10 frames a second, not 15 (a loaded machine), still sees
    the film's move as a live one, whatever its speed and phase: the tracker answers
    the cue and never calls it a jump. At evenly spaced degrees of the warp, the open
    mouth's measure did most of its way between two frames: 10 of 21 plays jumped."""
    neutral = poser.measures(poser.frame)
    measures = [neutral] + [
        poser.measures(poser.pose(action, degree))
        for degree in poser.even_degrees(action, simulation.CAMERA_LEVELS)
    ]
    fps = 10
    verdicts = []
    for move_s in (0.35, 0.42, 0.5):  # the camera's range of move times
        for offset in np.linspace(0, 1 / fps, 7, endpoint=False):
            tracker = liveness.Tracker(cues=[action, action], phase=liveness.Phase.CUE)
            tracker.base = _base(neutral)
            tracker.cue_at = -0.5  # the move starts half a second after the cue
            hints = [
                liveness.step(
                    tracker,
                    liveness.observe(seq=seq, at=seq / fps, faces=1, measures=m),
                    now=seq / fps,
                ).hint
                for seq, m in enumerate(
                    _camera_plays(measures, fps=fps, move_s=move_s, offset=offset)
                )
            ]
            verdicts.append((move_s, round(offset, 3), tracker.index, hints))

    jumped = [v for v in verdicts if "not_continuous" in v[3]]
    unanswered = [v for v in verdicts if v[2] != 1]
    assert jumped == [] and unanswered == [], (jumped, unanswered)
