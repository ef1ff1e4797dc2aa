"""The live-person check, frame by frame: pure logic, no I/O, JSON-serialisable state.

`step(tracker, observation, now)` takes one judged frame (its number, when it
arrived, how many faces, and the measures of the one face) and returns one
`Outcome`; the caller applies it. Nothing here reads a clock, a database or a
picture.

A check asks for a random sequence of cues (CUES_PER_CHECK, drawn by the server
from ACTIONS with `secrets`):

1. *baseline*: a few steady frames give the person's own neutral measures.
2. *waiting*: the cue goes out after a random delay, so a recording cannot know
   when to move. Any move before it (a smile, a turn, an open mouth) starts again.
3. *cue*: the face must answer with the cue's move, and only that move:
   - no sooner than a human can react (MIN_ONSET_SECONDS after the cue went out),
     and past its threshold within CUE_WINDOW_SECONDS;
   - continuously: judged once the move stops rising, over consecutive frames
     from the last neutral one, no single step may carry more than MAX_STEP_SHARE
     of the way to the highest frame, nor more than MAX_SETTLED_SHARE of the way
     to where the face settles after that step. A swapped photo jumps, and lands
     where it stays however its measures flicker after (it is shown again
     smoothly, or not at all); a gap (a frame dropped or late, another face, no
     face) is "not seen", never a pass.
4. *relax*: the face comes back to neutral, then the next cue after a new delay.

Anything that breaks a rule starts the sequence again from a new baseline (the same
cues, new delays), at most MAX_RESTARTS times; then the check fails.

A frame without exactly one face is "not seen": it changes nothing but the clock.

The caller encodes the frames the outcome marks (`Outcome.encode`): the first
neutral face under a cue, and each answer as it crosses its threshold. Every one
must match the user; the check passes when the last cue is answered
(`Outcome.kind == Kind.PASS`) and all of them did.
"""

import itertools
import secrets
import statistics
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum

ACTIONS = ("smile", "turn-left", "turn-right", "open-mouth")
MEASURES = ("smile", "yaw", "mouth_open")  # what each Observation carries
NEUTRAL = "neutral"  # the cue shown between cues
CUES_PER_CHECK = 3

# How far each move must go, from the person's own neutral value: the smile measure
# rises by a share of its baseline; head yaw and mouth opening by an amount.
SMILE_RISE = 0.20
TURN_YAW = 0.12
MOUTH_OPEN = 0.15

BASELINE_FRAMES = 3
BASELINE_MAX_SPREAD = {"smile": 0.08, "yaw": 0.05, "mouth_open": 0.08}
# A face this far below its smile baseline was smiling when the baseline was taken.
BASELINE_DROP = 0.08
CUE_DELAY_SECONDS = (0.3, 2.3)
MIN_ONSET_SECONDS = 0.2
CUE_WINDOW_SECONDS = 1.6
RELAX_WINDOW_SECONDS = 3.0
MAX_RESTARTS = 2

# The answer to a cue, in progress units (1 = the move's threshold).
START_BELOW = 0.35  # a frame this close to neutral starts an answer
NEUTRAL_BELOW = 0.5  # every move back under this: the face is neutral again
MAX_STEP_SHARE = 0.75  # no step between two frames carries more of the way
# Nor more of the way to where the face settles after it (the median of the
# frames from that step on): a swapped photo whose measure flickers (one frame
# reads a little, the next a lot) would otherwise seem to move on after landing.
MAX_SETTLED_SHARE = 0.9
# An answer is judged once it stops rising by more than this between frames.
STILL_RISING = 0.15
# After a restart, the new baseline must be near the last one (in progress units):
# a baseline taken while the face still held a move would misjudge every cue.
REST_TOLERANCE = 0.5
# Frames further apart than this (a stalled camera, a dropped frame) are not
# consecutive, whatever their numbers say.
MAX_FRAME_GAP_SECONDS = 0.4

# Other moves that count against an answer, and from what degree: a toothy smile
# opens the mouth, and a turned head reads as a slightly open one.
WRONG_MOVES = {
    "smile": {"turn-left": 1.0, "turn-right": 1.0},
    "turn-left": {"turn-right": 1.0, "smile": 1.0, "open-mouth": 1.5},
    "turn-right": {"turn-left": 1.0, "smile": 1.0, "open-mouth": 1.5},
    "open-mouth": {"turn-left": 1.0, "turn-right": 1.0, "smile": 1.0},
}

_random = secrets.SystemRandom()


class Phase(StrEnum):
    BASELINE = "baseline"
    WAITING = "waiting"
    CUE = "cue"
    RELAX = "relax"
    DONE = "done"
    FAILED = "failed"


class Kind(StrEnum):
    """Where the check stands after the frame."""

    CONTINUE = "continue"  # nothing decided: show `hint`
    PASS = "pass"  # every cue answered: the check passed
    FAIL = "fail"  # the check failed: `problem` says why


@dataclass(frozen=True)
class Observation:
    """One judged frame: its number among the frames received, when it arrived
    (epoch seconds), the faces found, and the measures of the face when there is
    exactly one (engine.face_measures)."""

    seq: int
    at: float
    faces: int
    smile: float | None = None
    yaw: float | None = None
    mouth_open: float | None = None


def observe(*, seq: int, at: float, faces: int, measures=None) -> Observation:
    """An Observation of a frame; `measures` has `smile`, `yaw` and `mouth_open`
    (engine.FaceMeasures) when exactly one face was measured."""
    if measures is None:
        return Observation(seq=seq, at=at, faces=faces)
    return Observation(
        seq=seq,
        at=at,
        faces=faces,
        smile=measures.smile,
        yaw=measures.yaw,
        mouth_open=measures.mouth_open,
    )


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    hint: str  # a code for the shopper's message (faceauth.messages)
    cue: str = NEUTRAL  # the move asked for now, or NEUTRAL
    problem: str = ""  # why the check failed (kind FAIL)
    # The face in this frame must be the user's: the neutral face when the first
    # cue goes out, and each answer as it crosses its threshold.
    encode: bool = False
    # The cue went out with this frame: the caller tells `cue_sent` when the page
    # is told (after the frame's encoding, for the first cue).
    cue_out: bool = False

    @property
    def state(self) -> str:
        """The face page's data-state while the check runs."""
        return "challenge" if self.cue != NEUTRAL else "streaming"


@dataclass
class Tracker:
    cues: list[str] = field(default_factory=list)
    phase: str = Phase.BASELINE
    index: int = 0  # the cue being asked, or next
    samples: list[list[float]] = field(default_factory=list)
    base: dict | None = None
    cue_at: float | None = None  # when the cue goes (waiting) or went out (cue)
    relax_at: float | None = None
    path: list[list[float]] = field(default_factory=list)  # [seq, at, progress]
    crossed_at: float | None = None  # when the answer crossed its threshold
    last_seq: int | None = None
    last_at: float | None = None
    restarts: int = 0
    restart_reasons: list[str] = field(default_factory=list)
    jumps: int = 0  # answers refused for moving in jumps
    # Of each: the largest step, as [its share of the way, of the way to where the
    # face settled, the seconds it took] (_largest_step).
    jump_steps: list[list[float]] = field(default_factory=list)
    cue_jumps: int = 0  # of them, while the current cue was asked
    cue_problem: str = ""  # no face or several faces seen while it was asked
    neutral_encoded: bool = False  # this run's neutral face was sent to be encoded
    last_problem: str = ""
    answers: list[dict] = field(default_factory=list)

    @classmethod
    def new(cls) -> "Tracker":
        """A tracker with its own cues, drawn at random."""
        return cls(cues=[_random.choice(ACTIONS) for _ in range(CUES_PER_CHECK)])

    @classmethod
    def from_dict(cls, data: dict) -> "Tracker":
        """The tracker stored as `data`; a fresh one if there is none, or if it is
        the state of an older kind of check (one smile on cue, before the cues)."""
        if not data or "cues" not in data:
            return cls.new()
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def cue(self) -> str:
        return self.cues[self.index] if self.phase == Phase.CUE else NEUTRAL

    @property
    def wants_every_frame(self) -> bool:
        """While a cue is answered, every frame is judged, in order."""
        return self.phase == Phase.CUE


def step(tracker: Tracker, frame: Observation, *, now: float) -> Outcome:
    """Take one frame; `now` is when it is judged (a cue goes out at `now`)."""
    gap = _note_arrival(tracker, frame)
    if tracker.phase == Phase.FAILED:
        problem = tracker.last_problem
        return Outcome(Kind.FAIL, problem, problem=problem)
    if tracker.phase == Phase.DONE:
        return Outcome(Kind.CONTINUE, "done")
    if tracker.phase == Phase.CUE and _out_of_time(tracker, frame):
        return _restart(tracker, _why_unanswered(tracker))
    if frame.faces != 1 or frame.smile is None:
        # Not seen, and nothing else: no baseline sample, no move, no restart. A
        # cue still goes out when it is due (hiding the face must not let anyone
        # choose when it does), and an answer must start over from neutral.
        problem = "several_faces" if frame.faces > 1 else "no_face"
        tracker.last_problem = problem
        tracker.samples = []
        if tracker.phase == Phase.CUE:
            tracker.path = []
            tracker.crossed_at = None
            tracker.cue_problem = problem
        elif tracker.phase == Phase.WAITING and frame.at >= tracker.cue_at:
            return _issue_cue(tracker, frame=None, now=now)
        return Outcome(Kind.CONTINUE, problem, cue=tracker.cue)
    if tracker.phase == Phase.BASELINE:
        return _take_baseline(tracker, frame)
    moves = _progress(tracker.base, frame)
    if tracker.phase == Phase.WAITING:
        return _wait(tracker, frame, moves, now)
    if tracker.phase == Phase.RELAX:
        return _relax(tracker, frame, moves)
    return _judge(tracker, frame, moves, gap=gap)


def _why_unanswered(tracker: Tracker) -> str:
    """What kept the cue from being answered in its window."""
    if tracker.cue_jumps:
        return "not_continuous"
    return tracker.cue_problem or "no_response"


def _out_of_time(tracker: Tracker, frame: Observation) -> bool:
    """The cue's answer did not cross in its window, or has not stopped since."""
    if tracker.crossed_at is None:
        return frame.at - tracker.cue_at > CUE_WINDOW_SECONDS
    return frame.at - tracker.crossed_at > CUE_WINDOW_SECONDS


def _note_arrival(tracker: Tracker, frame: Observation) -> bool:
    """Remember the frame; True if it does not follow the last one judged."""
    gap = tracker.last_seq is not None and (
        frame.seq != tracker.last_seq + 1
        or frame.at - tracker.last_at > MAX_FRAME_GAP_SECONDS
    )
    tracker.last_seq, tracker.last_at = frame.seq, frame.at
    return gap


def _take_baseline(tracker: Tracker, frame: Observation) -> Outcome:
    sample = [frame.smile, frame.yaw, frame.mouth_open]
    tracker.samples = (tracker.samples + [sample])[-BASELINE_FRAMES:]
    if len(tracker.samples) == BASELINE_FRAMES:
        columns = dict(zip(MEASURES, zip(*tracker.samples, strict=True), strict=True))
        spreads = {
            "smile": _relative_spread(columns["smile"]),
            "yaw": max(columns["yaw"]) - min(columns["yaw"]),
            "mouth_open": max(columns["mouth_open"]) - min(columns["mouth_open"]),
        }
        base = {name: statistics.median(v) for name, v in columns.items()}
        steady = all(spreads[name] <= BASELINE_MAX_SPREAD[name] for name in spreads)
        # After a restart `base` is still the last baseline: the new one must be
        # near it.
        if steady and _at_rest(tracker.base, base):
            tracker.base = base
            tracker.phase = Phase.WAITING
            tracker.cue_at = frame.at + _random.uniform(*CUE_DELAY_SECONDS)
    return Outcome(Kind.CONTINUE, "baseline")


def _at_rest(last: dict | None, base: dict) -> bool:
    """Whether a new baseline is near the last one: no move is still held."""
    if last is None:
        return True
    moves = _progress(last, Observation(seq=0, at=0.0, faces=1, **base))
    return all(abs(value) < REST_TOLERANCE for value in moves.values())


def _relative_spread(values) -> float:
    median = statistics.median(values)
    return (max(values) - min(values)) / median if median > 0 else 1.0


def _progress(base: dict, frame: Observation) -> dict[str, float]:
    """How far the face has gone toward each move: 1 is the move's threshold."""
    turned = (frame.yaw - base["yaw"]) / TURN_YAW
    return {
        "smile": (frame.smile / base["smile"] - 1) / SMILE_RISE
        if base["smile"] > 0
        else 0.0,
        "turn-left": turned,
        "turn-right": -turned,
        "open-mouth": (frame.mouth_open - base["mouth_open"]) / MOUTH_OPEN,
    }


def _wait(tracker: Tracker, frame: Observation, moves: dict, now: float) -> Outcome:
    if frame.smile < tracker.base["smile"] * (1 - BASELINE_DROP):
        # Only while waiting: a turned head or an open mouth reads lower too.
        return _restart(tracker, "baseline_dropped", frame=frame)
    if max(moves.values()) >= 1:
        return _restart(tracker, "moved_early")
    if frame.at < tracker.cue_at:
        return Outcome(Kind.CONTINUE, "waiting")
    return _issue_cue(tracker, frame=frame, now=now, moves=moves)


def _issue_cue(tracker: Tracker, *, frame, now: float, moves=None) -> Outcome:
    """The cue goes out now; `frame` (one measured face, or None) may start the
    answer's way from neutral."""
    tracker.phase = Phase.CUE
    tracker.cue_at = now
    tracker.cue_jumps = 0
    tracker.cue_problem = ""
    tracker.crossed_at = None
    tracker.path = []
    cue = tracker.cue
    if frame is None or moves[cue] >= START_BELOW:
        return Outcome(Kind.CONTINUE, "cue", cue=cue, cue_out=True)
    return replace(_from_neutral(tracker, frame, moves[cue]), cue_out=True)


def cue_sent(tracker: Tracker, at: float) -> None:
    """The page is told the cue at `at`, later than the tracker's `now` by the
    frame's work (the neutral face's encoding, at the first cue): the earliest
    answer and the cue's window count from then, never from before."""
    if tracker.phase == Phase.CUE and at > tracker.cue_at:
        tracker.cue_at = at


def _from_neutral(tracker: Tracker, frame: Observation, progress: float) -> Outcome:
    """A neutral frame in a cue: the answer's way starts here. The run's first
    neutral face under a cue must be the user's."""
    tracker.path = [_point(frame, progress)]
    tracker.crossed_at = None
    encode = not tracker.neutral_encoded
    tracker.neutral_encoded = True
    return Outcome(Kind.CONTINUE, "cue", cue=tracker.cue, encode=encode)


def _relax(tracker: Tracker, frame: Observation, moves: dict) -> Outcome:
    if max(moves.values()) < NEUTRAL_BELOW:
        tracker.phase = Phase.WAITING
        tracker.cue_at = frame.at + _random.uniform(*CUE_DELAY_SECONDS)
        return Outcome(Kind.CONTINUE, "waiting")
    if frame.at - tracker.relax_at > RELAX_WINDOW_SECONDS:
        return _restart(tracker, "no_return")
    return Outcome(Kind.CONTINUE, "relax")


def _judge(tracker: Tracker, frame: Observation, moves: dict, *, gap: bool) -> Outcome:
    cue = tracker.cue
    for other, degree in WRONG_MOVES[cue].items():
        if moves[other] >= degree:
            return _restart(tracker, "wrong_move")
    progress = moves[cue]
    if progress < START_BELOW:
        return _from_neutral(tracker, frame, progress)
    if gap or not tracker.path:
        # The way from neutral was not seen whole: wait for neutral again.
        tracker.path = []
        tracker.crossed_at = None
        return Outcome(Kind.CONTINUE, "cue", cue=cue)
    previous = tracker.path[-1][2]
    tracker.path.append(_point(frame, progress))
    if tracker.crossed_at is None:
        if progress < 1:
            return Outcome(Kind.CONTINUE, "cue", cue=cue)
        if tracker.path[1][1] - tracker.cue_at < MIN_ONSET_SECONDS:
            # Moving before anyone could have seen the cue: already under way.
            return _restart(tracker, "moved_early")
        tracker.crossed_at = frame.at
        return Outcome(Kind.CONTINUE, "cue", cue=cue, encode=True)
    if progress > previous + STILL_RISING:
        return Outcome(Kind.CONTINUE, "cue", cue=cue)
    # The move has stopped: judge the whole way it took.
    largest = _largest_step(tracker.path)
    if not _continuous(largest):
        tracker.jumps += 1
        tracker.cue_jumps += 1
        tracker.jump_steps.append([round(value, 3) for value in largest])
        tracker.last_problem = "not_continuous"
        tracker.path = []
        tracker.crossed_at = None
        return Outcome(Kind.CONTINUE, "not_continuous", cue=cue)
    tracker.answers.append(
        {
            "cue": cue,
            "reaction_s": round(tracker.path[1][1] - tracker.cue_at, 3),
            "answered_s": round(tracker.crossed_at - tracker.cue_at, 3),
            "frames": len(tracker.path),
        }
    )
    tracker.index += 1
    tracker.path = []
    tracker.crossed_at = None
    if tracker.index == len(tracker.cues):
        tracker.phase = Phase.DONE
        return Outcome(Kind.PASS, "answered")
    tracker.phase = Phase.RELAX
    tracker.relax_at = frame.at
    return Outcome(Kind.CONTINUE, "relax")


def _point(frame: Observation, progress: float) -> list:
    return [frame.seq, frame.at, round(progress, 4)]


def _largest_step(path: list[list[float]]) -> tuple[float, float, float]:
    """The largest step of a path: its share of the way to the highest frame, its
    share of the way to where the face settles after it, and its seconds."""
    progress = [point[2] for point in path]
    steps = [after - before for before, after in itertools.pairwise(progress)]
    largest = max(range(len(steps)), key=steps.__getitem__)
    way = max(progress) - progress[0]
    settled = statistics.median(progress[largest + 1 :]) - progress[0]
    return (
        steps[largest] / way if way > 0 else 1.0,
        steps[largest] / settled if settled > 0 else 1.0,
        path[largest + 1][1] - path[largest][1],
    )


def _continuous(largest: tuple[float, float, float]) -> bool:
    """No step carries too much of the way (`largest`, from _largest_step): a
    swapped photo carries all of it at once."""
    share, settled_share, _ = largest
    return 0 < share <= MAX_STEP_SHARE and settled_share <= MAX_SETTLED_SHARE


def _restart(tracker: Tracker, problem: str, *, frame: Observation | None = None):
    """Start the cues again from a new baseline, or fail past MAX_RESTARTS."""
    tracker.last_problem = problem
    tracker.restarts += 1
    tracker.restart_reasons.append(problem)
    if tracker.restarts > MAX_RESTARTS:
        tracker.phase = Phase.FAILED
        return Outcome(Kind.FAIL, problem, problem=problem)
    tracker.phase = Phase.BASELINE
    tracker.index = 0
    tracker.samples = []
    tracker.cue_at = tracker.relax_at = None
    tracker.path = []
    tracker.crossed_at = None
    tracker.neutral_encoded = False
    tracker.answers = []
    if frame is not None:
        # The baseline was taken from a move: forget it, and start the new one
        # from the frame that showed it wrong.
        tracker.base = None
        _take_baseline(tracker, frame)
    return Outcome(Kind.CONTINUE, problem)
