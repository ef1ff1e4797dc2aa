"""The storefront while shoppers enrol their faces.

Enrolment's face work runs in a Celery task that the view awaits on the event loop
(faceauth/jobs.py), not in the web process's threads. Here ENROLLING signed-in
shoppers each play the webcam page's traffic in a loop (static/js/face-enrol.js: a
frame checked every 0.6 s until FRAMES have passed, then those frames sent to
enrol), while bench/loadgen.py loads the product list. The list's latency is
compared with a run beside it in which nobody enrols, in alternating rounds: the
machine is shared and noisy.
"""

import http.client
import itertools
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench import storefront
from bench.checkouts import signed_in_session
from bench.common import spread

ENROLLING = 5
FRAMES = 4  # the page's frames_wanted
CHECK_EVERY = 0.6  # seconds, the page's CHECK_EVERY_MS
CONNECTIONS = 4
WARM_UP = 2.0  # seconds of enrolling before the storefront is measured


@dataclass
class Enroller:
    session_key: str
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))


@dataclass
class Tally:
    checks: list = field(default_factory=list)  # ms, answered 200
    enrolments: list = field(default_factory=list)  # ms, answered 200
    statuses: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, ms: float):
        with self.lock:
            key = f"{kind} {status}"
            self.statuses[key] = self.statuses.get(key, 0) + 1
            if status == 200:
                (self.checks if kind == "check" else self.enrolments).append(ms)


def seed(count: int = ENROLLING) -> list[Enroller]:
    """`count` shoppers who agreed to face payment and confirmed their password,
    each with a signed-in session."""
    from django.contrib.auth import get_user_model

    from faceauth.services import consent_give
    from faceauth.views import PASSWORD_CONFIRMED_KEY

    enrollers = []
    for number in range(count):
        user = get_user_model().objects.create_user(
            f"bench-enrol-{number}-{uuid.uuid4().hex[:6]}"
        )
        consent_give(user=user)
        # The confirmation lasts ten minutes: seeded just before the rounds.
        confirmed = {PASSWORD_CONFIRMED_KEY: time.time()}
        enrollers.append(Enroller(signed_in_session(user, **confirmed)))
    return enrollers


def _multipart(frames: list[bytes]) -> tuple[str, bytes]:
    boundary = secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="frames"; '
        f'filename="frame{number}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + frame
        + b"\r\n"
        for number, frame in enumerate(frames)
    ]
    return (
        f"multipart/form-data; boundary={boundary}",
        b"".join(parts) + f"--{boundary}--\r\n".encode(),
    )


def _enrol_loop(base_url, enroller, frames, stop, tally):
    """One shopper on the enrolment page, over and over, until `stop` is set."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {
        "Cookie": f"sessionid={enroller.session_key}; csrftoken={enroller.csrf}",
        "X-CSRFToken": enroller.csrf,
        "Accept": "application/json",
    }

    def post(kind, path, body, content_type):
        began = time.perf_counter()
        conn.request("POST", path, body=body, headers={**headers, **content_type})
        response = conn.getresponse()
        answer = response.read()
        tally.add(kind, response.status, (time.perf_counter() - began) * 1000)
        return response.status, answer

    shots = itertools.cycle(frames)
    while not stop.is_set():
        passed = []
        while len(passed) < FRAMES and not stop.is_set():
            began = time.monotonic()
            frame = next(shots)
            status, answer = post(
                "check",
                "/face/enrol/check/",
                frame,
                {"Content-Type": "image/jpeg"},
            )
            if status == 200 and b'"ok": true' in answer:
                passed.append(frame)
            stop.wait(max(0.0, CHECK_EVERY - (time.monotonic() - began)))
        if len(passed) == FRAMES:
            content_type, body = _multipart(passed)
            post("enrol", "/face/enrol/", body, {"Content-Type": content_type})
    conn.close()


def _storefront(base_url: str, duration: float) -> dict:
    run = storefront.load(
        base_url + "/", duration=duration, warmup=1, connections=CONNECTIONS
    )
    return {
        "rps": run["rps"],
        "p50_ms": run["latency_ms"].get("p50"),
        "p95_ms": run["latency_ms"].get("p95"),
        "p99_ms": run["latency_ms"].get("p99"),
        "errors": run["errors"],
    }


def main(stack, films, *, quick: bool = False) -> dict:
    """The product list's latency, quiet and while ENROLLING shoppers enrol."""
    base_url = stack.base_url
    duration = 5 if quick else 10
    rounds = 1 if quick else 2
    enrollers = seed()
    frames = films["obama"].neutral[:8]
    quiet, enrolling = [], []
    tally = Tally()
    for _ in range(rounds):
        quiet.append(_storefront(base_url, duration))
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=_enrol_loop,
                args=(base_url, enroller, frames, stop, tally),
                daemon=True,
            )
            for enroller in enrollers
        ]
        for thread in threads:
            thread.start()
        time.sleep(WARM_UP)
        enrolling.append(_storefront(base_url, duration))
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    def median(runs, key):
        values = sorted(run[key] for run in runs if run[key] is not None)
        return values[len(values) // 2] if values else None

    result = {
        "enrolling": ENROLLING,
        "rounds": rounds,
        "seconds_each": duration,
        "quiet": quiet,
        "while_enrolling": enrolling,
        "p50_ratio": _ratio(median(enrolling, "p50_ms"), median(quiet, "p50_ms")),
        "p95_ratio": _ratio(median(enrolling, "p95_ms"), median(quiet, "p95_ms")),
        "p99_ratio": _ratio(median(enrolling, "p99_ms"), median(quiet, "p99_ms")),
        "rps_ratio": _ratio(median(enrolling, "rps"), median(quiet, "rps")),
        "storefront_errors": sum(run["errors"] for run in quiet + enrolling),
        "enrolments": len(tally.enrolments),
        "enrolment_ms": spread(tally.enrolments, 0),
        "check_ms": spread(tally.checks, 0),
        "statuses": dict(sorted(tally.statuses.items())),
    }
    print(
        f"  storefront p50 {median(quiet, 'p50_ms')} -> "
        f"{median(enrolling, 'p50_ms')} ms, p95 {median(quiet, 'p95_ms')} -> "
        f"{median(enrolling, 'p95_ms')} ms (x{result['p95_ratio']}), rps x"
        f"{result['rps_ratio']}; {result['enrolments']} enrolments, p50 "
        f"{result['enrolment_ms'].get('median')} ms; {result['statuses']}",
        flush=True,
    )
    return result


def _ratio(value, baseline):
    return round(value / baseline, 2) if value and baseline else None
