"""Measure the face decision on labelled pairs of images (the face_eval command).

Each pair is an enrolment and a checkout: ``image_a`` is encoded as enrolment
encodes (several photos may be joined with ``|``; their encodings' centroid is the
template, jittered as at enrolment) and ``image_b`` as a checkout frame is (one
encoding, no jitter). Faces are found as at enrolment; where an image holds several
faces the largest is used. A pair with an image that has no face (or cannot be read) is a rejection.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import engine
from .services import ENROL_JITTER_BUDGET

TRUE_WORDS = {"1", "true", "yes", "y", "same", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "different", "diff", "f"}
TABLE_TOLERANCES = (0.40, 0.45, 0.50, 0.55, 0.60, 0.65)


class PairsFileError(Exception):
    """Raised when the pairs CSV is missing, has the wrong columns or a bad row."""


@dataclass(frozen=True)
class Pair:
    enrol: tuple[Path, ...]
    probe: Path
    same: bool


@dataclass
class PairResult:
    pair: Pair
    distance: float | None  # None when an image had no face


@dataclass
class Evaluation:
    results: list[PairResult]
    no_face: set[Path] = field(default_factory=set)
    unreadable: dict[Path, str] = field(default_factory=dict)

    def _distances(self, same: bool) -> list[float | None]:
        return [r.distance for r in self.results if r.pair.same is same]

    def rates(self, tolerance: float) -> tuple[float, float]:
        """False accept rate and false reject rate at ``tolerance``."""
        same, diff = self._distances(True), self._distances(False)
        false_rejects = sum(d is None or d > tolerance for d in same)
        false_accepts = sum(d is not None and d <= tolerance for d in diff)
        far = false_accepts / len(diff) if diff else 0.0
        frr = false_rejects / len(same) if same else 0.0
        return far, frr

    def summary(self, tolerance: float) -> dict:
        far, frr = self.rates(tolerance)
        same = [d for d in self._distances(True) if d is not None]
        diff = [d for d in self._distances(False) if d is not None]
        return {
            "pairs": len(self.results),
            "same_pairs": len(self._distances(True)),
            "diff_pairs": len(self._distances(False)),
            "tolerance": tolerance,
            "far": round(far, 6),
            "frr": round(frr, 6),
            "no_face": len(self.no_face),
            "unreadable": len(self.unreadable),
            "pairs_unscored": sum(r.distance is None for r in self.results),
            "max_same_distance": round(max(same), 4) if same else None,
            "min_diff_distance": round(min(diff), 4) if diff else None,
            "table": [
                {"tolerance": t, "far": round(a, 6), "frr": round(r, 6)}
                for t in TABLE_TOLERANCES
                for a, r in [self.rates(t)]
            ],
        }


def read_pairs(path: Path) -> list[Pair]:
    """Read ``image_a,image_b,same`` rows; relative paths are from the CSV's folder."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise PairsFileError(f"Cannot read {path}: {error}") from None
    reader = csv.DictReader(text.splitlines())
    columns = {name.strip() for name in reader.fieldnames or []}
    if not {"image_a", "image_b", "same"} <= columns:
        raise PairsFileError(f"{path} needs the columns image_a,image_b,same")
    pairs = []
    for line, row in enumerate(reader, start=2):
        row = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        label = row["same"].lower()
        if label not in TRUE_WORDS | FALSE_WORDS:
            raise PairsFileError(f"{path}:{line}: 'same' must be 1 or 0, not {label!r}")
        if not row["image_a"] or not row["image_b"]:
            raise PairsFileError(f"{path}:{line}: an image path is empty")
        pairs.append(
            Pair(
                enrol=tuple(
                    _resolve(path, name) for name in row["image_a"].split("|") if name
                ),
                probe=_resolve(path, row["image_b"]),
                same=label in TRUE_WORDS,
            )
        )
    if not pairs:
        raise PairsFileError(f"{path} has no pairs")
    return pairs


def _resolve(csv_path: Path, name: str) -> Path:
    candidate = Path(name)
    if candidate.is_absolute():
        return candidate
    beside = csv_path.parent / candidate
    return beside if beside.exists() else candidate


class _Encoder:
    """Encodes each image once per role, remembering faceless images."""

    def __init__(self, evaluation: Evaluation):
        self.evaluation = evaluation
        self._cache: dict[tuple[Path, int], np.ndarray | None] = {}

    def encode(self, path: Path, *, jitters: int) -> np.ndarray | None:
        key = (path, jitters)
        if key not in self._cache:
            self._cache[key] = self._encode(path, jitters)
        return self._cache[key]

    def _encode(self, path: Path, jitters: int) -> np.ndarray | None:
        try:
            image = engine.decode_photo(path.read_bytes())
        except (OSError, engine.FrameRejected) as error:
            self.evaluation.unreadable[path] = str(error)
            return None
        boxes = engine.find_faces_in_photo(image)
        if not boxes:
            self.evaluation.no_face.add(path)
            return None
        box = max(boxes, key=engine.box_area)
        return engine.encode_face(image, box, jitters=jitters)


def evaluate(pairs: list[Pair], *, progress=None) -> Evaluation:
    evaluation = Evaluation(results=[])
    encoder = _Encoder(evaluation)
    for number, pair in enumerate(pairs, start=1):
        jitters = max(1, ENROL_JITTER_BUDGET // len(pair.enrol))
        enrolled = [encoder.encode(path, jitters=jitters) for path in pair.enrol]
        probe = encoder.encode(pair.probe, jitters=1)
        distance = None
        if probe is not None and all(e is not None for e in enrolled):
            distance = engine.face_distance(np.vstack(enrolled), probe)
        evaluation.results.append(PairResult(pair=pair, distance=distance))
        if progress:
            progress(number, len(pairs))
    return evaluation
