"""‖∂L_t/∂h_k‖ as vertical bars over the text, on a shared log scale."""

from __future__ import annotations

import math

from rich.text import Text
from textual.widgets import Static

from rnn_tui.session.display import token_label

_EIGHTHS = " ▁▂▃▄▅▆▇█"


def bar_rows(values: list[float], low: float, high: float, height: int) -> list[str]:
    """Rows of block characters, top row first; bar height is linear in log10(value)."""
    span = math.log10(high) - math.log10(low) if high > low > 0 else 1.0
    levels = []
    for value in values:
        fraction = (math.log10(value) - math.log10(low)) / span if value > 0 and low > 0 else 0.0
        levels.append(max(0.0, min(1.0, fraction)) * height * 8)
    rows = []
    for row in reversed(range(height)):
        chars = []
        for level in levels:
            filled = level - row * 8
            chars.append("█" if filled >= 8 else _EIGHTHS[max(0, int(filled))])
        rows.append("".join(chars))
    return rows


class GradientFlowBars(Static):
    DEFAULT_CSS = "GradientFlowBars { height: auto; }"

    values: list[float] = []

    def show(
        self,
        title: str,
        values: list[float],
        pieces: list[str],
        low: float,
        high: float,
        height: int = 8,
    ) -> None:
        self.values = values
        text = Text(title + "\n", style="bold")
        for row in bar_rows(values, low, high, height):
            text.append("│" + row + "\n", style="magenta")
        text.append("└" + "".join(token_label(p)[:1] for p in pieces) + "\n", style="dim")
        self.update(text)
