"""Presentation-attack evaluation of the live check (the liveness_eval command).

ISO/IEC 30107-3 terms: APCER is the share of attack presentations of one kind that
were accepted (approved); BPCER the share of genuine presentations that were
refused. iBeta's Level 1 asks for no attack accepted.

Offline and with no browser, but with the real engine and the real tracker:

1. *A library of frames per person.* Each person's neutral photo is animated
   (faceauth.simulation) to every action at LEVELS degrees, VARIANTS noisy frames
   each; every frame goes through JPEG, the engine's detection, landmarks and
   measures, and its encoding is kept. The person is enrolled from other photos,
   as enrolment does (jittered encodings, centroid).
2. *Simulated checks.* An actor (a genuine shopper or an attack) decides, frame by
   frame at 8 frames a second, which pose the camera shows, from what the page
   shows it; the library frame nearest that pose is measured by the tracker
   (liveness.step), and each frame the tracker asks to encode is compared with the
   target's templates. Cue draws and delays are the tracker's own (`secrets`).

The blind recording's figure "at its best timing" is the chance that its moves
are the ones drawn (exact: 1 / len(ACTIONS) ** CUES_PER_CHECK) times the best
chance, over a grid of scripts, that a recording whose moves are the drawn ones
is also timed right, measured with the sequence forced to match.
"""

import contextlib
import csv
import itertools
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import engine, liveness, simulation
from .services.enrolment import ENROL_JITTER_BUDGET

FPS = 8.0  # the face page sends 8 frames a second,
CUE_FPS = 15.0  # and 15 while a cue is shown
FRAME_JITTER = 0.01  # seconds either way
PROCESS_SECONDS = 0.04  # arrival to verdict of one frame on the worker
PUSH_SECONDS = 0.03  # the worker's push to the page showing it
DEADLINE_SECONDS = 30.0  # FACEAUTH_ATTEMPT_SECONDS
LEVELS = np.linspace(0.0, 1.0, 13)  # degrees of each action in the library
ENCODED_FROM = 0.25  # frames of a lesser degree never answer a cue: not encoded
VARIANTS = 2  # noisy frames per degree

HUMAN_REACTION = (0.35, 0.75)  # seconds from seeing a cue to moving
HUMAN_MOVE = (0.3, 0.6)  # seconds a move takes, neutral to full
HUMAN_RETURN = (0.25, 0.5)

# What a run may change (`liveness_eval --what-if NAME=VALUE`) to measure what
# another rule, page or shopper would cost: the tracker's rules, and this module's
# page and shoppers.
WHAT_IF = {
    **dict.fromkeys(
        (
            "CUES_PER_CHECK",
            "CUE_DELAY_SECONDS",
            "CUE_WINDOW_SECONDS",
            "MIN_ONSET_SECONDS",
            "MAX_RESTARTS",
            "MAX_STEP_SHARE",
            "MAX_SETTLED_SHARE",
        ),
        liveness,
    ),
    **dict.fromkeys(
        ("FPS", "CUE_FPS", "FRAME_JITTER", "HUMAN_REACTION", "HUMAN_MOVE"),
        sys.modules[__name__],
    ),
}
CAN_BE_NONE = {"MAX_RESTARTS", "MIN_ONSET_SECONDS", "FRAME_JITTER"}

ATTACKS = (
    "blind_recording_best_timing",
    "blind_recording_capped_check",
    "photo_swap_on_cue",
    "still_photo",
    "another_person",
)


def what_if_value(name: str, text: str):
    """`text` read as a value for the WHAT_IF setting `name`, of the type it has
    ("0.3,1.3" for a range); ValueError if it is not one."""
    if name not in WHAT_IF:
        raise ValueError(f"{name} is not one of {', '.join(WHAT_IF)}")
    current = getattr(WHAT_IF[name], name)
    if isinstance(current, tuple):
        value = tuple(float(part) for part in text.split(","))
        if len(value) != len(current) or value[0] > value[1]:
            raise ValueError(f"{name} is a range: low,high")
        return value
    value = type(current)(text)
    if value < 0 or (value == 0 and name not in CAN_BE_NONE):
        raise ValueError(f"{name} must be more than 0")
    return value


@contextlib.contextmanager
def what_if(changes: dict[str, object]):
    """Run with the WHAT_IF settings `changes` (see `what_if_value`), then put the
    real ones back."""
    before = {name: getattr(WHAT_IF[name], name) for name in changes}
    try:
        for name, value in changes.items():
            setattr(WHAT_IF[name], name, value)
        yield
    finally:
        for name, value in before.items():
            setattr(WHAT_IF[name], name, value)


class ManifestError(Exception):
    """Raised when the people file is missing, malformed or names missing photos."""


# --- the people ------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    name: str
    animate: Path  # a neutral photo: the live face
    enrol: tuple[Path, ...]  # the photos the person enrols with


def read_manifest(path: Path) -> list[PersonSpec]:
    """Read `person,animate,enrol` rows (enrol: photos joined with `|`), with paths
    relative to the file."""
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ManifestError(f"Cannot read {path}: {error}") from None
    specs = []
    for number, row in enumerate(rows, 2):
        try:
            animate = path.parent / row["animate"].strip()
            enrol = tuple(path.parent / p.strip() for p in row["enrol"].split("|"))
            name = row["person"].strip()
        except (KeyError, AttributeError):
            raise ManifestError(
                f"{path}:{number}: expected columns person,animate,enrol"
            ) from None
        for photo in (animate, *enrol):
            if not photo.is_file():
                raise ManifestError(f"{path}:{number}: no such photo {photo}")
        specs.append(PersonSpec(name=name, animate=animate, enrol=enrol))
    if len(specs) < 2:
        raise ManifestError(f"{path}: needs at least two people")
    return specs


@dataclass(frozen=True)
class Shot:
    """One library frame, as the checkout would see it."""

    faces: int
    measures: engine.FaceMeasures | None
    encoding: np.ndarray | None


@dataclass
class Person:
    name: str
    templates: np.ndarray
    shots: dict[tuple[str, int], list[Shot]]
    degrees: np.ndarray

    def shot(self, action: str, degree: float, rng: np.random.Generator) -> Shot:
        level = int(np.abs(self.degrees - degree).argmin())
        key = ("neutral", 0) if level == 0 else (action, level)
        return self.shots[key][rng.integers(len(self.shots[key]))]


def person_from(
    spec: PersonSpec, *, levels: int = len(LEVELS), variants: int = VARIANTS, seed=0
) -> Person:
    """Enrol the person and render, measure and encode their library of frames:
    each action at `levels` degrees from 0 to 1, `variants` noisy frames each."""
    rng = np.random.default_rng(seed)
    jitters = max(1, ENROL_JITTER_BUDGET // len(spec.enrol))
    encodings = []
    for path in spec.enrol:
        photo = engine.decode_photo(path.read_bytes())
        # As face_eval enrols: the largest face, without enrolment's quality gates
        # (the calibration chips are small crops).
        box = max(engine.find_faces_in_photo(photo), key=engine.box_area)
        encodings.append(engine.encode_face(photo, box, jitters=jitters))
    poser = simulation.Poser(
        simulation.photo_frame(engine.decode_photo(spec.animate.read_bytes()))
    )
    degrees = np.linspace(0.0, 1.0, levels)
    shots = {("neutral", 0): [_shot(poser.frame, rng) for _ in range(variants * 2)]}
    for action in liveness.ACTIONS:
        for level, degree in enumerate(degrees[1:], 1):
            posed = poser.pose(action, float(degree))
            shots[(action, level)] = [
                _shot(posed, rng, encode=degree >= ENCODED_FROM)
                for _ in range(variants)
            ]
    return Person(
        name=spec.name, templates=np.vstack(encodings), shots=shots, degrees=degrees
    )


def _shot(frame: np.ndarray, rng: np.random.Generator, *, encode=True) -> Shot:
    data = simulation.to_jpeg(simulation.with_noise(frame, rng))
    image = engine.decode_image(data)
    look = engine.look_at_frame(image)
    encoding = engine.encode_face(image, look.box) if look.box and encode else None
    return Shot(faces=len(look.boxes), measures=look.measures, encoding=encoding)


# --- actors: what the camera shows -----------------------------------------------


@dataclass
class PageView:
    """What the face page shows, and since when (the actor reacts to it)."""

    changes: list[tuple[float, str]] = field(default_factory=lambda: [(0.0, "none")])

    def show(self, at: float, cue: str) -> None:
        if cue != self.changes[-1][1]:
            self.changes.append((at, cue))

    def seen(self, at: float) -> tuple[float, str]:
        """The newest thing shown by `at`: (since when, cue)."""
        return next(c for c in reversed(self.changes) if c[0] <= at)


@dataclass
class Move:
    action: str
    start: float
    duration: float
    to: float
    fro: float

    def degree(self, at: float) -> float:
        if self.duration <= 0 or at >= self.start + self.duration:
            return self.to if at >= self.start else self.fro
        share = min(1.0, max(0.0, (at - self.start) / self.duration))
        eased = share * share * (3 - 2 * share)  # a smooth start and stop
        return self.fro + (self.to - self.fro) * eased


class Reacting:
    """Someone who watches the page and answers each cue after a human delay: the
    genuine shopper (smooth moves), or a photo swap (`instant`: the posed photo
    replaces the neutral one at once)."""

    def __init__(self, rng: np.random.Generator, *, instant: bool = False):
        self.rng = rng
        self.instant = instant
        self.move = Move("neutral", 0.0, 0.0, 0.0, 0.0)
        self.reacted_to = None
        self.pending = None  # (what the page shows, when the actor will react)

    def pose(self, at: float, page: PageView) -> tuple[str, float]:
        shown = page.seen(at)
        if shown != self.reacted_to:
            if self.pending is None or self.pending[0] != shown:
                self.pending = (shown, shown[0] + self.rng.uniform(*HUMAN_REACTION))
            start = self.pending[1]
            since, cue = shown
            if at >= start:
                self.reacted_to = shown
                now = self.move.degree(start)
                if cue in liveness.ACTIONS:
                    duration = 0.0 if self.instant else self.rng.uniform(*HUMAN_MOVE)
                    peak = 1.0 if self.instant else self.rng.uniform(0.85, 1.0)
                    if self.move.action != cue:
                        now = 0.0  # from neutral (the tracker asked for it)
                    self.move = Move(cue, start, duration, peak, now)
                elif now > 0:
                    duration = 0.0 if self.instant else self.rng.uniform(*HUMAN_RETURN)
                    self.move = Move(self.move.action, start, duration, 0.0, now)
        return self.move.action, self.move.degree(at)


class Still:
    """A photo held up to the camera."""

    def pose(self, at: float, page: PageView) -> tuple[str, float]:
        return "neutral", 0.0


@dataclass(frozen=True)
class Script:
    """A blind recording: neutral, then a move every `period` seconds from `first`
    on (up, held for `hold`, back down), looping every `loop` seconds if set; each
    loop may make other moves (`moves` lists them loop after loop)."""

    first: float
    period: float
    hold: float
    moves: tuple[tuple[str, ...], ...]
    up: float = 0.3
    down: float = 0.3
    loop: float | None = None

    def pose(self, at: float, page: PageView) -> tuple[str, float]:
        round_, at = (0, at) if self.loop is None else divmod(at, self.loop)
        moves = self.moves[int(round_) % len(self.moves)]
        for index, action in enumerate(moves):
            start = self.first + index * self.period
            if start <= at < start + self.up + self.hold + self.down:
                if at < start + self.up + self.hold:
                    return action, Move(action, start, self.up, 1.0, 0.0).degree(at)
                back = Move(action, start + self.up + self.hold, self.down, 0.0, 1.0)
                return action, back.degree(at)
        return "neutral", 0.0

    @property
    def length(self) -> float:
        count = max(len(m) for m in self.moves)
        return self.first + count * self.period + 1.0


# --- one simulated check ---------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    verdict: str  # approved, declined, expired
    reason: str
    seconds: float  # first frame to the verdict
    restarts: int


def run_check(
    actor,
    face: Person,
    templates: np.ndarray,
    rng: np.random.Generator,
    *,
    tolerance: float,
    tracker: liveness.Tracker | None = None,
) -> CheckResult:
    """Play one check: `actor` poses `face`'s frames, matched against `templates`."""
    tracker = tracker or liveness.Tracker.new()
    page = PageView()
    page.show(0.0, liveness.NEUTRAL)
    seq = 0
    at = due = 0.0
    while at < DEADLINE_SECONDS:
        seq += 1
        _, shown = page.seen(due)
        due += 1 / (CUE_FPS if shown in liveness.ACTIONS else FPS)
        at = due + rng.uniform(-FRAME_JITTER, FRAME_JITTER)
        action, degree = actor.pose(at, page)
        shot = face.shot(action, degree, rng)
        now = at + PROCESS_SECONDS
        outcome = liveness.step(
            tracker,
            liveness.observe(seq=seq, at=at, faces=shot.faces, measures=shot.measures),
            now=now,
        )
        page.show(now + PUSH_SECONDS, outcome.cue)
        if outcome.kind == liveness.Kind.FAIL:
            return CheckResult("declined", outcome.problem, now, tracker.restarts)
        if outcome.encode:
            distance = engine.face_distance(templates, shot.encoding)
            if distance > tolerance:
                return CheckResult("declined", "no_match", now, tracker.restarts)
        if outcome.kind == liveness.Kind.PASS:
            return CheckResult("approved", "", now, tracker.restarts)
    return CheckResult("expired", tracker.last_problem, at, tracker.restarts)


# --- the evaluation --------------------------------------------------------------


@dataclass
class Rate:
    accepted: int = 0
    checks: int = 0
    reasons: Counter = field(default_factory=Counter)

    def add(self, result: CheckResult, *, accepted: bool) -> None:
        self.checks += 1
        self.accepted += accepted
        self.reasons[result.reason or result.verdict] += 1

    @property
    def rate(self) -> float:
        return self.accepted / self.checks if self.checks else 0.0

    @property
    def upper_95(self) -> float:
        """One-sided 95 % upper bound of the rate (Clopper-Pearson; 3/n at 0)."""
        return _clopper_pearson_upper(self.accepted, self.checks)


def _clopper_pearson_upper(successes: int, trials: int) -> float:
    if trials == 0:
        return 1.0
    if successes >= trials:
        return 1.0
    # Solve P(X <= successes | p) = 0.05 for p by bisection on the binomial tail.
    low, high = successes / trials, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if _binomial_cdf(successes, trials, middle) > 0.05:
            low = middle
        else:
            high = middle
    return high


def _binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


@dataclass
class Report:
    people: list[str]
    apcer: dict[str, float]
    apcer_upper_95: dict[str, float]
    accepted: dict[str, int]
    checks: dict[str, int]
    bpcer: float
    bpcer_upper_95: float
    genuine_failures: dict[str, int]
    genuine_failures_by_person: dict[str, int]
    verdict_seconds: dict[str, float]
    restarts: dict[str, float]
    best_script: dict
    seconds: float

    def as_json(self) -> dict:
        """The report, and the tracker's settings it was measured with."""
        report = asdict(self)
        report["blind_best_script"] = report.pop("best_script")
        return {
            **report,
            "cues_per_check": liveness.CUES_PER_CHECK,
            "actions": list(liveness.ACTIONS),
            "max_restarts": liveness.MAX_RESTARTS,
            "settings": {
                name: getattr(module, name) for name, module in WHAT_IF.items()
            },
        }


def evaluate(
    people: list[Person],
    *,
    checks: int,
    tolerance: float,
    seed: int = 0,
    progress: Callable[[str], None] = lambda message: None,
) -> Report:
    """Run every attack and the genuine sessions; `checks` sets the sample sizes
    (genuine, photo swap and another person get `checks` each, the capped blind
    recording twice that)."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    rates = {name: Rate() for name in (*ATTACKS, "genuine")}
    seconds = []
    restarts = []

    progress("genuine shoppers")
    refused_by_person = Counter()
    for face in _round_robin(people, checks):
        result = run_check(
            Reacting(rng), face, face.templates, rng, tolerance=tolerance
        )
        rates["genuine"].add(result, accepted=result.verdict == "approved")
        if result.verdict == "approved":
            seconds.append(result.seconds)
        else:
            refused_by_person[face.name] += 1
        restarts.append(result.restarts)

    progress("photo swap on cue")
    for face in _round_robin(people, checks):
        result = run_check(
            Reacting(rng, instant=True), face, face.templates, rng, tolerance=tolerance
        )
        rates["photo_swap_on_cue"].add(result, accepted=result.verdict == "approved")

    progress("still photo")
    for face in _round_robin(people, max(len(people), checks // 10)):
        result = run_check(Still(), face, face.templates, rng, tolerance=tolerance)
        rates["still_photo"].add(result, accepted=result.verdict == "approved")

    progress("another person")
    for target, face in _impostor_pairs(people, checks, rng):
        result = run_check(
            Reacting(rng), face, target.templates, rng, tolerance=tolerance
        )
        rates["another_person"].add(result, accepted=result.verdict == "approved")

    progress("blind recording: searching for its best timing")
    best, timing = _best_blind_script(people, rng, tolerance=tolerance, checks=checks)
    guess = (1 / len(liveness.ACTIONS)) ** liveness.CUES_PER_CHECK
    blind = rates["blind_recording_best_timing"]
    blind.accepted, blind.checks = timing.accepted, timing.checks
    blind.reasons = timing.reasons

    progress("blind recording looping over a whole capped check")
    loop = Script(
        first=best.first,
        period=best.period,
        hold=best.hold,
        moves=best.moves,
        loop=best.length,
    )
    for face in _round_robin(people, checks * 2):
        # A different guess of the moves in each loop: the most a blind loop can do.
        guesses = tuple(
            tuple(rng.choice(liveness.ACTIONS, liveness.CUES_PER_CHECK))
            for _ in range(12)
        )
        actor = Script(**{**loop.__dict__, "moves": guesses})
        result = run_check(actor, face, face.templates, rng, tolerance=tolerance)
        rates["blind_recording_capped_check"].add(
            result, accepted=result.verdict == "approved"
        )

    apcer = {name: rates[name].rate for name in ATTACKS}
    upper = {name: rates[name].upper_95 for name in ATTACKS}
    apcer["blind_recording_best_timing"] = timing.rate * guess
    upper["blind_recording_best_timing"] = timing.upper_95 * guess
    genuine = rates["genuine"]
    return Report(
        people=[p.name for p in people],
        apcer={k: round(v, 6) for k, v in apcer.items()},
        apcer_upper_95={k: round(v, 6) for k, v in upper.items()},
        accepted={name: rates[name].accepted for name in ATTACKS},
        checks={name: rates[name].checks for name in (*ATTACKS, "genuine")},
        bpcer=round(1 - genuine.rate, 6),
        bpcer_upper_95=round(
            _clopper_pearson_upper(genuine.checks - genuine.accepted, genuine.checks),
            6,
        ),
        genuine_failures={
            k: v for k, v in genuine.reasons.items() if k not in ("approved",)
        },
        genuine_failures_by_person=dict(refused_by_person),
        verdict_seconds=_percentiles(seconds),
        restarts={
            "mean": round(float(np.mean(restarts)), 3) if restarts else 0.0,
            "max": max(restarts, default=0),
        },
        best_script={
            "first_s": best.first,
            "period_s": best.period,
            "hold_s": best.hold,
            "timed_right": round(timing.rate, 4),
            "timed_right_checks": timing.checks,
            "moves_guessed_right": guess,
        },
        seconds=round(time.perf_counter() - started, 1),
    )


def _round_robin(people: list[Person], count: int) -> Iterator[Person]:
    return itertools.islice(itertools.cycle(people), count)


def _impostor_pairs(people, count, rng) -> Iterator[tuple[Person, Person]]:
    pairs = [(a, b) for a in people for b in people if a is not b]
    for index in range(count):
        yield pairs[(index + rng.integers(len(pairs))) % len(pairs)]


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "max": round(float(max(values)), 2),
    }


def _best_blind_script(people, rng, *, tolerance, checks) -> tuple[Script, Rate]:
    """The timing of a blind recording that passes most often when its moves happen
    to be the ones drawn: a coarse grid, then the best few measured again."""
    grid = [
        (first, period, hold)
        for first in np.arange(0.8, 4.01, 0.4)
        for period in np.arange(1.2, 4.01, 0.4)
        for hold in (0.3, 0.7)
    ]
    coarse = []
    for first, period, hold in grid:
        rate = _blind_timed(
            people, rng, first, period, hold, tolerance=tolerance, count=24
        )
        coarse.append((rate.rate, (first, period, hold)))
    coarse.sort(reverse=True)
    best_rate, best = None, None
    for _, (first, period, hold) in coarse[:6]:
        rate = _blind_timed(
            people, rng, first, period, hold, tolerance=tolerance, count=checks
        )
        if best_rate is None or rate.rate > best_rate.rate:
            best_rate, best = rate, (first, period, hold)
    first, period, hold = (round(float(v), 2) for v in best)
    script = Script(first=first, period=period, hold=hold, moves=(("smile",) * 3,))
    return script, best_rate


def _blind_timed(people, rng, first, period, hold, *, tolerance, count) -> Rate:
    """How often the recording is timed right, its moves forced to be the drawn ones."""
    rate = Rate()
    for face in _round_robin(people, count):
        tracker = liveness.Tracker.new()
        actor = Script(
            first=float(first),
            period=float(period),
            hold=float(hold),
            moves=(tuple(tracker.cues),),
        )
        result = run_check(
            actor, face, face.templates, rng, tolerance=tolerance, tracker=tracker
        )
        rate.add(result, accepted=result.verdict == "approved")
    return rate
