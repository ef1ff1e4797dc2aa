"""A token bucket per websocket: how fast one camera may send frames. (Counts over
time windows, shared by every process, are core.throttle's.)"""

import time


class TokenBucket:
    """`rate` events a second on average, bursts up to `burst` (one per socket)."""

    def __init__(self, *, rate: float, burst: float, clock=time.monotonic):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.clock = clock
        self.updated = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
