"""The bench's live people: fixture photos animated by faceauth.simulation.

Each person of tests/fixtures/faces/liveness.csv that the bench uses (a data file:
nothing is imported from tests/) is
- enrolled as `face_enroll` enrols (the same jitter budget, `engine.enrolment_face`
  on each enrolment photo), once per run, and
- filmed once: the neutral photo and each action at CAMERA_LEVELS degrees, rendered
  by `simulation.Poser` (about 70 ms a warp), then several noisy JPEG copies of each
  pose (`simulation.with_noise`, `simulation.to_jpeg` at the page's quality 0.8).

A simulated shopper then sends, frame by frame, a random noisy copy of the pose it is
in (`Film.frame`): pixels differ from frame to frame as a camera's do, without
rendering while the clock runs.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.common import ROOT

FACES = ROOT / "tests" / "fixtures" / "faces"
MANIFEST = FACES / "liveness.csv"
PEOPLE = ("obama", "biden")  # who the simulated shoppers are, in turn


@dataclass
class Film:
    """Noisy JPEG frames of one person: neutral, and each action at each level."""

    person: str
    animate: Path  # the neutral photo the poses are rendered from
    levels: int
    neutral: list[bytes] = field(default_factory=list)
    poses: dict[str, list[list[bytes]]] = field(default_factory=dict)

    def frame(self, action: str, degree: float, rng: np.random.Generator) -> bytes:
        """A noisy frame of the rendered pose nearest `action` at `degree`."""
        level = min(self.levels, round(degree * self.levels))
        pool = self.neutral if action not in self.poses or level <= 0 else None
        if pool is None:
            pool = self.poses[action][level - 1]
        return pool[int(rng.integers(len(pool)))]

    @property
    def frames(self) -> int:
        return len(self.neutral) + sum(len(v) for p in self.poses.values() for v in p)


_SPECS: dict = {}
_ENCODINGS: dict[str, list[np.ndarray]] = {}
_FILMS: dict[tuple, Film] = {}


def spec(person: str):
    """The person's row of liveness.csv (faceauth.pad.PersonSpec)."""
    if not _SPECS:
        from faceauth import pad

        _SPECS.update({s.name: s for s in pad.read_manifest(MANIFEST)})
    return _SPECS[person]


def enrolment_encodings(person: str) -> list[np.ndarray]:
    """The person's templates as `face_enroll` makes them from their enrolment
    photos (computed once per run)."""
    if person not in _ENCODINGS:
        from faceauth import engine
        from faceauth.services.enrolment import ENROL_JITTER_BUDGET

        photos = spec(person).enrol
        jitters = max(1, ENROL_JITTER_BUDGET // len(photos))
        rows = []
        for path in photos:
            image = engine.decode_photo(path.read_bytes())
            box = engine.enrolment_face(image, engine.find_faces_in_photo(image))
            rows.append(engine.encode_face(image, box, jitters=jitters))
        _ENCODINGS[person] = rows
    return _ENCODINGS[person]


def templates(person: str) -> np.ndarray:
    return np.vstack(enrolment_encodings(person))


def film(person: str, *, neutral: int = 24, per_pose: int = 4, seed: int = 0) -> Film:
    """The person's film (rendered once per run and size)."""
    key = (person, neutral, per_pose, seed)
    if key not in _FILMS:
        from faceauth import engine, liveness, simulation

        rng = np.random.default_rng(seed)
        animate = spec(person).animate
        poser = simulation.Poser(
            simulation.photo_frame(engine.decode_photo(animate.read_bytes()))
        )
        levels = simulation.CAMERA_LEVELS

        def copies(image, count):
            return [
                simulation.to_jpeg(simulation.with_noise(image, rng))
                for _ in range(count)
            ]

        result = Film(person=person, animate=animate, levels=levels)
        result.neutral = copies(poser.frame, neutral)
        for action in liveness.ACTIONS:
            result.poses[action] = [
                copies(poser.pose(action, level / levels), per_pose)
                for level in range(1, levels + 1)
            ]
        _FILMS[key] = result
    return _FILMS[key]


def films(*, quick: bool = False) -> dict[str, Film]:
    """Every bench person's film, smaller for a QUICK run."""
    size = {"neutral": 12, "per_pose": 2} if quick else {"neutral": 24, "per_pose": 4}
    return {person: film(person, **size) for person in PEOPLE}
