"""Autoplay pacing: how many tokens are due at a wall-clock time, apart from how often we draw.

A terminal redraws a few dozen times a second at best, so stepping the model once
per redraw caps autoplay at the frame rate. Instead each tick asks `due(now)`: the
tokens owed at `rate` per second since play started, less those already stepped.
The view then steps all of them and draws once. After a stall (a suspended
terminal, a long render) at most `max_lag` seconds' worth are made up, and a tick
stops stepping after `STEP_BUDGET` seconds, so a model too slow for the chosen
speed falls behind instead of freezing the screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FRAME_INTERVAL = 1 / 30  # seconds between autoplay ticks when the rate is above 30/s
STEP_BUDGET = 0.6 * FRAME_INTERVAL  # seconds of stepping per tick; the rest is for drawing
READ_AT_ONCE = 2000  # characters of text a view reads on the UI thread; longer in a worker


def tick_interval(rate: float) -> float:
    """Seconds between ticks: one per token up to 30/s, then 30 ticks a second."""
    return max(1.0 / rate, FRAME_INTERVAL)


@dataclass
class Pace:
    """Tokens owed at `rate` per second since `start` (a `time.monotonic()` reading)."""

    rate: float
    start: float
    max_lag: float = 0.25
    stepped: int = 0

    def due(self, now: float) -> int:
        """Tokens to step now; counted as stepped. At least 0, at most max(1, rate·max_lag)."""
        # Rounded, not floored: a timer that fires a little early still pays its token.
        owed = math.floor((now - self.start) * self.rate + 0.5) - self.stepped
        limit = max(1, math.floor(self.rate * self.max_lag))
        if owed > limit:
            self.stepped += owed - limit  # fall behind instead of bursting
            owed = limit
        owed = max(0, owed)
        self.stepped += owed
        return owed
