"""Helpers shared by the benchmarks: statistics, paths, frame rates."""

import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FPS = 8  # what the face page sends,
CUE_FPS = 15  # and while a cue is shown (static/js/face-pay.js)


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


def with_failures(
    latencies: list[float], failures: int, q: float, digits: int = 1
) -> float | None:
    """Nearest-rank percentile where each failure counts as never answered (None if
    the percentile falls on one)."""
    values = sorted(latencies) + [math.inf] * failures
    if not values:
        return None
    value = values[max(0, math.ceil(q / 100 * len(values)) - 1)]
    return None if math.isinf(value) else round(value, digits)
