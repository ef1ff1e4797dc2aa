"""Face checkouts through the real stack: Daphne, Redis, a Celery worker.

Each simulated shopper is a websocket client authenticated with a Django session
cookie. It streams JPEG frames at 8 per second: a neutral face until the server
says "Now smile!" (state "challenge"), then, after a human reaction time of 0.3 s,
smiling frames until the verdict. If the server starts the challenge again (state
"streaming"), it goes back to a neutral face, as a shopper who follows the page would.

Measured:
- server side, from VerificationAttempt.timings: `smile_to_verdict_ms`, from the
  arrival at the consumer of the frame that completes the challenge to the verdict
  (measured by the worker just before it stores and pushes it);
- client side: from sending the first smiling frame to receiving the verdict.
"""

import asyncio
import contextlib
import json
import math
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from bench.common import FPS, PEOPLE, spread, variants
from bench.stack import process_tree_cpu_seconds

REACTION_SECONDS = 0.3
CHECKOUT_TIMEOUT = 60


# --- data -----------------------------------------------------------------------


@dataclass
class Shopper:
    user_id: int
    username: str
    person: str
    session_key: str


def person_encodings() -> dict:
    """Each person's enrolment encodings, computed once (as face_enroll does)."""
    from bench.frame_pipeline import _templates
    from faceauth import engine

    return _templates(engine)


def seed(count: int) -> tuple[list[Shopper], object]:
    """`count` enrolled shoppers with money and sessions, and a product to buy."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from faceauth import crypto
    from faceauth.models import FaceConsent, FaceTemplate
    from payments.services import wallet_topup
    from shop.models import Category, Merchant, Product

    encodings = person_encodings()
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
    User = get_user_model()
    shoppers = []
    for number in range(count):
        person = list(PEOPLE)[number % len(PEOPLE)]
        user = User.objects.create(username=f"bench-{number:03d}-{person}")
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
            for encoding in encodings[person]
        )
        wallet_topup(user=user, amount="100000.00", memo="Bench funds")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        shoppers.append(Shopper(user.pk, user.username, person, session.session_key))
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


def clips(count: int = 16) -> dict:
    """Per person: neutral and smiling JPEG frames (a webcam's small movements)."""
    return {
        person: {
            "neutral": variants(neutral, count, seed=11),
            "smiling": variants(smiling, count, seed=12),
        }
        for person, (neutral, smiling) in PEOPLE.items()
    }


# --- one shopper ----------------------------------------------------------------


@dataclass
class Outcome:
    attempt: str
    state: str = "none"
    reason: str = ""
    frames_sent: int = 0
    connected_s: float | None = None
    challenge_s: float | None = None
    smile_sent_s: float | None = None
    verdict_s: float | None = None
    client_smile_to_verdict_ms: float | None = None
    challenges: int = 0
    errors: list = field(default_factory=list)
    trace: list = field(default_factory=list)


async def shop_with_face(
    base_url: str, shopper: Shopper, attempt: str, clip, *, phase=0.0
):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    outcome = Outcome(attempt=attempt)
    loop = asyncio.get_running_loop()
    started = loop.time()
    ws_url = base_url.replace("http://", "ws://") + f"/ws/face/{attempt}/"
    challenge_seen = None
    first_smile = None
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

            async def read():
                nonlocal challenge_seen
                async for message in socket:
                    data = json.loads(message)
                    if data.get("type") == "error":
                        outcome.errors.append(data.get("message"))
                        continue
                    now = loop.time()
                    state = data.get("state")
                    outcome.trace.append(
                        (round(now - started, 3), state, data.get("message", "")[:20])
                    )
                    if data.get("final"):
                        outcome.state = state
                        outcome.reason = data.get("reason", "")
                        outcome.verdict_s = now - started
                        if first_smile is not None:
                            outcome.client_smile_to_verdict_ms = (
                                now - first_smile
                            ) * 1000
                        break
                    if state == "challenge" and challenge_seen is None:
                        challenge_seen = now
                        outcome.challenges += 1
                        outcome.challenge_s = outcome.challenge_s or now - started
                    elif state == "streaming" and challenge_seen is not None:
                        challenge_seen = None  # the challenge started again
                done.set()

            async def write():
                nonlocal first_smile
                tick = loop.time()
                index = 0
                while not done.is_set():
                    now = loop.time()
                    smiling = (
                        challenge_seen is not None
                        and now >= challenge_seen + REACTION_SECONDS
                    )
                    frames = clip["smiling"] if smiling else clip["neutral"]
                    if smiling and first_smile is None:
                        first_smile = now
                        outcome.trace.append(
                            (round(now - started, 3), "SMILE-SENT", "")
                        )
                        outcome.smile_sent_s = now - started
                    if not smiling:
                        first_smile = None if challenge_seen is None else first_smile
                    try:
                        await socket.send(as_new_capture(frames[index % len(frames)]))
                    except ConnectionClosed:
                        break
                    outcome.frames_sent += 1
                    index += 1
                    tick += 1 / FPS
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

    rows = VerificationAttempt.objects.filter(public_id__in=attempts)
    return {
        str(a.public_id): {
            "status": a.status,
            "reason": a.reason,
            "frames_received": a.frames_received,
            "frames_processed": a.frames_processed,
            "frames_dropped": a.timings.get("frames_dropped", 0),
            "smile_to_verdict_ms": a.timings.get("smile_to_verdict_ms"),
            "decision_ms": a.timings.get("decision_ms"),
            "encode_ms": a.timings.get("encode_ms"),
            "frame_ms": a.timings.get("frame_ms"),
        }
        for a in rows
    }


def with_failures(latencies: list[float], failures: int, q: float) -> float | None:
    """Nearest-rank percentile where each failed checkout counts as never answered
    (None if the percentile falls on one)."""
    values = sorted(latencies) + [math.inf] * failures
    if not values:
        return None
    value = values[max(0, math.ceil(q / 100 * len(values)) - 1)]
    return None if math.isinf(value) else round(value, 1)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (all processes)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def summarise(outcomes: list[Outcome]) -> dict:
    records = server_records([o.attempt for o in outcomes])
    approved = [o for o in outcomes if o.state == "approved"]
    server = [
        records[o.attempt]["smile_to_verdict_ms"]
        for o in approved
        if records.get(o.attempt, {}).get("smile_to_verdict_ms") is not None
    ]
    client = [
        o.client_smile_to_verdict_ms for o in approved if o.client_smile_to_verdict_ms
    ]
    failed = len(outcomes) - len(server)
    states = {}
    for o in outcomes:
        key = o.state if o.state == "approved" else f"{o.state}:{o.reason or '-'}"
        states[key] = states.get(key, 0) + 1
    received = sum(r["frames_received"] for r in records.values())
    processed = sum(r["frames_processed"] for r in records.values())
    limited = sum(r["frames_dropped"] for r in records.values())
    return {
        "checkouts": len(outcomes),
        "outcomes": states,
        "failed": failed,
        # Over every checkout, a failed one counting as never answered.
        "p50_all_ms": with_failures(server, failed, 50),
        "p95_all_ms": with_failures(server, failed, 95),
        "server_smile_to_verdict_ms": spread(server),
        "client_smile_to_verdict_ms": spread(client),
        "server_samples": [round(v, 1) for v in server],
        "client_samples": [round(v, 1) for v in client],
        "decision_ms": spread(
            [
                records[o.attempt]["decision_ms"]
                for o in approved
                if o.attempt in records
            ]
        ),
        "frames_sent": sum(o.frames_sent for o in outcomes),
        "frames_received": received,
        "frames_processed": processed,
        # Replaced by a newer frame before the worker took them (one frame in flight
        # per attempt), plus those refused by the rate limit.
        "frames_dropped": max(0, received - processed) + limited,
        "frames_rate_limited": limited,
        "checkout_seconds": spread([o.verdict_s for o in outcomes if o.verdict_s], 2),
        "errors": [e for o in outcomes for e in o.errors][:10],
        # What the client saw in checkouts that were not approved (a few).
        "failed_traces": [
            {"trace": o.trace[-12:], "server": records.get(o.attempt)}
            for o in outcomes
            if o.state != "approved"
        ][:3],
    }


# --- the two benchmarks -----------------------------------------------------------


def as_new_capture(jpeg: bytes) -> bytes:
    """The same picture in new bytes, as a webcam's next capture would be (its sensor
    noise never repeats): a JPEG comment of random bytes changes the bytes, not the
    pixels. Without it, a shopper's second checkout's frames are dropped as replays."""
    comment = os.urandom(16)
    size = (len(comment) + 2).to_bytes(2, "big")
    return jpeg[:2] + b"\xff\xfe" + size + comment + jpeg[2:]


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


def decision_latency(stack, shoppers, product, *, count: int) -> dict:
    """`count` checkouts one after another; between them, the floor measured here."""
    from bench.common import base_frame
    from faceauth import engine

    engine.warm_up()
    frames = {p: base_frame(PEOPLE[p][1]) for p in PEOPLE}
    clip = clips()
    outcomes, floors, floors_full = [], [], []
    for number in range(count):
        shopper = shoppers[number % len(shoppers)]
        attempt = start_checkout(shopper, product)
        outcome = asyncio.run(
            shop_with_face(stack.base_url, shopper, attempt, clip[shopper.person])
        )
        outcomes.append(outcome)
        for _ in range(2):
            floors.append(floor_sample(engine, frames[shopper.person]))
            floors_full.append(floor_full_sample(engine, frames[shopper.person]))
    result = summarise(outcomes)
    server = result["server_smile_to_verdict_ms"]
    floor = statistics.median(floors)
    result.update(
        p50=server.get("median"),
        p95=server.get("p95"),
        floor_ms=round(floor, 1),
        floor_spread=spread(floors),
        floor_full_frame_hog_ms=round(statistics.median(floors_full), 1),
        p95_over_floor=round(server["p95"] / floor, 2) if server.get("p95") else None,
        client_p50=result["client_smile_to_verdict_ms"].get("median"),
        client_p95=result["client_smile_to_verdict_ms"].get("p95"),
    )
    return result


async def _crowd(base_url, shoppers, attempts, clip):
    rng = random.Random(len(shoppers))
    return await asyncio.gather(
        *(
            shop_with_face(
                base_url, s, a, clip[s.person], phase=rng.uniform(0, 1 / FPS)
            )
            for s, a in zip(shoppers, attempts, strict=True)
        )
    )


def crowd(stack, shoppers, product, *, size: int, rounds: int = 1) -> dict:
    """`size` shoppers checking out at once, `rounds` times."""
    clip = clips()
    outcomes = []
    wall = 0.0
    cpu_worker = cpu_daphne = cpu_machine = 0.0
    for _ in range(rounds):
        group = shoppers[:size]
        attempts = [start_checkout(s, product) for s in group]
        worker_before = process_tree_cpu_seconds(stack.worker.pid)
        daphne_before = process_tree_cpu_seconds(stack.daphne.pid)
        machine_before = machine_busy_seconds()
        started = time.monotonic()
        outcomes += asyncio.run(_crowd(stack.base_url, group, attempts, clip))
        wall += time.monotonic() - started
        cpu_worker += process_tree_cpu_seconds(stack.worker.pid) - worker_before
        cpu_daphne += process_tree_cpu_seconds(stack.daphne.pid) - daphne_before
        cpu_machine += machine_busy_seconds() - machine_before
    result = summarise(outcomes)
    server = result["server_smile_to_verdict_ms"]
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
    )
    return result


def concurrent(
    stack, shoppers, product, *, levels, target_size=20, rounds_at_target=2, until=None
):
    """Crowds of growing size; the knee is the first size whose p95 passes 1 s.
    Sizes past the target are skipped once time.monotonic() passes `until`."""
    by_size = {}
    over = 0
    stopped_for_time = None
    for size in levels:
        if until is not None and size > target_size and time.monotonic() > until:
            stopped_for_time = size
            print(f"  {size:>3} at once: skipped, the time budget is spent", flush=True)
            break
        rounds = rounds_at_target if size == target_size else 1
        by_size[size] = crowd(stack, shoppers, product, size=size, rounds=rounds)
        p95 = by_size[size]["p95_ms"]
        print(
            f"  {size:>3} at once: p50 {by_size[size]['p50_ms']} ms, p95 {p95} ms, "
            f"{by_size[size]['outcomes']}",
            flush=True,
        )
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
        "client_p50_ms": target.get("client_smile_to_verdict_ms", {}).get("median"),
        "client_p95_ms": target.get("client_smile_to_verdict_ms", {}).get("p95"),
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
