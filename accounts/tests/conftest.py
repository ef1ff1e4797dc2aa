"""Fixtures of the accounts tests: a movable clock for the throttle (each test's
counters are its own: see the root conftest.py)."""

import pytest

from accounts import throttle


class Clock:
    """The throttle's idea of now; `advance` moves it forward."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """Freeze the throttle's clock at the start of a 15-minute window."""
    frozen = Clock(1.8e9)
    monkeypatch.setattr(throttle, "clock", frozen)
    return frozen
