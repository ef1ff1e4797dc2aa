"""Where a face check's time goes, from what the page was told and when.

Every push of the server names the tracker's hint in its message (faceauth.messages),
so the sequence of messages a client receives is the check's timeline: the baseline,
the random delay before each cue, the answer while a cue is shown, the way back to
neutral between cues. `phase_of` names the phase a message starts; `durations` adds
up the time spent in each phase until the verdict.
"""

PHASES = (
    "page",  # browser only: the face page loads, the camera starts, the socket opens
    "start",  # from the first frame sent until it is judged
    "baseline",  # steady neutral frames for the person's own measures
    "waiting",  # the random delay before each cue (and the frame that sends it)
    "answering",  # a cue is shown: reaction, the move, the frames that judge it
    "returning",  # back to a neutral face between cues
    "checking",  # the last answer is in: the verdict is on its way
    "restarting",  # a rule was broken: the sequence starts again
    "no_face",  # no face, or several, while no cue is shown
)

# The hints that start the sequence again (faceauth/messages.py: "Starting again").
RESTART_HINTS = (
    "moved_early",
    "baseline_dropped",
    "wrong_move",
    "no_response",
    "no_return",
)
_PHASE_OF_HINT = {
    "baseline": "baseline",
    "waiting": "waiting",
    "relax": "returning",
    "answered": "checking",
    "done": "checking",
    "no_face": "no_face",
    "several_faces": "no_face",
    **{hint: "restarting" for hint in RESTART_HINTS},
}


def _hints_by_text() -> dict[str, str]:
    from faceauth import messages

    return {text: hint for hint, text in messages.HINTS.items()}


_HINTS: dict[str, str] = {}


def hint_of(message: str) -> str:
    """The tracker's hint behind a pushed message ("" if unknown)."""
    if not _HINTS:
        _HINTS.update(_hints_by_text())
    return _HINTS.get(message.strip(), "")


def phase_of(state: str, message: str) -> str:
    """The phase a pushed state starts."""
    if state == "challenge":
        return "answering"
    if state in ("connecting",):
        return "start"
    return _PHASE_OF_HINT.get(hint_of(message), "start")


def durations(changes: list[tuple[float, str]], end: float) -> dict[str, float]:
    """Seconds spent in each phase: `changes` is [(when, phase)] in time order, each
    phase lasting until the next change, the last one until `end`."""
    spent = dict.fromkeys(PHASES, 0.0)
    ends = [at for at, _ in changes[1:]] + [end]
    for (at, phase), after in zip(changes, ends, strict=True):
        spent[phase] = spent.get(phase, 0.0) + max(0.0, after - at)
    return {phase: round(seconds, 3) for phase, seconds in spent.items()}
