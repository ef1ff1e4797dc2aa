"""Face checkouts through the real stack: Daphne, Redis, a Celery worker.

Each simulated shopper is a websocket client authenticated with a Django session
cookie, in front of a face animated from a fixture photo (bench/faces.py). It plays
the genuine shopper of the offline evaluation (`faceauth.pad.Reacting`): a neutral
face until the server shows a cue (state "challenge", `cue`), then, after a human
reaction time, a smooth move to the cue's pose, held while the cue is shown, and
back to neutral after the state goes back to neutral. Each frame is a noisy copy of
the nearest rendered pose, made new bytes (see `as_new_capture`); 8 frames a second,
15 while a cue is shown, as the face page sends them.

Measured:
- server side, from VerificationAttempt.timings: `answer_to_verdict_ms`, from the
  arrival at the consumer of the frame that completes the last answer to the verdict
  (measured by the worker just before it stores and pushes it); `decision_ms`, that
  frame's own work; `frame_ms` and `encode_ms`, the attempt's medians;
- client side: from sending the frame that completed the last answer (the
  tracker's last frame number: frames are numbered in arrival order, and one socket
  delivers them in order) to receiving the verdict; and the whole check, from the
  first frame sent to the verdict received, with where its time went
  (bench/timeline.py) and each answer's reaction and crossing times as the tracker
  measured them.
"""

import asyncio
import contextlib
import json
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import psutil

from bench import faces, timeline
from bench.common import CUE_FPS, FPS, spread, with_failures
from bench.stack import ConnectionSampler, process_tree_cpu_seconds

CHECKOUT_TIMEOUT = 60


# --- data -----------------------------------------------------------------------


@dataclass
class Shopper:
    user_id: int
    username: str
    person: str
    session_key: str


def product_for_bench():
    from shop.models import Category, Merchant, Product

    merchant, _ = Merchant.objects.get_or_create(
        slug="bench-merchant", defaults={"name": "Bench Merchant"}
    )
    category, _ = Category.objects.get_or_create(
        slug="bench-goods", defaults={"name": "Bench goods"}
    )
    product, _ = Product.objects.get_or_create(
        slug="bench-tea",
        defaults={
            "merchant": merchant,
            "category": category,
            "title": "Bench Tea",
            "price": Decimal("1.00"),
            "stock": 1_000_000,
        },
    )
    return product


def enrolled_user(username: str, person: str, *, password: str | None = None):
    """A user enrolled with the person's templates (as face_enroll stores them),
    with money in the wallet."""
    from django.contrib.auth import get_user_model

    from faceauth import crypto
    from faceauth.models import FaceConsent, FaceTemplate
    from payments.services import wallet_topup

    user = get_user_model().objects.create(username=username)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save(update_fields=["password"])
    consent = FaceConsent.objects.create(user=user)
    FaceTemplate.objects.bulk_create(
        FaceTemplate(
            user=user,
            consent=consent,
            ciphertext=crypto.encrypt_encoding(encoding),
            source=FaceTemplate.Source.COMMAND,
        )
        for encoding in faces.enrolment_encodings(person)
    )
    wallet_topup(user=user, amount="100000.00", memo="Bench funds")
    return user


def signed_in_session(user, **values) -> str:
    """The key of a new session in which `user` is signed in, holding `values` too."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
    )
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.update(values)
    session.create()
    return session.session_key


def seed(count: int) -> tuple[list[Shopper], object]:
    """`count` enrolled shoppers with money and sessions, and a product to buy."""
    product = product_for_bench()
    shoppers = []
    for number in range(count):
        person = faces.PEOPLE[number % len(faces.PEOPLE)]
        user = enrolled_user(f"bench-{number:03d}-{person}", person)
        session_key = signed_in_session(user)
        shoppers.append(Shopper(user.pk, user.username, person, session_key))
    return shoppers, product


def start_checkout(shopper: Shopper, product) -> str:
    """Place an order as the checkout view does and open its face check."""
    from django.contrib.auth import get_user_model

    from payments.models import Payment
    from payments.services import checkout_place, payment_face_start
    from shop.cart import CartSession
    from shop.services import Shipping

    user = get_user_model().objects.get(pk=shopper.user_id)
    cart = CartSession(SimpleNamespace(session={}, user=user))
    cart.add(product=product, quantity=1)
    order, _ = checkout_place(
        user=user,
        checkout_key=cart.checkout_key(),
        shipping=Shipping(
            full_name="Bench Shopper",
            address="1 Loopback Road",
            city="Localhost",
            postcode="12700",
            country="China",
        ),
        expected_total=product.price,
    )
    payment = Payment.objects.get(order=order)
    attempt = payment_face_start(payment=payment, user=user)
    return str(attempt.public_id)


def try_checkout(shopper: Shopper, product) -> tuple[str | None, str]:
    """start_checkout, or (None, why) when the shop refuses to open a face check
    (a shopper locked out after failed checks under overload, say)."""
    try:
        return start_checkout(shopper, product), ""
    except Exception as error:  # noqa: BLE001 - a refused start is data
        return None, type(error).__name__


# --- one shopper ----------------------------------------------------------------


@dataclass
class Outcome:
    attempt: str
    state: str = "none"
    reason: str = ""
    connected_s: float | None = None
    # Seconds since the client started (before connecting): each frame sent, in
    # order (frame n is the consumer's frame number n), and the verdict received.
    sent: list = field(default_factory=list)
    verdict_s: float | None = None
    # (seconds since the first frame was sent, phase), at each change of phase.
    phases: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    trace: list = field(default_factory=list)

    @property
    def frames_sent(self) -> int:
        return len(self.sent)

    @property
    def check_s(self) -> float | None:
        """First frame sent to verdict received."""
        if self.verdict_s is None or not self.sent:
            return None
        return self.verdict_s - self.sent[0]


def as_new_capture(jpeg: bytes) -> bytes:
    """The same picture in new bytes, as a webcam's next capture would be (its sensor
    noise never repeats): a JPEG comment of random bytes changes the bytes, not the
    pixels. The film's noisy copies are few; without this, a shopper's frames would
    repeat across their checks, and the consumer drops a frame already sent to
    another check of the same user."""
    comment = os.urandom(16)
    size = (len(comment) + 2).to_bytes(2, "big")
    return jpeg[:2] + b"\xff\xfe" + size + comment + jpeg[2:]


async def shop_with_face(
    base_url: str, shopper: Shopper, attempt: str, film, *, seed: int, phase=0.0
):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    from faceauth import liveness, pad

    rng = np.random.default_rng(seed)
    actor = pad.Reacting(rng)
    page = pad.PageView()
    outcome = Outcome(attempt=attempt)
    loop = asyncio.get_running_loop()
    started = loop.time()
    shown = {"state": "connecting"}
    ws_url = base_url.replace("http://", "ws://") + f"/ws/face/{attempt}/"
    done = asyncio.Event()
    await asyncio.sleep(phase)
    try:
        async with connect(
            ws_url,
            origin=base_url,
            additional_headers={"Cookie": f"sessionid={shopper.session_key}"},
            open_timeout=30,
            ping_interval=None,
            max_size=2**20,
        ) as socket:
            outcome.connected_s = loop.time() - started
            page.show(outcome.connected_s, liveness.NEUTRAL)

            async def read():
                async for message in socket:
                    data = json.loads(message)
                    if data.get("type") == "error":
                        outcome.errors.append(data.get("message"))
                        continue
                    now = loop.time() - started
                    state = data.get("state", "")
                    text = data.get("message", "")
                    outcome.trace.append((round(now, 3), state, data.get("cue"), text))
                    if data.get("final"):
                        outcome.state = state
                        outcome.reason = data.get("reason", "")
                        outcome.verdict_s = now
                        break
                    shown["state"] = state
                    cue = data.get("cue") if state == "challenge" else None
                    page.show(now, cue or liveness.NEUTRAL)
                    current = timeline.phase_of(state, text)
                    if outcome.sent and current != outcome.phases[-1][1]:
                        outcome.phases.append((now - outcome.sent[0], current))
                done.set()

            async def write():
                tick = loop.time()
                while not done.is_set():
                    now = loop.time() - started
                    action, degree = actor.pose(now, page)
                    frame = as_new_capture(film.frame(action, degree, rng))
                    try:
                        await socket.send(frame)
                    except ConnectionClosed:
                        break
                    if not outcome.sent:
                        outcome.phases.append((0.0, "start"))
                    outcome.sent.append(now)
                    rate = CUE_FPS if shown["state"] == "challenge" else FPS
                    tick += 1 / rate
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(done.wait(), max(0, tick - loop.time()))

            reader = asyncio.create_task(read())
            writer = asyncio.create_task(write())
            try:
                await asyncio.wait_for(reader, CHECKOUT_TIMEOUT)
            finally:
                done.set()
                await writer
    except Exception as error:  # noqa: BLE001 - one shopper's failure is data
        outcome.errors.append(f"{type(error).__name__}: {error}")
    return outcome


# --- what the server recorded ----------------------------------------------------


def server_records(attempts: list[str]) -> dict[str, dict]:
    from faceauth.models import VerificationAttempt

    rows = VerificationAttempt.objects.filter(public_id__in=[a for a in attempts if a])
    return {
        str(a.public_id): {
            "status": a.status,
            "reason": a.reason,
            "frames_received": a.frames_received,
            "frames_processed": a.frames_processed,
            "frames_dropped": a.timings.get("frames_dropped", 0),
            "frames_replayed": a.timings.get("frames_replayed", 0),
            "answer_to_verdict_ms": a.timings.get("answer_to_verdict_ms"),
            "decision_ms": a.timings.get("decision_ms"),
            "encode_ms": a.timings.get("encode_ms"),
            "frame_ms": a.timings.get("frame_ms"),
            "attempt_ms": a.timings.get("attempt_ms"),
            # The frame that completed the last answer (the tracker's last frame).
            "last_seq": (a.tracker or {}).get("last_seq"),
            "cues": (a.tracker or {}).get("cues", []),
            "answers": a.liveness.get("answers", []),
            "restarts": a.liveness.get("restarts", 0),
            "restart_reasons": a.liveness.get(
                "restart_reasons", (a.tracker or {}).get("restart_reasons", [])
            ),
            "jumps": a.liveness.get("jumps", 0),
        }
        for a in rows
    }


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (all processes)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - times.iowait - times.guest - times.guest_nice


def client_answer_to_verdict_ms(outcome: Outcome, record: dict) -> float | None:
    """From sending the frame that completed the last answer to the verdict."""
    seq = record.get("last_seq")
    if outcome.verdict_s is None or not seq or seq > len(outcome.sent):
        return None
    return (outcome.verdict_s - outcome.sent[seq - 1]) * 1000


def phase_summary(durations: list[dict]) -> dict:
    """Median seconds per check spent in each phase, over the checks given."""
    return {
        phase: spread([d.get(phase, 0.0) for d in durations], 2)
        for phase in timeline.PHASES
    }


def answers_summary(records: list[dict]) -> dict:
    answers = [a for r in records for a in r.get("answers", [])]
    return {
        "answers": len(answers),
        "reaction_s": spread([a["reaction_s"] for a in answers], 3),
        "answered_s": spread([a["answered_s"] for a in answers], 3),
        "frames": spread([a["frames"] for a in answers], 1),
    }


def restart_reasons(records) -> dict[str, int]:
    """Why the checks started their sequence again, over all of them."""
    return dict(Counter(why for r in records for why in r.get("restart_reasons", [])))


def summarise(outcomes: list[Outcome]) -> dict:
    records = server_records([o.attempt for o in outcomes])
    approved = [
        (o, records[o.attempt])
        for o in outcomes
        if o.state == "approved" and o.attempt in records
    ]
    server = [
        r["answer_to_verdict_ms"]
        for _, r in approved
        if r["answer_to_verdict_ms"] is not None
    ]
    client = [client_answer_to_verdict_ms(o, r) for o, r in approved]
    client = [v for v in client if v is not None]
    failed = len(outcomes) - len(server)
    states = {}
    for o in outcomes:
        key = o.state if o.state == "approved" else f"{o.state}:{o.reason or '-'}"
        states[key] = states.get(key, 0) + 1
    received = sum(r["frames_received"] for r in records.values())
    processed = sum(r["frames_processed"] for r in records.values())
    limited = sum(r["frames_dropped"] for r in records.values())
    checks = [o.check_s for o, _ in approved if o.check_s is not None]
    durations = [
        timeline.durations(o.phases, o.check_s)
        for o, _ in approved
        if o.check_s is not None and o.phases
    ]
    return {
        "checkouts": len(outcomes),
        "outcomes": states,
        "failed": failed,
        # Over every checkout, a failed one counting as never answered.
        "p50_all_ms": with_failures(server, failed, 50),
        "p95_all_ms": with_failures(server, failed, 95),
        "client_p50_all_ms": with_failures(client, len(outcomes) - len(client), 50),
        "client_p95_all_ms": with_failures(client, len(outcomes) - len(client), 95),
        "server_answer_to_verdict_ms": spread(server),
        "client_answer_to_verdict_ms": spread(client),
        "server_samples": [round(v, 1) for v in server],
        "client_samples": [round(v, 1) for v in client],
        "decision_ms": spread([r["decision_ms"] for _, r in approved]),
        "frame_ms": spread([r["frame_ms"] for _, r in approved]),
        "encode_ms": spread([r["encode_ms"] for _, r in approved]),
        "frames_sent": sum(o.frames_sent for o in outcomes),
        "frames_received": received,
        "frames_processed": processed,
        # Skipped for a newer frame while no cue was shown (the newest is judged),
        # or pushed out of a full queue, plus those refused by the rate limit.
        "frames_dropped": max(0, received - processed) + limited,
        "frames_rate_limited": limited,
        "frames_replayed": sum(r["frames_replayed"] for r in records.values()),
        # The whole check, first frame sent to verdict received (approved checks),
        # and a failed check counting as never approved.
        "check_seconds": spread(checks, 2),
        "check_p50_all_s": with_failures(checks, len(outcomes) - len(checks), 50, 2),
        "check_p95_all_s": with_failures(checks, len(outcomes) - len(checks), 95, 2),
        # As before several cues: from the client's start (connecting) to the verdict.
        "checkout_seconds": spread([o.verdict_s for o in outcomes if o.verdict_s], 2),
        "phases_s": phase_summary(durations),
        "tracker": {
            **answers_summary([r for _, r in approved]),
            "restarts": sum(r["restarts"] for r in records.values()),
            "restart_reasons": restart_reasons(records.values()),
            "jumps": sum(r["jumps"] for r in records.values()),
        },
        "errors": [e for o in outcomes for e in o.errors][:10],
        # What the client saw in checkouts that were not approved (a few).
        "failed_traces": [
            {"trace": o.trace[-12:], "server": records.get(o.attempt)}
            for o in outcomes
            if o.state != "approved"
        ][:3],
    }


# --- the two benchmarks -----------------------------------------------------------


def floor_sample(engine, frame) -> float:
    """One detection plus one encoding of a 640x480 frame, as the worker does them."""
    started = time.perf_counter()
    boxes = engine.find_faces_in_frame(frame)
    engine.encode_face(frame, boxes[0])
    return (time.perf_counter() - started) * 1000


def floor_full_sample(engine, frame) -> float:
    """The same with HOG on the full 640 px frame instead of the 320 px copy."""
    started = time.perf_counter()
    boxes = engine.detect_faces(frame, max_side=640)
    engine.encode_face(frame, boxes[0])
    return (time.perf_counter() - started) * 1000


def frame_floor_sample(engine, data: bytes) -> float:
    """What the frame completing the last answer needs at least: decode it and look
    at it (detection, 68 landmarks, measures); its answer was encoded frames before."""
    started = time.perf_counter()
    engine.look_at_frame(engine.decode_image(data))
    return (time.perf_counter() - started) * 1000


_SEEDS = iter(range(1, 10**9))


def decision_latency(stack, shoppers, product, films, *, count: int) -> dict:
    """`count` checkouts one after another; between them, the floors measured here."""
    from faceauth import engine

    engine.warm_up()
    rng = np.random.default_rng(0)
    outcomes, floors, floors_full, frame_floors = [], [], [], []
    worker_cpu = 0.0
    for number in range(count):
        shopper = shoppers[number % len(shoppers)]
        film = films[shopper.person]
        attempt, refused = try_checkout(shopper, product)
        if attempt is None:
            outcomes.append(Outcome(attempt="", state="refused", reason=refused))
            continue
        worker_before = process_tree_cpu_seconds(stack.worker.pid)
        outcome = asyncio.run(
            shop_with_face(stack.base_url, shopper, attempt, film, seed=next(_SEEDS))
        )
        worker_cpu += process_tree_cpu_seconds(stack.worker.pid) - worker_before
        outcomes.append(outcome)
        for _ in range(2):
            data = film.frame("neutral", 0, rng)
            image = engine.decode_image(data)
            floors.append(floor_sample(engine, image))
            floors_full.append(floor_full_sample(engine, image))
            frame_floors.append(frame_floor_sample(engine, data))
    result = summarise(outcomes)
    server = result["server_answer_to_verdict_ms"]
    floor = statistics.median(floors)
    frame_floor = statistics.median(frame_floors)
    result.update(
        p50=server.get("median"),
        p95=server.get("p95"),
        floor_ms=round(floor, 1),
        floor_spread=spread(floors),
        floor_full_frame_hog_ms=round(statistics.median(floors_full), 1),
        p95_over_floor=round(server["p95"] / floor, 2) if server.get("p95") else None,
        frame_floor_ms=round(frame_floor, 1),
        frame_floor_spread=spread(frame_floors),
        p95_over_frame_floor=(
            round(server["p95"] / frame_floor, 2) if server.get("p95") else None
        ),
        worker_cpu_ms_per_frame=_per_frame(worker_cpu, result["frames_processed"]),
        client_p50=result["client_answer_to_verdict_ms"].get("median"),
        client_p95=result["client_answer_to_verdict_ms"].get("p95"),
    )
    return result


def _per_frame(cpu_seconds: float, frames: int) -> float | None:
    """The worker's CPU milliseconds per frame judged (encodings, the database,
    Redis, the push and Celery included)."""
    return round(cpu_seconds * 1000 / frames, 1) if frames else None


async def _crowd(base_url, shoppers, attempts, films):
    rng = random.Random(len(shoppers))

    async def refused(why):
        return Outcome(attempt="", state="refused", reason=why)

    return await asyncio.gather(
        *(
            shop_with_face(
                base_url,
                s,
                a,
                films[s.person],
                seed=next(_SEEDS),
                phase=rng.uniform(0, 1 / FPS),
            )
            if a
            else refused(why)
            for s, (a, why) in zip(shoppers, attempts, strict=True)
        )
    )


_next_shopper = 0


def _group(shoppers: list[Shopper], size: int) -> list[Shopper]:
    """The next `size` shoppers in turn: each shopper checks out as rarely as the
    crowds allow, so that no one is locked out by failures under overload."""
    global _next_shopper
    group = [shoppers[(_next_shopper + i) % len(shoppers)] for i in range(size)]
    _next_shopper = (_next_shopper + size) % len(shoppers)
    return group


def crowd(
    stack, shoppers, product, films, *, size: int, rounds: int = 1, base_url=None
) -> dict:
    """`size` shoppers checking out at once, `rounds` times, through `base_url` (the
    stack's web node by default; the proxy in the capacity section). CPU is counted
    over the worker and every web node of `stack.web_nodes`."""
    outcomes = []
    wall = 0.0
    cpu_worker = cpu_daphne = cpu_machine = cpu_shoppers = 0.0
    connections = ConnectionSampler(stack.db)
    for _ in range(rounds):
        group = _group(shoppers, size)
        attempts = [try_checkout(s, product) for s in group]
        worker_before = process_tree_cpu_seconds(stack.worker.pid)
        web_before = sum(process_tree_cpu_seconds(n.pid) for n in stack.web_nodes)
        machine_before = machine_busy_seconds()
        shoppers_before = time.process_time()
        started = time.monotonic()
        with connections:
            outcomes += asyncio.run(
                _crowd(base_url or stack.base_url, group, attempts, films)
            )
        wall += time.monotonic() - started
        cpu_worker += process_tree_cpu_seconds(stack.worker.pid) - worker_before
        cpu_daphne += (
            sum(process_tree_cpu_seconds(n.pid) for n in stack.web_nodes) - web_before
        )
        cpu_machine += machine_busy_seconds() - machine_before
        cpu_shoppers += time.process_time() - shoppers_before
    result = summarise(outcomes)
    server = result["server_answer_to_verdict_ms"]
    result.update(
        size=size,
        rounds=rounds,
        # Over every checkout: one that was not approved counts as never answered.
        p50_ms=result["p50_all_ms"],
        p95_ms=result["p95_all_ms"],
        approved_p50_ms=server.get("median"),
        approved_p95_ms=server.get("p95"),
        wall_seconds=round(wall, 1),
        # CPU time over wall time: 1.0 is one core busy all along (2 cores here).
        worker_cpu_cores=round(cpu_worker / wall, 2),
        daphne_cpu_cores=round(cpu_daphne / wall, 2),
        machine_cpu_cores=round(cpu_machine / wall, 2),
        # This process: the simulated shoppers' websocket clients.
        shoppers_cpu_cores=round(cpu_shoppers / wall, 2),
        worker_cpu_ms_per_frame=_per_frame(cpu_worker, result["frames_processed"]),
        # Capacity (issue 15): the web and worker processes' own CPU per approved
        # checkout, so that checkouts per second ≈ cores ÷ this.
        cpu_seconds_per_approved=_per_approved(
            cpu_worker + cpu_daphne, result["outcomes"].get("approved", 0)
        ),
        # Open connections to the database while the crowd ran (PostgreSQL only).
        db_connections=connections.summary(),
    )
    return result


def _per_approved(cpu_seconds: float, approved: int) -> float | None:
    return round(cpu_seconds / approved, 2) if approved else None


def concurrent(
    stack,
    shoppers,
    product,
    films,
    *,
    levels,
    target_size=20,
    rounds_at_target=2,
    until=None,
    base_url=None,
):
    """Crowds of growing size (through `base_url`, the stack's web node if None);
    the knee is the first size whose p95 passes 1 s. Sizes past the target are
    skipped once time.monotonic() passes `until`."""
    by_size = {}
    over = 0
    stopped_for_time = None
    for size in levels:
        if until is not None and size > target_size and time.monotonic() > until:
            stopped_for_time = size
            print(f"  {size:>3} at once: skipped, the time budget is spent", flush=True)
            break
        rounds = rounds_at_target if size == target_size else 1
        by_size[size] = crowd(
            stack, shoppers, product, films, size=size, rounds=rounds, base_url=base_url
        )
        level = by_size[size]
        print(
            f"  {size:>3} at once: p50 {level['p50_ms']} ms, p95 {level['p95_ms']} ms, "
            f"check p50 {level['check_seconds'].get('median')} s, {level['outcomes']}",
            flush=True,
        )
        p95 = level["p95_ms"]
        over = over + 1 if p95 is None or p95 > 1000 else 0
        if over >= 2 and size >= target_size:
            break
    knee = next(
        (s for s in sorted(by_size) if (by_size[s]["p95_ms"] or 1e9) > 1000), None
    )
    target = by_size.get(target_size, {})
    return {
        "checkouts": target_size,
        "p50_ms": target.get("p50_ms"),
        "p95_ms": target.get("p95_ms"),
        # The shopper's side, a checkout not approved counting as never too.
        "client_p50_ms": target.get("client_p50_all_ms"),
        "client_p95_ms": target.get("client_p95_all_ms"),
        "check_p50_s": target.get("check_seconds", {}).get("median"),
        "check_p95_s": target.get("check_seconds", {}).get("p95"),
        "failed": target.get("failed"),
        "approved_p95_ms": target.get("approved_p95_ms"),
        "frames_dropped": target.get("frames_dropped"),
        "frames_received": target.get("frames_received"),
        "worker_cpu_cores": target.get("worker_cpu_cores"),
        "daphne_cpu_cores": target.get("daphne_cpu_cores"),
        "machine_cpu_cores": target.get("machine_cpu_cores"),
        "knee_checkouts": knee,
        "knee_note": (
            f"p95 stayed at or under 1000 ms up to {max(by_size)} at once, the most "
            "tested"
            + (
                f" ({stopped_for_time} and more skipped: time budget)"
                if stopped_for_time
                else ""
            )
            if knee is None
            else f"first tested size whose p95 passed 1000 ms (sizes {sorted(by_size)})"
        ),
        "knee_above": max(by_size) if knee is None else None,
        "levels": {str(k): v for k, v in sorted(by_size.items())},
    }
