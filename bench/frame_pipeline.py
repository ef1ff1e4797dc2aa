"""Frame pipeline: the project's per-frame work against the naive one, same clip.

The clip is a few hundred 640x480 JPEG frames of simulated face checks (bench/faces.py:
fixture photos animated by faceauth.simulation, a noisy copy per frame). Each check
is recorded closed-loop, as a shopper in front of the page would play it: the
genuine actor of the offline evaluation (`faceauth.pad.Reacting`) watches what the
page shows (`pad.PageView`, updated with each frame's outcome after pad's model of
the worker and the push) and poses the face; the frames go at 8 a second, 15 while
a cue is shown, and each is judged by the real engine and tracker. Recorded per
frame: its bytes, its number and arrival time, the tracker's state before it (JSON,
as the worker loads it from the database) and the outcome.

- project: what the worker does with each frame (`attempt_process_next` without the
  database and Redis): decode, `engine.look_at_frame` (detection at 320 px, 68
  landmarks, the measures), the tracker loaded from JSON, `liveness.step`, the
  tracker saved to JSON, and on the frames the outcome marks (`Outcome.encode`: the
  neutral face when the first cue goes out, each answer as it crosses) one encoding
  compared with the person's templates. The encodings are timed on the frames that
  need them, so the project's frames per second include them, amortised over the
  check's frames as a real check pays them. Each frame starts from its recorded
  state, so the replay takes the same steps as the recording (the cue delays the
  tracker draws at random do not change between the two), and is checked to.
- naive: `face_recognition.face_encodings` on every full frame (the library's
  defaults: HOG with one upsampling on the whole frame, one encoding per face found),
  then `face_recognition.compare_faces` with the person's templates.

Both decode the same JPEG bytes with `engine.decode_image`. The clip is cut into
chunks of consecutive frames, and each chunk runs through both pipelines back to
back (alternating which goes first), so both see the same machine load.
"""

import json
import statistics
import time

import numpy as np

from bench import faces
from bench.common import spread

CHUNK_FRAMES = 20
TOLERANCE = 0.59  # FACEAUTH_TOLERANCE's default


def record_check(engine, liveness, pad, film, templates, *, seed: int) -> dict:
    """One simulated check, played closed-loop until the tracker passes it."""
    rng = np.random.default_rng(seed)
    tracker = liveness.Tracker.new()
    page = pad.PageView()
    page.show(0.0, liveness.NEUTRAL)
    actor = pad.Reacting(rng)
    frames = []
    seq, due = 0, 0.0
    while due < pad.DEADLINE_SECONDS:
        seq += 1
        _, shown = page.seen(due)
        due += 1 / (pad.CUE_FPS if shown in liveness.ACTIONS else pad.FPS)
        action, degree = actor.pose(due, page)
        data = film.frame(action, degree, rng)
        state = json.dumps(tracker.to_dict())
        image = engine.decode_image(data)
        look = engine.look_at_frame(image)
        now = due + pad.PROCESS_SECONDS
        outcome = liveness.step(tracker, _observe(liveness, seq, due, look), now=now)
        page.show(now + pad.PUSH_SECONDS, outcome.cue)
        frames.append(
            {
                "data": data,
                "seq": seq,
                "at": due,
                "now": now,
                "state": state,
                "outcome": _key(outcome),
            }
        )
        if outcome.encode:
            encoding = engine.encode_face(image, look.box)
            if engine.face_distance(templates, encoding) > TOLERANCE:
                raise RuntimeError(f"check {seed}: the face did not match")
        if outcome.kind == liveness.Kind.FAIL:
            raise RuntimeError(f"check {seed}: the tracker failed it ({outcome})")
        if outcome.kind == liveness.Kind.PASS:
            return {
                "person": film.person,
                "frames": frames,
                "cues": list(tracker.cues),
                "restarts": tracker.restarts,
                "seconds": round(now, 2),
            }
    raise RuntimeError(f"check {seed}: not passed within {pad.DEADLINE_SECONDS} s")


def _observe(liveness, seq, at, look):
    return liveness.observe(
        seq=seq, at=at, faces=len(look.boxes), measures=look.measures
    )


def _key(outcome) -> list:
    return [str(outcome.kind), outcome.hint, outcome.cue, outcome.encode]


def build_clip(engine, liveness, pad, films, *, min_frames: int) -> list[dict]:
    """Simulated checks, people in turn, until the clip holds `min_frames` frames."""
    checks = []
    total = 0
    while total < min_frames:
        number = len(checks)
        person = faces.PEOPLE[number % len(faces.PEOPLE)]
        check = record_check(
            engine,
            liveness,
            pad,
            films[person],
            faces.templates(person),
            seed=1000 + number,
        )
        checks.append(check)
        total += len(check["frames"])
    return checks


def project_frame(engine, liveness, frame, templates) -> dict:
    """The worker's work on one recorded frame, timed step by step (ms)."""
    started = time.perf_counter()
    image = engine.decode_image(frame["data"])
    decoded = time.perf_counter()
    look = engine.look_at_frame(image)
    looked = time.perf_counter()
    tracker = liveness.Tracker.from_dict(json.loads(frame["state"]))
    outcome = liveness.step(
        tracker, _observe(liveness, frame["seq"], frame["at"], look), now=frame["now"]
    )
    json.dumps(tracker.to_dict())
    stepped = time.perf_counter()
    if outcome.encode:
        encoding = engine.encode_face(image, look.box)
        if engine.face_distance(templates, encoding) > TOLERANCE:
            raise RuntimeError("the face did not match in the project pass")
    ended = time.perf_counter()
    if _key(outcome) != frame["outcome"]:
        raise RuntimeError("the project pass diverged from the recorded clip")
    return {
        "total": (ended - started) * 1000,
        "decode": (decoded - started) * 1000,
        "look": (looked - decoded) * 1000,
        "step": (stepped - looked) * 1000,
        "encode": (ended - stepped) * 1000 if outcome.encode else None,
    }


def naive_frame(engine, face_recognition, frame, templates) -> tuple[float, int]:
    started = time.perf_counter()
    image = engine.decode_image(frame["data"])
    matches = 0
    for encoding in face_recognition.face_encodings(image):
        matches += any(
            face_recognition.compare_faces(templates, encoding, tolerance=TOLERANCE)
        )
    return (time.perf_counter() - started) * 1000, matches


def main(*, quick: bool = False) -> dict:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import face_recognition

    from faceauth import engine, liveness, pad

    engine.warm_up()
    films = faces.films(quick=quick)
    templates = {person: faces.templates(person) for person in faces.PEOPLE}
    checks = build_clip(engine, liveness, pad, films, min_frames=1 if quick else 240)
    clip = [
        (frame, templates[check["person"]])
        for check in checks
        for frame in check["frames"]
    ]
    project, naive_ms, chunk_speedups = [], [], []
    naive_matches = 0
    for number, start in enumerate(range(0, len(clip), CHUNK_FRAMES)):
        chunk = clip[start : start + CHUNK_FRAMES]
        order = ("project", "naive") if number % 2 == 0 else ("naive", "project")
        spent = {}
        for which in order:
            if which == "project":
                rows = [project_frame(engine, liveness, f, t) for f, t in chunk]
                project += rows
                spent[which] = sum(r["total"] for r in rows)
            else:
                rows = [naive_frame(engine, face_recognition, f, t) for f, t in chunk]
                naive_ms += [ms for ms, _ in rows]
                naive_matches += sum(n for _, n in rows)
                spent[which] = sum(ms for ms, _ in rows)
        chunk_speedups.append(spent["naive"] / spent["project"])
    project_ms = [r["total"] for r in project]
    plain = [r["total"] for r in project if r["encode"] is None]
    encoded = [r["total"] for r in project if r["encode"] is not None]
    project_fps = len(project_ms) / (sum(project_ms) / 1000)
    naive_fps = len(naive_ms) / (sum(naive_ms) / 1000)
    per_check = [len(c["frames"]) for c in checks]
    return {
        "frames": len(clip),
        "frame_size": "640x480",
        "checks": len(checks),
        "attempts": len(checks),  # the name before several cues
        "cues_per_check": len(checks[0]["cues"]),
        "restarts": sum(c["restarts"] for c in checks),
        "check_seconds": spread([c["seconds"] for c in checks], 2),
        "frames_per_check": spread(per_check),
        "encodings_per_check": round(len(encoded) / len(checks), 2),
        "naive_faces_matched": naive_matches,
        "project_fps": round(project_fps, 1),
        "naive_fps": round(naive_fps, 2),
        "speedup_vs_naive": round(project_fps / naive_fps, 2),
        "speedup_per_chunk": spread(chunk_speedups, 2),
        "chunks": len(chunk_speedups),
        "chunk_frames": CHUNK_FRAMES,
        "project_frame_ms": spread(project_ms, 2),
        "project_frame_ms_without_encoding": spread(plain, 2),
        "project_frame_ms_with_encoding": spread(encoded, 2),
        "project_step_ms": {
            step: spread([r[step] for r in project if r[step] is not None], 3)
            for step in ("decode", "look", "step", "encode")
        },
        "project_encoding_ms_per_frame_amortised": round(
            (sum(encoded) - len(encoded) * statistics.median(plain)) / len(project_ms),
            2,
        ),
        "naive_frame_ms": spread(naive_ms, 2),
    }


if __name__ == "__main__":  # .venv/bin/python -m bench.frame_pipeline
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    print(json.dumps(main(quick=os.environ.get("QUICK") == "1"), indent=2))
