"""Frame pipeline: the project's per-frame work against the naive one, same clip.

The clip is a few hundred 640x480 JPEG frames made from the fixture photos: simulated
checkouts (attempts) of two people, each a neutral face until the challenge, then a
smile 3 frames (0.375 s) after the prompt, at 8 frames a second.

- project: what `attempt_process_frame` does with each frame (decode,
  `find_faces_in_frame`, 68 landmarks, smile measure, the liveness tracker), plus the
  two encodings the challenge asks for (the neutral face at the prompt, the smile
  that completes it), each compared with the person's templates. The encodings are
  timed on the frames that need them, so the project's frames per second include
  them: amortised over the attempt's frames, as a real attempt pays them.
- naive: `face_recognition.face_encodings` on every full frame (the library's
  defaults: HOG with one upsampling on the whole frame, one encoding per face found),
  then `face_recognition.compare_faces` with the person's templates.

Both decode the same JPEG bytes with `engine.decode_image`. The clip is cut into
chunks of whole attempts, and each chunk runs through both pipelines back to back
(alternating which goes first), so both see the same machine load.
"""

import random
import statistics
import time

from bench.common import FPS, PEOPLE, spread, variants

REACTION_FRAMES = 3  # the simulated shopper smiles 0.375 s after the prompt
ATTEMPTS_PER_CHUNK = 3


def _templates(engine):
    """Each person's enrolment, as face_enroll makes it (two photos, 5 jitters)."""
    from tests.e2e.clips import FACES

    templates = {}
    for person, photos in PEOPLE.items():
        rows = []
        for name in photos:
            image = engine.decode_image(
                (FACES / name).read_bytes(),
                max_bytes=engine.PHOTO_MAX_BYTES,
                max_pixels=engine.PHOTO_MAX_PIXELS,
            )
            box = engine.enrolment_face(image, engine.find_faces_in_photo(image))
            rows.append(engine.encode_face(image, box, jitters=5))
        templates[person] = rows
    return templates


def _observe(engine, tracker, data, at):
    """The per-frame work of attempt_process_frame: returns (step, image, box)."""
    image = engine.decode_image(data)
    boxes = engine.find_faces_in_frame(image)
    box, smile = None, None
    if len(boxes) == 1:
        (box,) = boxes
        smile = engine.smile_measure(engine.face_landmarks(image, box))
    step, _ = tracker.observe(at=at, faces=len(boxes), smile=smile)
    return step, image, box


def build_clip(engine, liveness, *, min_frames: int) -> list[dict]:
    """Simulated attempts until the clip holds at least `min_frames` frames."""
    attempts = []
    total = 0
    number = 0
    while total < min_frames:
        person = list(PEOPLE)[number % len(PEOPLE)]
        neutral_name, smile_name = PEOPLE[person]
        neutral = variants(neutral_name, 24, seed=number)
        smiling = variants(smile_name, 24, seed=1000 + number)
        liveness._random = random.Random(number)
        tracker = liveness.Tracker()
        frames, steps, prompt_index = [], [], None
        for index in range(200):
            smile_now = (
                prompt_index is not None and index >= prompt_index + REACTION_FRAMES
            )
            pool = smiling if smile_now else neutral
            data = pool[index % len(pool)]
            step, _, _ = _observe(engine, tracker, data, index / FPS)
            frames.append(data)
            steps.append(str(step))
            if step == liveness.Step.PROMPT:
                prompt_index = index
            elif step == liveness.Step.SMILED:
                break
            elif step == liveness.Step.NO_SMILE:
                raise RuntimeError(f"attempt {number}: no smile seen in the clip")
        else:
            raise RuntimeError(f"attempt {number}: the challenge never completed")
        attempts.append(
            {"number": number, "person": person, "frames": frames, "steps": steps}
        )
        total += len(frames)
        number += 1
    return attempts


def run_project(engine, liveness, attempt, templates) -> tuple[list[float], int]:
    """Per-frame milliseconds of the project's pipeline over one attempt."""
    liveness._random = random.Random(attempt["number"])
    tracker = liveness.Tracker()
    times, encodings, verdict = [], 0, None
    for index, data in enumerate(attempt["frames"]):
        started = time.perf_counter()
        step, image, box = _observe(engine, tracker, data, index / FPS)
        if step in (liveness.Step.PROMPT, liveness.Step.SMILED):
            encoding = engine.encode_face(image, box)
            encodings += 1
            verdict = engine.face_distance(templates, encoding) <= 0.59
        times.append((time.perf_counter() - started) * 1000)
        if str(step) != attempt["steps"][index]:
            raise RuntimeError("the project pass diverged from the recorded clip")
    if not verdict:
        raise RuntimeError(f"attempt {attempt['number']}: the face did not match")
    return times, encodings


def run_naive(engine, face_recognition, attempt, templates) -> tuple[list[float], int]:
    times, matches = [], 0
    for data in attempt["frames"]:
        started = time.perf_counter()
        image = engine.decode_image(data)
        for encoding in face_recognition.face_encodings(image):
            matches += any(
                face_recognition.compare_faces(templates, encoding, tolerance=0.59)
            )
        times.append((time.perf_counter() - started) * 1000)
    return times, matches


def main(*, quick: bool = False) -> dict:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import face_recognition

    from faceauth import engine, liveness

    engine.warm_up()
    templates = _templates(engine)
    attempts = build_clip(engine, liveness, min_frames=60 if quick else 240)
    frames = sum(len(a["frames"]) for a in attempts)
    original_random = liveness._random
    project_ms, naive_ms, chunk_speedups = [], [], []
    encodings = naive_matches = 0
    try:
        for start in range(0, len(attempts), ATTEMPTS_PER_CHUNK):
            chunk = attempts[start : start + ATTEMPTS_PER_CHUNK]
            order = (
                ("project", "naive") if (start // 3) % 2 == 0 else ("naive", "project")
            )
            chunk_times = {}
            for which in order:
                times = []
                for attempt in chunk:
                    person_templates = templates[attempt["person"]]
                    if which == "project":
                        t, n = run_project(engine, liveness, attempt, person_templates)
                        encodings += n
                    else:
                        t, n = run_naive(
                            engine, face_recognition, attempt, person_templates
                        )
                        naive_matches += n
                    times += t
                chunk_times[which] = times
            project_ms += chunk_times["project"]
            naive_ms += chunk_times["naive"]
            chunk_speedups.append(
                sum(chunk_times["naive"]) / sum(chunk_times["project"])
            )
    finally:
        liveness._random = original_random
    project_fps = len(project_ms) / (sum(project_ms) / 1000)
    naive_fps = len(naive_ms) / (sum(naive_ms) / 1000)
    per_attempt = [len(a["frames"]) for a in attempts]
    encode_frames = [
        ms
        for a_ms, a in zip(_split(project_ms, per_attempt), attempts, strict=True)
        for ms, step in zip(a_ms, a["steps"], strict=True)
        if step in ("prompt", "smiled")
    ]
    plain_frames = [
        ms
        for a_ms, a in zip(_split(project_ms, per_attempt), attempts, strict=True)
        for ms, step in zip(a_ms, a["steps"], strict=True)
        if step not in ("prompt", "smiled")
    ]
    return {
        "frames": frames,
        "frame_size": "640x480",
        "attempts": len(attempts),
        "frames_per_attempt": spread(per_attempt),
        "encodings_per_attempt": round(encodings / len(attempts), 2),
        "naive_faces_matched": naive_matches,
        "project_fps": round(project_fps, 1),
        "naive_fps": round(naive_fps, 2),
        "speedup_vs_naive": round(project_fps / naive_fps, 2),
        "speedup_per_chunk": spread(chunk_speedups, 2),
        "chunks": len(chunk_speedups),
        "project_frame_ms": spread(project_ms, 2),
        "project_frame_ms_without_encoding": spread(plain_frames, 2),
        "project_frame_ms_with_encoding": spread(encode_frames, 2),
        "project_encoding_ms_per_frame_amortised": round(
            (sum(encode_frames) - len(encode_frames) * statistics.median(plain_frames))
            / len(project_ms),
            2,
        ),
        "naive_frame_ms": spread(naive_ms, 2),
    }


def _split(values, sizes):
    out, start = [], 0
    for size in sizes:
        out.append(values[start : start + size])
        start += size
    return out


if __name__ == "__main__":
    import json
    import os

    print(json.dumps(main(quick=os.environ.get("QUICK") == "1"), indent=2))
