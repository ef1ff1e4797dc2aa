"""Write docs/benchmarks.md and docs/benchmarks-latency.png from the results."""

import json

from bench.common import ROOT

DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks-latency.png"
BEFORE = ROOT / "bench" / "results-before.json"


def targets(results: dict) -> dict:
    fp = results.get("frame_pipeline", {})
    dl = results.get("decision_latency_ms", {})
    cc = results.get("concurrent", {})
    sf = results.get("storefront", {})
    floor = dl.get("floor_ms")
    out = {
        "frame_pipeline.speedup_vs_naive": {
            "value": fp.get("speedup_vs_naive"),
            "target": ">= 5",
            "met": (fp.get("speedup_vs_naive") or 0) >= 5,
        },
        "decision_latency_ms.p95": {
            "value": dl.get("p95"),
            "target": f"<= 1.5 x floor = {round(1.5 * floor, 1) if floor else '?'}",
            "met": bool(floor and dl.get("p95") and dl["p95"] <= 1.5 * floor),
        },
        "concurrent.p95_ms": {
            "value": cc.get("p95_ms"),
            "target": f"<= 1000 at {cc.get('checkouts')} at once",
            "met": bool(cc.get("p95_ms") and cc["p95_ms"] <= 1000),
        },
        # The same bar from the shopper's side (first smiling frame sent to verdict
        # received), for information: the issue defines the server-side figure.
        "concurrent.client_p95_ms": {
            "value": cc.get("client_p95_ms"),
            "target": f"<= 1000 at {cc.get('checkouts')} at once (shopper's view)",
            "met": bool(cc.get("client_p95_ms") and cc["client_p95_ms"] <= 1000),
        },
        "storefront.ratio_vs_minimal_view": {
            "value": sf.get("ratio_vs_minimal_view"),
            "target": ">= 0.5",
            "met": (sf.get("ratio_vs_minimal_view") or 0) >= 0.5,
        },
        "storefront.queries_per_page": {
            "value": sf.get("queries_per_page"),
            "target": "<= 6",
            "met": sf.get("queries_per_page") is not None
            and sf["queries_per_page"] <= 6,
        },
    }
    return out


def _knee(cc: dict) -> str:
    if cc.get("knee_checkouts") is not None:
        return str(cc["knee_checkouts"])
    return (
        f"not reached (more than {cc.get('knee_above') or max(map(int, cc['levels']))})"
    )


def _outcomes(outcomes: dict) -> str:
    return ", ".join(f"{count} {name}" for name, count in outcomes.items())


def _fmt(value, digits=1, fail="–"):
    if value is None:
        return fail
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _iqr(s: dict, unit: str = "") -> str:
    if not s or not s.get("n"):
        return "–"
    return f"{_fmt(s['median'])}{unit} (IQR {_fmt(s['q1'])}–{_fmt(s['q3'])})"


def plot(results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dl = results["decision_latency_ms"]
    cc = results["concurrent"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))

    def cdf(ax, samples, label, style):
        values = sorted(samples)
        if not values:
            return
        ys = [(i + 1) / len(values) for i in range(len(values))]
        ax.step(values, ys, where="post", label=f"{label} (n={len(values)})", **style)

    cdf(left, dl["server_samples"], "one at a time, server", {"color": "C0"})
    cdf(
        left, dl["client_samples"], "one at a time, client", {"color": "C0", "ls": "--"}
    )
    target = cc["levels"].get(str(cc["checkouts"]))
    if target:
        cdf(
            left,
            target["server_samples"],
            f"{cc['checkouts']} at once, server",
            {"color": "C3"},
        )
        cdf(
            left,
            target["client_samples"],
            f"{cc['checkouts']} at once, client",
            {"color": "C3", "ls": "--"},
        )
    left.axvline(dl["floor_ms"], color="grey", lw=1, ls=":")
    left.text(dl["floor_ms"], 0.02, " floor", color="grey", fontsize=8)
    left.axvline(1.5 * dl["floor_ms"], color="C0", lw=1, ls=":")
    left.text(1.5 * dl["floor_ms"], 0.1, " 1.5 x floor", color="C0", fontsize=8)
    left.set_xlabel("smile to verdict (ms)")
    left.set_ylabel("fraction of checkouts")
    left.set_title("Smile to verdict: distribution")
    left.set_xscale("log")
    from matplotlib.ticker import FormatStrFormatter

    left.xaxis.set_major_formatter(FormatStrFormatter("%d"))
    left.xaxis.set_minor_formatter(FormatStrFormatter("%d"))
    left.tick_params(axis="x", which="minor", labelsize=7)
    left.grid(alpha=0.3)
    left.legend(fontsize=7, loc="lower right")

    sizes = sorted(int(k) for k in cc["levels"])
    p50 = [cc["levels"][str(s)]["p50_ms"] for s in sizes]
    p95 = [cc["levels"][str(s)]["p95_ms"] for s in sizes]
    top = max([v for v in p50 + p95 if v is not None] + [1000]) * 1.15

    def capped(values):  # a p95 that fell on a failed checkout: drawn at the top
        return [top if v is None else v for v in values]

    right.plot([1, *sizes], [dl["p50"], *capped(p50)], "o-", label="p50", color="C2")
    right.plot([1, *sizes], [dl["p95"], *capped(p95)], "o-", label="p95", color="C3")
    right.set_ylim(0, top * 1.05)
    right.axhline(1000, color="grey", ls=":", lw=1)
    right.text(1, 1010, "1 s", color="grey", fontsize=8)
    right.set_xlabel("checkouts at once (8 frames/s each)")
    right.set_ylabel("server smile to verdict (ms); top = failed")
    right.set_title("Load: where p95 passes one second")
    right.grid(alpha=0.3)
    right.legend(fontsize=8)
    fig.suptitle(
        f"SmilePay make bench, {results['generated_at']} "
        f"(2 shared cores, load {results['machine']['load_average_at_start'][0]} at start)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)
    plt.close(fig)


def _before_after(results: dict) -> list[str]:
    if not BEFORE.exists():
        return ["(No bench/results-before.json: nothing to compare with.)"]
    before = json.loads(BEFORE.read_text())
    rows = [
        ("frame_pipeline", "project fps", "frame_pipeline", "project_fps"),
        ("frame_pipeline", "naive fps", "frame_pipeline", "naive_fps"),
        ("frame_pipeline", "speedup vs naive", "frame_pipeline", "speedup_vs_naive"),
        ("decision latency", "p50 ms", "decision_latency_ms", "p50"),
        ("decision latency", "p95 ms", "decision_latency_ms", "p95"),
        ("decision latency", "floor ms", "decision_latency_ms", "floor_ms"),
        ("decision latency", "p95 / floor", "decision_latency_ms", "p95_over_floor"),
        ("concurrent (20)", "p50 ms", "concurrent", "p50_ms"),
        ("concurrent (20)", "p95 ms", "concurrent", "p95_ms"),
        ("concurrent (20)", "client p95 ms", "concurrent", "client_p95_ms"),
        ("concurrent (20)", "not approved", "concurrent", "failed"),
        ("concurrent (20)", "frames dropped", "concurrent", "frames_dropped"),
        ("concurrent (20)", "worker CPU (cores)", "concurrent", "worker_cpu_cores"),
        ("concurrent", "knee (checkouts)", "concurrent", "knee_checkouts"),
        ("storefront", "list rps (10,000)", "storefront", "rps"),
        ("storefront", "minimal view rps", "storefront", "minimal_rps"),
        ("storefront", "ratio vs minimal", "storefront", "ratio_vs_minimal_view"),
        ("storefront", "queries per page", "storefront", "queries_per_page"),
        (
            "storefront",
            "queries, signed in",
            "storefront",
            "queries_per_page_signed_in",
        ),
    ]
    lines = [
        f"Before: {before.get('generated_at')}, load {before['machine']['load_average_at_start'][0]} "
        f"at start (bench/results-before.json). After: this run. The two runs had "
        "different neighbours: compare the ratios (p95 / floor, speedup, list / minimal) "
        "rather than raw milliseconds.",
        "",
        "| benchmark | figure | before | after |",
        "|---|---|---|---|",
    ]
    for group, label, section, key in rows:
        lines.append(
            f"| {group} | {label} | {_fmt(before.get(section, {}).get(key), 2)} "
            f"| {_fmt(results.get(section, {}).get(key), 2)} |"
        )
    return lines


def write(results: dict) -> None:
    plot(results)
    t = results["targets"]
    fp = results["frame_pipeline"]
    dl = results["decision_latency_ms"]
    cc = results["concurrent"]
    sf = results["storefront"]
    es = results["engine_steps_ms"]
    load = results["machine"]["load_average_at_start"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py) from its own run: the numbers below are",
        f"from {results['generated_at']}{' (QUICK=1 smoke run)' if results['quick'] else ''}, "
        f"{_fmt(results['seconds'], 0)} s in all.",
        "The machine has 2 cores and is shared: load average "
        f"{load[0]} / {load[1]} / {load[2]} when the run started. Absolute numbers move",
        "with the neighbours; every figure is therefore measured **side by side with its",
        "baseline in the same run**, and the targets are judged on the ratios.",
        "Nothing here is a test: `make test` never runs it, and it asserts no timing.",
        "",
        "![Smile-to-verdict latency](benchmarks-latency.png)",
        "",
        "## Targets",
        "",
        "| figure | measured | target | |",
        "|---|---|---|---|",
    ]
    for name, target in t.items():
        lines.append(
            f"| `{name}` | {_fmt(target['value'], 2)} | {target['target']} "
            f"| {'met' if target['met'] else '**missed**'} |"
        )
    lines += [
        "",
        "## 1. Frame pipeline: the project's against the naive one",
        "",
        f"One clip of {fp['frames']} frames ({fp['frame_size']}, JPEG) made from the fixture",
        f"photos: {fp['attempts']} simulated checkouts of two people, each a neutral face",
        "until the prompt and a smile 0.375 s after it, at 8 frames a second. Each chunk of",
        "three checkouts goes through both pipelines back to back, alternating which first.",
        "",
        "- **project**: what `attempt_process_frame` does with every frame (decode,",
        "  `find_faces_in_frame`, 68 landmarks, smile measure, liveness tracker), plus the",
        f"  {fp['encodings_per_attempt']:g} encodings per checkout the challenge needs (the neutral",
        "  face at the prompt and the smile that completes it), timed on the frames that",
        "  need them and compared with the person's templates. So the encodings are",
        f"  **amortised over the checkout's frames** ({_iqr(fp['frames_per_attempt'])} frames",
        f"  per checkout): {_fmt(fp['project_encoding_ms_per_frame_amortised'], 1)} ms per frame on average.",
        "- **naive**: `face_recognition.face_encodings` on every full frame (library",
        "  defaults: HOG with one upsampling, then an encoding of each face found), then",
        "  `compare_faces` with the same templates.",
        "",
        "| pipeline | frames/s | ms per frame, median (IQR) |",
        "|---|---|---|",
        f"| project | {fp['project_fps']} | {_iqr(fp['project_frame_ms'])} |",
        f"| project, frames without an encoding | | {_iqr(fp['project_frame_ms_without_encoding'])} |",
        f"| project, the 2 frames with an encoding | | {_iqr(fp['project_frame_ms_with_encoding'])} |",
        f"| naive | {fp['naive_fps']} | {_iqr(fp['naive_frame_ms'])} |",
        "",
        f"`speedup_vs_naive` = {fp['speedup_vs_naive']} (total frames / total time of each);",
        f"per chunk: {_iqr(fp['speedup_per_chunk'])} over {fp['chunks']} chunks.",
        "",
        "Cost of each engine step at three frame widths (ms, median and IQR, in this run):",
        "",
        "| width | decode | detect | 68 landmarks | encode |",
        "|---|---|---|---|---|",
    ]
    for width, steps in es.items():
        cells = [
            f"{steps[s]['median']:.1f} ({steps[s]['q1']:.1f}–{steps[s]['q3']:.1f})"
            for s in ("decode", "detect", "landmarks", "encode")
        ]
        lines.append(f"| {width} px | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## 2. Decision latency: one checkout at a time, through the real stack",
        "",
        f"{dl['checkouts']} checkouts one after another ({dl['outcomes']}) through Daphne, Redis",
        "and a Celery worker (prefork, 2 processes), each a websocket client streaming",
        "8 frames a second with a session cookie, smiling 0.3 s after it reads",
        '"Now smile!". Server side: `timings.smile_to_verdict_ms`, from the arrival of',
        "the completing frame at the consumer to the verdict, just before it is stored",
        "and pushed. Client side: first smiling frame sent to verdict received.",
        "",
        "`floor_ms` is one detection (`find_faces_in_frame` on the 640×480 frame, as the",
        "worker does it) plus one encoding, timed in the benchmark process between the",
        "checkouts, so it sees the same machine load.",
        "",
        "| | p50 ms | p95 ms | median (IQR) |",
        "|---|---|---|---|",
        f"| server: smile to verdict | {_fmt(dl['p50'])} | {_fmt(dl['p95'])} | {_iqr(dl['server_smile_to_verdict_ms'])} |",
        f"| client: smile sent to verdict received | {_fmt(dl['client_p50'])} | {_fmt(dl['client_p95'])} | {_iqr(dl['client_smile_to_verdict_ms'])} |",
        f"| floor: one detection + one encoding | {_fmt(dl['floor_ms'])} | {_fmt(dl['floor_spread'].get('p95'))} | {_iqr(dl['floor_spread'])} |",
        "",
        f"p95 / floor = **{dl['p95_over_floor']}** (target ≤ 1.5). With HOG on the full",
        f"640 px frame instead of the 320 px copy, the floor would be {dl['floor_full_frame_hog_ms']} ms.",
        "",
        "## 3. Concurrent checkouts",
        "",
        "N simulated shoppers start together (within one frame interval), each streaming",
        "8 frames a second. p50 and p95 are over **every** checkout, server side: a",
        "checkout that was not approved (a shopper who smiled on cue but was declined",
        "because the server judged the smile too late) counts as never answered, so a",
        'p95 that falls on one reads "never"; the p95 of the approved checkouts alone',
        "is shown beside it. CPU: CPU seconds over wall time (1.0 = one core busy all",
        "along; the machine has 2) of the worker's process tree, of Daphne, and of the",
        "whole machine, neighbours included. Frames dropped: received by the consumer",
        "but replaced by a newer one before the worker took them (one frame in flight per",
        "checkout, by design), plus any refused by the rate limit.",
        "",
        "| at once | checkouts | outcomes | p50 ms | p95 ms | p95 of the approved | client p50 / p95 | seconds to verdict, median (max) | frames received / dropped | worker CPU | Daphne CPU | whole machine CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, level in cc["levels"].items():
        lines.append(
            f"| {size} | {level['checkouts']} | {_outcomes(level['outcomes'])} "
            f"| {_fmt(level['p50_ms'], fail='never')} | {_fmt(level['p95_ms'], fail='never')} "
            f"| {_fmt(level['approved_p95_ms'])} "
            f"| {_fmt(level['client_smile_to_verdict_ms'].get('median'))} / "
            f"{_fmt(level['client_smile_to_verdict_ms'].get('p95'))} "
            f"| {_fmt(level['checkout_seconds'].get('median'))} "
            f"({_fmt(level['checkout_seconds'].get('max'))}) "
            f"| {level['frames_received']} / {level['frames_dropped']} "
            f"| {level['worker_cpu_cores']} | {level['daphne_cpu_cores']} "
            f"| {level['machine_cpu_cores']} |"
        )
    lines += [
        "",
        f"At {cc['checkouts']} at once: p50 {_fmt(cc['p50_ms'], fail='never')} ms, "
        f"p95 {_fmt(cc['p95_ms'], fail='never')} ms ({cc['failed']} of "
        f"{cc['levels'][str(cc['checkouts'])]['checkouts']} not approved).",
        f"`knee_checkouts` = {_knee(cc)}: {cc['knee_note']}.",
        "",
        "## 4. Storefront: product list against a minimal view",
        "",
        'The product list (`/`, page 1, newest first) and a view returning `"ok"` through',
        "the same middleware (`/bench/minimal/`, added by config/settings/bench.py only)",
        "on the same Daphne, measured alternately: same duration, same 8 keep-alive",
        "connections, from bench/loadgen.py in a process of its own. Anonymous visitors.",
        "",
        "| products | list rps | minimal rps | ratio, median (IQR) | list p50 / p95 ms | queries: visitor / signed in / first view after a change |",
        "|---|---|---|---|---|---|",
    ]
    for c in sf["catalogues"].values():
        lines.append(
            f"| {c['products']:,} | {c['rps']} | {c['minimal_rps']} "
            f"| {c['ratio_vs_minimal_view']} ({c['ratio_spread']['q1']}–{c['ratio_spread']['q3']}) "
            f"| {c['page_latency_ms_p50']} / {c['page_latency_ms_p95']} "
            f"| {c['queries_per_page']} / {c['queries_per_page_signed_in']} "
            f"/ {c.get('queries_first_view', '–')} |"
        )
    lines += ["", "## Before and after", "", *_before_after(results), "", *NARRATIVE]
    DOC.write_text("\n".join(lines) + "\n")


NARRATIVE = """
## What the profile showed, and what changed

Profiles: py-spy 0.4.3 (`py-spy record --subprocesses --format raw` on the Celery
worker during one-at-a-time checkouts, and on Daphne during the storefront load) and
pyinstrument 5.1.3 (the list page through Django's test client). The "before" column
above is a full `make bench` run of the code as it was (its p50/p95 under load were
recomputed afterwards with failed checkouts counted, as this report does now).

**Face checkouts (the worker).**

1. *A new PostgreSQL connection per frame.* About 5 % of the worker's samples were
   `psycopg` connecting: Celery's Django fix-up closes the database connection before
   and after every task unless `CELERY_DB_REUSE_MAX` is set, so every frame (the one
   that completes the challenge included) paid a connection and PostgreSQL a backend
   fork. Now `CELERY_DB_REUSE_MAX = 1000` (config/settings/base.py), and
   config/celery.py closes connections around each task as Django does around a
   request (`close_old_connections`: past `CONN_MAX_AGE`, or broken); tasks run
   in-process (`apply()`, eager) are left alone.
2. *The 320 px copy for detection.* A bilinear resize of the 640×480 frame cost
   about 2 ms of a ~15 ms frame; `Image.reduce(2)` (block average) costs ~0.5 ms and
   HOG finds the same boxes on the fixture frames (faceauth/engine.py `_scaled`,
   whole-number reductions only; anything else is resized as before).
3. *Models loaded on the first frame.* Each worker process loaded dlib's models
   (~1 s) on its first frame; the first checkout after a start lost its first second
   of frames. `worker_process_init` now loads them (faceauth/tasks.py).
4. *Under load, the smile waited in line.* One task per checkout, first in first
   out: a frame that may hold the smile queued behind every other checkout's
   baseline frames. Before, at 10-50 at once, shoppers who smiled on cue were
   declined "no smile" (the smile was judged after its 5 s window), and a shopper
   waited up to seconds. Now `verify_frame` goes at Redis priority 6, and the next
   frame of a checkout that waits for its smile at priority 0 (first): the worker
   knows it from the tracker (`attempt_process_frame` returns it), the consumer from
   the last state it relayed ("challenge"). The decision is untouched: same frames,
   same rules, the window still measured from the frames' arrival times.

The encoding (one ResNet pass, ~80-100 ms here) stays the floor of a decision, and
two per checkout stay: the neutral face at the prompt and the smile that completes
the challenge. Encoding only the smile would let a stranger's neutral face set the
baseline; that would weaken the decision, so it was not done.

**Storefront.** The list page ran 4 queries and rendered 12 cards for every visitor,
and under Daphne every request that touched the cache opened a new Redis connection:
Django makes cache objects per request context under ASGI, and each made a pool of
its own (~12 % of Daphne's samples in `redis` connecting).

5. The listing (count, page of products, rendered cards) and the category menu are
   kept in process memory per *catalogue version* (shop/catalogue_cache.py); the
   version is one Redis GET per request. Any write to products, categories or
   merchants starts a new version when its transaction commits: save() and delete()
   through signals (shop/receivers.py), queryset `update()`, `bulk_create()` and
   `bulk_update()` through `CatalogueQuerySet` (shop/models.py) — which is how
   checkout reserves stock and a cancelled order puts it back — and a flush. Nothing
   is kept from inside a transaction; if Redis is down the page is built from the
   database. A visitor's page then runs no query; the first view after a change runs
   the same 4 as before. shop/tests/test_catalogue_cache.py checks stock, price,
   title, merchant, category, count, flush and Redis-down cases.
6. config/cache.py: one Redis connection pool per process for Django's cache
   (`OPTIONS["pool_class"]` in config/settings/base.py), for every cache user.

Full runs after all the changes, on the same shared machine (load at start):
11:08 (1.1), 11:18 (1.1) and 11:33 (2.1, rising to 4 during the run) gave
speedup 7.8 / 8.3 / 7.8, decision p95 / floor 1.24 / 1.44 / 1.31, 20 at once p95
249 / 250 / 382 ms (client p95 – / 296 / 522 ms; the 11:08 run predates the
consumer's share of item 4), list / minimal 0.62 / 0.64 / 0.63, and no checkout
declined at 20 or fewer at once.

## What is left

- **Daphne opens a new PostgreSQL connection for every request that touches the
  database** (and every websocket connect): `CONN_MAX_AGE` does nothing under ASGI,
  where each request runs its view in a thread of its own. The storefront no longer
  hits it for visitors, but signed-in pages, the API and the face page do. Django's
  own pool (`DATABASES[...]["OPTIONS"]["pool"]`, Django 5.1+) fixes it; it needs the
  `psycopg-pool` package and `CONN_MAX_AGE = 0` in production: in a trial here, with
  the shared Redis pool, it took the uncached list page from ~55 to ~75 requests/s.
  Not changed: a new runtime
  dependency and a production setting are for the team to decide.
- Every processed frame pushes a hint through `async_to_sync(group_send)`, a new
  event loop and Redis connection each time (~2 % of the worker); pushing only when
  the message changes would save it.
- Every order starts a new catalogue version, so the storefront cache is rebuilt
  once per process after each order; at many orders a second that becomes a query
  per view again (as before, never worse).
- Under overload the priority protects the smile, so what grows is the time to the
  prompt (see "seconds to verdict"); past the knee, more worker processes (or
  machines) are the answer: the worker uses both cores here.
- The machine is shared: neighbours' test runs took up to ~1.5 cores during some
  runs; the figures are ratios within one run for that reason, and single runs still
  move by ±20 %.

## How to run

`make bench` (about 6 minutes; `QUICK=1 make bench` for a 2-3 minute smoke run)
installs requirements-bench.txt into the venv, then runs bench/run.py: engine steps
(bench/engine_steps.py), the frame pipeline, then a stack of its own — a PostgreSQL
database `smilepay_bench_<pid>` (on DATABASE_URL's server, or 127.0.0.1:5432 when one
answers there; else a SQLite file), a free Redis db from 10 up, a Celery queue
`smilepay-bench-<pid>`, Daphne and a Celery worker (prefork, 2 processes) with
config/settings/bench.py — for the storefront and the checkouts, and removes all of
it at the end, also after a failure or Ctrl-C. Logs: bench/logs/.
""".strip().split("\n")
