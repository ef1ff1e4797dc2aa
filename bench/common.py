"""Helpers shared by the benchmarks: statistics, webcam-like clips, paths."""

import io
import math
import statistics
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FPS = 8  # what the face page sends
JPEG_QUALITY = 85
# (neutral photo, smiling photo) of each simulated shopper's person.
PEOPLE = {
    "obama": (
        "people/obama/obama_neutral.jpg",
        "people/obama/obama_smiling_portrait.jpg",
    ),
    "biden": ("people/biden/biden_standing.jpg", "people/biden/biden_smiling.jpg"),
}


def percentile(samples, q: float) -> float | None:
    """The q-th percentile (0-100), linear between the closest ranks."""
    values = sorted(samples)
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    rank = (len(values) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return float(values[low] + (values[high] - values[low]) * (rank - low))


def spread(samples, digits: int = 1) -> dict:
    """Median, quartiles, p95 and count of a sample, rounded."""
    values = [float(v) for v in samples if v is not None]
    if not values:
        return {"n": 0}

    def r(v):
        return None if v is None else round(v, digits)

    return {
        "n": len(values),
        "median": r(statistics.median(values)),
        "q1": r(percentile(values, 25)),
        "q3": r(percentile(values, 75)),
        "p95": r(percentile(values, 95)),
        "min": r(min(values)),
        "max": r(max(values)),
    }


def jpeg(frame: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


_BASE_FRAMES: dict[str, np.ndarray] = {}


def base_frame(name: str) -> np.ndarray:
    """The 640x480 frame of a fixture photo, the face 200 px wide (cached)."""
    if name not in _BASE_FRAMES:
        from tests.e2e.clips import photo_frame

        _BASE_FRAMES[name] = photo_frame(name)
    return _BASE_FRAMES[name]


def variants(name: str, count: int, *, seed: int = 0) -> list[bytes]:
    """`count` JPEG frames of one photo as a webcam sees a person sitting still:
    each shifted by a few pixels, a little brighter or darker, with sensor noise."""
    rng = np.random.default_rng(seed)
    frame = base_frame(name).astype(np.int16)
    frames = []
    for _ in range(count):
        dx, dy = rng.integers(-6, 7, size=2)
        moved = np.roll(frame, (int(dy), int(dx)), axis=(0, 1))
        gain = rng.normal(0, 4)
        noise = rng.normal(0, 2.0, size=moved.shape)
        out = np.clip(moved + gain + noise, 0, 255).astype(np.uint8)
        frames.append(jpeg(out))
    return frames
