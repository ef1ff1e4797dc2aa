"""The smile challenge, frame by frame: pure logic, no I/O, JSON-serialisable state.

1. *baseline*: a few frames with one face and a steady smile measure give the
   person's own neutral value.
2. *waiting*: the prompt goes out after a random delay, so a recording cannot know
   when to smile. Smiling before it restarts the baseline, and so does a face that
   falls well below its baseline (the baseline was taken from a smile).
3. *challenge*: "smile!". A frame that rises past the baseline by SMILE_MIN_RISE,
   no sooner than a human can react and within the window, completes the challenge.

The caller encodes the frame at the prompt (the neutral face) and the frame that
completes the challenge (the smile): both must match the user.
"""

import secrets
import statistics
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from . import engine

BASELINE_FRAMES = 3
BASELINE_MAX_SPREAD = 0.08  # (max - min) / median of the baseline frames
# A face this far below its baseline was not neutral when the baseline was taken
# (it was smiling already): start again from the lower, truly neutral face.
BASELINE_DROP = 0.08
PROMPT_DELAY_SECONDS = (0.6, 1.8)
MIN_REACTION_SECONDS = 0.25
CHALLENGE_WINDOW_SECONDS = 5.0

_random = secrets.SystemRandom()


class Step(StrEnum):
    """What the caller must do after a frame."""

    HINT = "hint"  # nothing to decide: tell the shopper `message`
    PROMPT = "prompt"  # encode this neutral frame, then say "smile"
    SMILED = "smiled"  # encode this frame: a smile on cue, if it is the user
    NO_SMILE = "no_smile"  # the window passed without a smile


class Phase(StrEnum):
    BASELINE = "baseline"
    WAITING = "waiting"
    CHALLENGE = "challenge"


MESSAGES = {
    "no_face": "We can't see your face: look at the camera.",
    "several_faces": "More than one face is visible: only you, please.",
    "baseline": "Hold still and look at the camera…",
    "waiting": "Keep a neutral face… wait for it…",
    "smiled_early": "Not yet! Keep a neutral face until we ask you to smile.",
    "challenge": "Now smile!",
}


@dataclass
class Tracker:
    phase: str = Phase.BASELINE
    samples: list[float] = field(default_factory=list)
    baseline: float | None = None
    prompt_at: float | None = None
    challenge_at: float | None = None
    peak: float | None = None
    smile: float | None = None
    resets: int = 0
    last_problem: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> "Tracker":
        return cls(**data) if data else cls()

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def rise(self) -> float | None:
        if not self.baseline or self.peak is None:
            return None
        return self.peak / self.baseline - 1

    def _restart(self, problem: str) -> None:
        self.phase = Phase.BASELINE
        self.samples = []
        self.baseline = self.prompt_at = self.challenge_at = self.peak = None
        self.resets += 1
        self.last_problem = problem

    def observe(
        self, *, at: float, faces: int, smile: float | None
    ) -> tuple[Step, str]:
        """Take one frame (arrival time, face count, smile measure of the one face)."""
        if faces == 0 or (faces == 1 and smile is None):
            self.last_problem = "no_face"
            return Step.HINT, MESSAGES["no_face"]
        if faces > 1:
            # Nobody else may be in the frame while the baseline is taken or the
            # smile is judged; in the challenge the clock keeps running.
            if self.phase != Phase.CHALLENGE:
                self._restart("several_faces")
            self.last_problem = "several_faces"
            return Step.HINT, MESSAGES["several_faces"]
        if self.phase == Phase.BASELINE:
            return self._take_baseline(at, smile)
        if smile < self.baseline * (1 - BASELINE_DROP):
            self._restart("baseline_dropped")
            return self._take_baseline(at, smile)
        if self.phase == Phase.WAITING:
            if engine.smiled(self.baseline, smile):
                self._restart("smiled_early")
                return Step.HINT, MESSAGES["smiled_early"]
            if at >= self.prompt_at:
                self.phase = Phase.CHALLENGE
                self.challenge_at = at
                self.peak = smile
                return Step.PROMPT, MESSAGES["challenge"]
            return Step.HINT, MESSAGES["waiting"]
        return self._judge(at, smile)

    def _take_baseline(self, at: float, smile: float) -> tuple[Step, str]:
        self.samples = (self.samples + [smile])[-BASELINE_FRAMES:]
        if len(self.samples) == BASELINE_FRAMES:
            median = statistics.median(self.samples)
            spread = (max(self.samples) - min(self.samples)) / median if median else 1
            if spread <= BASELINE_MAX_SPREAD:
                self.baseline = median
                self.phase = Phase.WAITING
                self.prompt_at = at + _random.uniform(*PROMPT_DELAY_SECONDS)
        return Step.HINT, MESSAGES["baseline"]

    def _judge(self, at: float, smile: float) -> tuple[Step, str]:
        elapsed = at - self.challenge_at
        self.peak = max(self.peak or smile, smile)
        if engine.smiled(self.baseline, smile):
            if elapsed < MIN_REACTION_SECONDS:
                # Too quick for a reaction to the prompt: the smile was already there.
                self._restart("smiled_early")
                return Step.HINT, MESSAGES["smiled_early"]
            if elapsed <= CHALLENGE_WINDOW_SECONDS:
                self.smile = smile
                return Step.SMILED, MESSAGES["challenge"]
        if elapsed > CHALLENGE_WINDOW_SECONDS:
            self.last_problem = "no_smile"
            return Step.NO_SMILE, "No smile in time."
        return Step.HINT, MESSAGES["challenge"]
