"""Colour scales quantised into bins, one pre-built Rich style per bin.

Colours are chosen from the xterm 256-colour cube so they look the same on a
256-colour terminal as on a truecolor one. Under NO_COLOR (the app's `no_color`, when
Textual draws every colour as its grey) the scales are greys instead, darker for lower
values (`rnn_tui.render.greys`), because the greys of blue and red are alike and would
lose the sign.
"""

from __future__ import annotations

import numpy as np
from rich.color import Color
from rich.style import Style

from rnn_tui.render.greys import grey_ramp, text_on_grey

# Diverging blue → grey → red for signed activations in [−1, 1].
_DIVERGING = [17, 18, 19, 20, 25, 31, 67, 103, 240, 138, 174, 173, 167, 160, 124, 88]
# Surprisal in nats: low (expected) → high (surprising).
_SURPRISAL = [22, 28, 64, 100, 136, 172, 166, 160, 124]
SURPRISAL_EDGES = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])

DIVERGING_COLORS = [Color.from_ansi(code) for code in _DIVERGING]
SURPRISAL_STYLES = [Style(bgcolor=Color.from_ansi(code), color="white") for code in _SURPRISAL]


GREY_DIVERGING_COLORS = [Color.from_ansi(code) for code in grey_ramp(len(_DIVERGING))]
GREY_SURPRISAL_STYLES = [text_on_grey(code) for code in grey_ramp(len(_SURPRISAL))]
DIVERGING_TEXT_STYLES = [Style(bgcolor=color, color="white") for color in DIVERGING_COLORS]
GREY_DIVERGING_TEXT_STYLES = [text_on_grey(code) for code in grey_ramp(len(_DIVERGING))]


def diverging_colors(no_color: bool = False) -> list[Color]:
    """One colour per bin of `diverging_bins`, from −1 to +1."""
    return GREY_DIVERGING_COLORS if no_color else DIVERGING_COLORS


def diverging_text_styles(no_color: bool = False) -> list[Style]:
    """Text on those colours, one style per bin: white, or black on the light greys."""
    return GREY_DIVERGING_TEXT_STYLES if no_color else DIVERGING_TEXT_STYLES


def diverging_ends(no_color: bool = False) -> tuple[str, str]:
    """What the two ends of the diverging scale look like, for captions."""
    return ("dark", "light") if no_color else ("blue", "red")


def surprisal_ends(no_color: bool = False) -> tuple[str, str]:
    """What low and high surprisal look like, for captions."""
    return ("dark", "light") if no_color else ("green", "red")


def diverging_bins(values: np.ndarray, scale: float = 1.0) -> np.ndarray:
    x = np.clip(values / (scale if scale > 0 else 1.0), -1.0, 1.0)
    return np.minimum(len(_DIVERGING) - 1, ((x + 1.0) / 2.0 * len(_DIVERGING)).astype(int))


UNPREDICTED_STYLE = Style(color="grey70")  # a first token read with no prediction before it


def surprisal_style(nats: float, no_color: bool = False) -> Style:
    if nats != nats:  # NaN
        return UNPREDICTED_STYLE
    styles = GREY_SURPRISAL_STYLES if no_color else SURPRISAL_STYLES
    return styles[int(np.searchsorted(SURPRISAL_EDGES, nats))]
