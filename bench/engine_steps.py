"""Per-frame cost of each face-engine step at 320, 480 and 640 px wide frames, and of
`engine.look_at_frame` (the worker's per-frame look) on the 640 px frame.

Not a test: a measurement. Each step runs REPEATS times on webcam-like frames made
from the fixture photos; medians and interquartile ranges are reported, in ms.
Run with `make bench`; the numbers go to bench/results.json (engine_steps_ms).
"""

import io
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.faces import FACES  # noqa: E402
from faceauth import engine, simulation  # noqa: E402

WIDTHS = (320, 480, 640)
PHOTOS = (
    "people/obama/obama_neutral.jpg",
    "people/obama/obama_smiling_portrait.jpg",
    "people/biden/biden_smiling.jpg",
)
REPEATS = 15


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, (time.perf_counter() - start) * 1000


def summary(samples: list[float]) -> dict:
    q1, median, q3 = statistics.quantiles(samples, n=4)
    return {"median": round(median, 2), "q1": round(q1, 2), "q3": round(q3, 2)}


def measure(width: int) -> dict:
    frames = []
    for name in PHOTOS:
        # 640x480, the face 200 px wide, as the simulated shoppers send them.
        photo = engine.decode_photo((FACES / name).read_bytes())
        frame = simulation.photo_frame(photo)
        frame = (
            engine.resize_to_width(frame, width) if frame.shape[1] != width else frame
        )
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, format="JPEG", quality=85)
        frames.append(buffer.getvalue())
    steps = {"decode": [], "detect": [], "landmarks": [], "look": [], "encode": []}
    for _ in range(REPEATS):
        for data in frames:
            image, ms = timed(engine.decode_image, data)
            steps["decode"].append(ms)
            boxes, ms = timed(engine.detect_faces, image, max_side=width)
            steps["detect"].append(ms)
            if len(boxes) != 1:
                raise SystemExit(f"{width} px: expected one face, found {len(boxes)}")
            _, ms = timed(engine.face_landmarks, image, boxes[0])
            steps["landmarks"].append(ms)
            if width == 640:
                # What the worker does with every frame: detection (on a 320 px
                # copy of a 640 px frame), landmarks and the liveness measures.
                _, ms = timed(engine.look_at_frame, image)
                steps["look"].append(ms)
            _, ms = timed(engine.encode_face, image, boxes[0])
            steps["encode"].append(ms)
    result = {step: summary(samples) for step, samples in steps.items() if samples}
    result["frame_bytes"] = int(np.median([len(d) for d in frames]))
    return result


def _frames_640() -> list[np.ndarray]:
    """The fixture frames at 640 px, and one whose face runs off the left edge."""
    frames = [
        simulation.photo_frame(engine.decode_photo((FACES / name).read_bytes()))
        for name in PHOTOS
    ]
    cut = np.full_like(frames[0], simulation.BACKGROUND)
    cut[:, :-240] = frames[0][:, 240:]  # the face moved 240 px left, over the edge
    return [*frames, cut]


def library_calls() -> dict:
    """face_recognition's calls, which the engine makes (issue 16), against dlib's
    own calls with the same models, as the engine made them before: on the same
    frames, the same result? at what cost (median of per-frame ratios, the two
    interleaved)? Detection is compared on the 320 px copies the engine searches."""
    with warnings.catch_warnings():
        # face_recognition_models imports pkg_resources, which warns on import.
        warnings.simplefilter("ignore", UserWarning)
        import dlib
        import face_recognition
        import face_recognition_models as models

    detector = dlib.get_frontal_face_detector()
    shape_5 = dlib.shape_predictor(models.pose_predictor_five_point_model_location())
    shape_68 = dlib.shape_predictor(models.pose_predictor_model_location())
    encoder = dlib.face_recognition_model_v1(models.face_recognition_model_location())

    def direct_landmarks(image, rect):
        return np.array([(p.x, p.y) for p in shape_68(image, rect).parts()], float)

    def direct_encoding(image, rect):
        return np.array(encoder.compute_face_descriptor(image, shape_5(image, rect), 1))

    ratios = {"landmarks": [], "encode": []}
    landmarks_equal = encodings_equal = 0
    boxes = {"same": 0, "trimmed": 0}
    frames = _frames_640()
    for _ in range(max(1, REPEATS // 3)):
        for image in frames:
            small = np.asarray(Image.fromarray(image).reduce(2))
            rects = detector(small, 0)
            located = face_recognition.face_locations(small, 0)
            raw = [(r.top(), r.right(), r.bottom(), r.left()) for r in rects]
            boxes["same" if raw == located else "trimmed"] += 1
            (box,) = engine.detect_faces(image)
            top, right, bottom, left = box
            rect = dlib.rectangle(left, top, right, bottom)
            ours, library_ms = timed(engine.face_landmarks, image, box)
            theirs, direct_ms = timed(direct_landmarks, image, rect)
            landmarks_equal += bool(np.array_equal(ours.points, theirs))
            ratios["landmarks"].append(library_ms / direct_ms)
            ours, library_ms = timed(engine.encode_face, image, box)
            theirs, direct_ms = timed(direct_encoding, image, rect)
            encodings_equal += bool(np.array_equal(ours, theirs))
            ratios["encode"].append(library_ms / direct_ms)
    compared = len(ratios["encode"])
    return {
        "frames": compared,
        "landmarks_equal": landmarks_equal,
        "encodings_equal": encodings_equal,
        "cost_ratio": {
            step: round(statistics.median(values), 3) for step, values in ratios.items()
        },
        "face_locations_boxes": boxes,
    }


def main() -> dict:
    engine.warm_up()
    results = {str(width): measure(width) for width in WIDTHS}
    print("| width | decode ms | detect ms | landmarks ms | encode ms |")
    print("|---|---|---|---|---|")
    for width, steps in results.items():
        cells = [
            f"{steps[s]['median']:.1f} ({steps[s]['q1']:.1f}-{steps[s]['q3']:.1f})"
            for s in ("decode", "detect", "landmarks", "encode")
        ]
        print(f"| {width} | " + " | ".join(cells) + " |")
    return results


if __name__ == "__main__":
    import json

    output = ROOT / "bench" / "results.json"
    existing = json.loads(output.read_text()) if output.exists() else {}
    existing["engine_steps_ms"] = main()
    output.write_text(json.dumps(existing, indent=2) + "\n")
    print(f"Wrote {output.relative_to(ROOT)}")
