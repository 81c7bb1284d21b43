"""Colour scales quantised into bins, one pre-built Rich style per bin.

Colours are chosen from the xterm 256-colour cube so they look the same on a
256-colour terminal as on a truecolor one.
"""

from __future__ import annotations

import numpy as np
from rich.color import Color
from rich.style import Style

# Diverging blue → grey → red for signed activations in [−1, 1].
_DIVERGING = [17, 18, 19, 20, 25, 31, 67, 103, 240, 138, 174, 173, 167, 160, 124, 88]
# Surprisal in nats: low (expected) → high (surprising).
_SURPRISAL = [22, 28, 64, 100, 136, 172, 166, 160, 124]
SURPRISAL_EDGES = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])

DIVERGING_COLORS = [Color.from_ansi(code) for code in _DIVERGING]
SURPRISAL_STYLES = [Style(bgcolor=Color.from_ansi(code), color="white") for code in _SURPRISAL]


def diverging_bins(values: np.ndarray, scale: float = 1.0) -> np.ndarray:
    x = np.clip(values / (scale if scale > 0 else 1.0), -1.0, 1.0)
    return np.minimum(len(_DIVERGING) - 1, ((x + 1.0) / 2.0 * len(_DIVERGING)).astype(int))


UNPREDICTED_STYLE = Style(color="grey70")  # a first token read with no prediction before it


def surprisal_style(nats: float) -> Style:
    if nats != nats:  # NaN
        return UNPREDICTED_STYLE
    return SURPRISAL_STYLES[int(np.searchsorted(SURPRISAL_EDGES, nats))]
