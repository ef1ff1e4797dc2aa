"""A face in front of the real frame pipeline, for the task and attempt tests.

A synthetic person (faceauth.simulation: a fixture photo animated by a
landmark-driven warp) is filmed frame by frame: each frame is put into the real
Redis as the websocket consumer puts it, and judged by the real verify_frame task,
in this process. An actor from faceauth.pad (a genuine shopper, a photo swap, a
still photo, a blind recording) decides each frame's pose from what the page would
show: the attempt's stored state.

Time is simulated: frames arrive every 1/8 s (1/15 s while a cue is shown), and the
task judges each one 40 ms after it arrived (faceauth.services.checks.clock), so
the tests do not depend on how fast this machine is.
"""

import time
from dataclasses import dataclass
from functools import cache

import numpy as np
from asgiref.sync import async_to_sync

from faceauth import engine, frames, liveness, pad, simulation
from faceauth.models import VerificationAttempt
from faceauth.services import checks
from faceauth.services.attempts import attempt_state
from faceauth.tasks import verify_frame

from .factories import OBAMA, face_bytes

LEVELS = np.linspace(0.0, 1.0, 9)
JUDGED_AFTER = 0.04  # seconds from a frame's arrival to its judgement


class FixedDraws:
    """Stands in for the tracker's secrets.SystemRandom: the next trackers get
    these cues (in turn) and every delay is `delay` seconds."""

    def __init__(self, cues=("smile", "turn-left", "open-mouth"), *, delay=0.5):
        self.cues = list(cues)
        self.delay = delay
        self.drawn = 0
        self.delays = []

    def choice(self, actions):
        assert tuple(actions) == liveness.ACTIONS
        cue = self.cues[self.drawn % len(self.cues)]
        self.drawn += 1
        return cue

    def uniform(self, low, high):
        self.delays.append((low, high))
        return self.delay


def fix_draws(monkeypatch, cues=("smile", "turn-left", "open-mouth"), *, delay=0.5):
    """Fix the cues and delays of the trackers made from now on."""
    draws = FixedDraws(cues, delay=delay)
    monkeypatch.setattr(liveness, "_random", draws)
    return draws


@dataclass
class Film:
    """JPEG frames of one person's poses: neutral, and every action at LEVELS."""

    frames: dict[tuple[str, int], list[bytes]]

    def frame(self, action: str, degree: float, rng: np.random.Generator) -> bytes:
        level = int(np.abs(LEVELS - degree).argmin())
        key = ("neutral", 0) if level == 0 else (action, level)
        choices = self.frames[key]
        return choices[rng.integers(len(choices))]


@cache
def film_of(photo: str) -> Film:
    """Render a fixture photo's poses once per test run (a few seconds)."""
    rng = np.random.default_rng(7)
    poser = simulation.Poser(
        simulation.photo_frame(engine.decode_photo(face_bytes(photo)))
    )

    def shots(image, count):
        return [
            simulation.to_jpeg(simulation.with_noise(image, rng)) for _ in range(count)
        ]

    film = {("neutral", 0): shots(poser.frame, 4)}
    for action in liveness.ACTIONS:
        for level, degree in enumerate(LEVELS[1:], 1):
            film[(action, level)] = shots(poser.pose(action, float(degree)), 2)
    return Film(frames=film)


def put_frame(attempt_id: int, data: bytes, at: float, *, session_key="") -> bool:
    """Queue a frame as the consumer does, on a client of its own event loop."""

    async def put():
        client = frames.async_client()
        try:
            return await frames.frame_put(
                client, attempt_id, data, at, session_key=session_key
            )
        finally:
            await client.aclose()

    return async_to_sync(put)()


@dataclass
class Played:
    attempt: VerificationAttempt
    frames: int
    seconds: float  # simulated, first frame to the verdict (or the end)
    cues_seen: list[str]


def play(
    attempt: VerificationAttempt,
    actor,
    film: Film,
    *,
    monkeypatch,
    seconds: float = 25.0,
    seed: int = 0,
    session_key: str = "",
    after_frame=None,
) -> Played:
    """Film `actor` for up to `seconds` (simulated), judging every frame with the
    real task; stop at the verdict. `after_frame(number)` runs after each frame."""
    rng = np.random.default_rng(seed)
    start = time.time()
    page = pad.PageView()
    page.show(0.0, liveness.NEUTRAL)
    clock = {"now": start}
    monkeypatch.setattr(checks, "clock", lambda: clock["now"])
    cues_seen = []
    previous = liveness.NEUTRAL
    due = 0.0
    count = 0
    while due < seconds:
        _, shown = page.seen(due)
        due += 1 / (pad.CUE_FPS if shown in liveness.ACTIONS else pad.FPS)
        action, degree = actor.pose(due, page)
        count += 1
        put_frame(
            attempt.pk,
            film.frame(action, degree, rng),
            start + due,
            session_key=session_key,
        )
        clock["now"] = start + due + JUDGED_AFTER
        verify_frame(attempt.pk)
        if after_frame:
            after_frame(count)
        attempt.refresh_from_db()
        state = attempt_state(attempt)
        page.show(due + JUDGED_AFTER + pad.PUSH_SECONDS, state["cue"])
        if state["cue"] not in (liveness.NEUTRAL, previous):
            cues_seen.append(state["cue"])
        previous = state["cue"]
        if state["final"]:
            break
    return Played(attempt=attempt, frames=count, seconds=due, cues_seen=cues_seen)


def play_genuine(attempt, *, monkeypatch, photo: str = OBAMA, seed: int = 1, **kwargs):
    """Play a genuine shopper: `photo`'s face answering each cue like a person
    (faceauth.pad.Reacting), seeded."""
    return play(
        attempt,
        pad.Reacting(np.random.default_rng(seed)),
        film_of(photo),
        monkeypatch=monkeypatch,
        **kwargs,
    )
