"""`make bench`: the benchmarks of issues #6, #12 and #15, side by side with their baselines.

    .venv/bin/python bench/run.py            # the full run, about 20 minutes
    QUICK=1 .venv/bin/python bench/run.py    # a smoke run, about 5 minutes

Writes bench/results.json, docs/benchmarks.md and docs/benchmarks-latency.png.
Starts its own Daphne, Celery worker, database, Redis db and queue, and removes
them all at the end, also after a failure or Ctrl-C. Never part of `make test`:
nothing here asserts a timing; the targets are reported as met or missed.
"""

import json
import os
import platform
import signal
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    capacity,
    checkouts,
    engine_steps,
    enrolment_load,
    face_step,
    faces,
    frame_pipeline,
    report,
    storefront,
)
from bench.stack import Stack  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
# No crowd past the target size starts once the crowds have taken this long.
CROWD_BUDGET_SECONDS = 240
# The same for the capacity section's crowds with one worker process.
CAPACITY_BUDGET_SECONDS = 180


def _stop(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def section(name: str):
    print(f"\n== {name} ({time.strftime('%H:%M:%S')})", flush=True)


def machine() -> dict:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


def main() -> int:
    quick = os.environ.get("QUICK") == "1"
    # WhiteNoise looks for collected static files, which the bench does not need.
    warnings.filterwarnings("ignore", message="No directory at")
    # The servers' and this process's logs: warnings only (bench/logs/ keeps them).
    os.environ.setdefault("BENCH_LOG_LEVEL", "WARNING")
    signal.signal(signal.SIGTERM, _stop)
    started = time.monotonic()
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": machine(),
    }

    stack = Stack()
    try:
        section("stack: database and Redis (Django set up in this process)")
        stack.open()
        results["stack"] = {"database": stack.db.kind, "redis_db": stack.redis.db}

        section("engine steps (per frame, in this process)")
        engine_steps.REPEATS = 3 if quick else 8
        results["engine_steps_ms"] = engine_steps.main()
        calls = results["library_calls"] = engine_steps.library_calls()
        print(
            f"  face_recognition's calls against dlib's, {calls['frames']} frames: "
            f"landmarks equal {calls['landmarks_equal']}, encodings equal "
            f"{calls['encodings_equal']}, cost {calls['cost_ratio']}; "
            f"face_locations boxes {calls['face_locations_boxes']}",
            flush=True,
        )

        section("faces: enrolment and films of the simulated shoppers")
        began = time.monotonic()
        films = faces.films(quick=quick)
        print(
            f"  {sum(f.frames for f in films.values())} noisy frames of "
            f"{len(films)} people in {time.monotonic() - began:.1f} s"
        )

        section("frame_pipeline: project vs naive, same clip")
        results["frame_pipeline"] = frame_pipeline.main(quick=quick)
        fp = results["frame_pipeline"]
        print(
            f"  project {fp['project_fps']} fps, naive {fp['naive_fps']} fps, "
            f"speedup {fp['speedup_vs_naive']}x over {fp['frames']} frames"
        )

        section("stack: Daphne, Celery worker")
        stack.start_servers()
        print(
            f"  {stack.db.kind} database, Redis db {stack.redis.db}, {stack.base_url}"
        )

        section("storefront: product list vs minimal view")
        results["storefront"] = storefront.main(stack, quick=quick)

        section(
            f"enrolment_load: the storefront while {enrolment_load.ENROLLING} "
            "shoppers enrol"
        )
        results["enrolment_load"] = enrolment_load.main(stack, films, quick=quick)

        levels = [5, 20] if quick else [10, 20, 40, 60, 80, 100, 120]
        shoppers, product = checkouts.seed(max(levels))
        section("warm-up checkouts (not measured)")
        checkouts.decision_latency(stack, shoppers, product, films, count=1)

        section("decision_latency: one checkout at a time")
        decision = checkouts.decision_latency(
            stack, shoppers, product, films, count=6 if quick else 30
        )
        results["decision_latency_ms"] = decision
        print(
            f"  p50 {decision['p50']} ms, p95 {decision['p95']} ms, "
            f"floor {decision['floor_ms']} ms, check p50 "
            f"{decision['check_seconds'].get('median')} s, "
            f"outcomes {decision['outcomes']}"
        )

        section("face_step: Chromium with the reacting camera, page to approved")
        results["face_step"] = face_step.main(
            stack, checks=3 if quick else 12, product=product
        )
        fs = results["face_step"]
        print(
            f"  p50 {fs.get('p50_s')} s, p95 {fs.get('p95_s')} s "
            f"(target p50 <= {face_step.TARGET_P50_S} s), {fs.get('outcomes')}"
        )

        section("concurrent: shoppers checking out at once")
        results["concurrent"] = checkouts.concurrent(
            stack,
            shoppers,
            product,
            films,
            levels=levels,
            rounds_at_target=1 if quick else 2,
            # Larger crowds only while the crowds stay inside ~4 minutes.
            until=time.monotonic() + CROWD_BUDGET_SECONDS,
        )

        section(
            "capacity: CPU per approved checkout, one worker process against two, "
            "two web nodes behind the proxy"
        )
        results["capacity"] = capacity.main(
            stack,
            shoppers,
            product,
            films,
            concurrent=results["concurrent"],
            quick=quick,
            until=time.monotonic() + CAPACITY_BUDGET_SECONDS,
        )
    finally:
        stack.close()

    results["seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = report.targets(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report.write(results)
    print(
        f"\nWrote {RESULTS.relative_to(ROOT)}, docs/benchmarks.md, docs/benchmarks-latency.png"
    )
    for name, target in results["targets"].items():
        print(
            f"  {name}: {target['value']} ({target['target']}) -> {'met' if target['met'] else 'MISSED'}"
        )
    print(f"  {results['seconds']:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
