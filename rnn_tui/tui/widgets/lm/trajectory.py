"""The hidden-state trajectory in its first two principal components, drawn in braille.

Each terminal cell holds 2×4 braille dots; consecutive steps are joined by a
line, older steps fade to grey, and the current step is a bright ●.
"""

from __future__ import annotations

import numpy as np
from rich.color import Color
from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from rnn_tui.session.trajectory import Trajectory

# Dot bits of a braille cell, indexed [dot row][dot column] (Unicode U+2800 block).
_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_BIT_TABLE = np.array(_BITS, dtype=np.int32)
# Old → recent: the 256-colour grey ramp into cyan.
_AGE_STYLES = [Style(color=Color.from_ansi(code)) for code in (239, 242, 245, 248, 73, 80, 87)]
_NOW = Style(color="bright_red", bold=True)


def dot_grid(points: np.ndarray, columns: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Braille bits per cell (rows, columns) and the latest step drawn in each cell (−1: none).
    Points are scaled to fill the grid; PC2 grows upwards; each step is joined to the one
    before by a line of dots, one per dot of its length."""
    bits = np.zeros((rows, columns), dtype=np.int32)
    latest = np.full((rows, columns), -1)
    if len(points) == 0 or columns < 1 or rows < 1:
        return bits, latest
    dots_x, dots_y = 2 * columns, 4 * rows
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    scaled = (points - low) / span  # 0…1 on each axis
    x = scaled[:, 0] * (dots_x - 1)
    y = (1 - scaled[:, 1]) * (dots_y - 1)
    # Step 0 is one dot; step k > 0 is the segment from step k−1, `length + 1` dots.
    lengths = np.zeros(len(points), dtype=np.int64)
    lengths[1:] = np.maximum(np.abs(np.diff(x)), np.abs(np.diff(y))).astype(np.int64) + 1
    step = np.repeat(np.arange(len(points)), lengths + 1)
    first = np.repeat(np.cumsum(lengths + 1) - (lengths + 1), lengths + 1)
    fraction = (np.arange(len(step)) - first) / np.maximum(1, lengths[step])
    before = np.maximum(0, step - 1)
    dx = np.rint(x[before] + fraction * (x[step] - x[before])).astype(np.int64)
    dy = np.rint(y[before] + fraction * (y[step] - y[before])).astype(np.int64)
    cell = (dy // 4, dx // 2)
    np.bitwise_or.at(bits, cell, _BIT_TABLE[dy % 4, dx % 2])
    np.maximum.at(latest, cell, step)
    return bits, latest


class TrajectoryPlot(Widget):
    """Drawn at its size as it is when painted."""

    DEFAULT_CSS = "TrajectoryPlot { height: 1fr; min-height: 3; text-wrap: nowrap; }"

    trajectory: Trajectory | None = None

    def show(self, trajectory: Trajectory) -> None:
        self.trajectory = trajectory
        self.refresh()

    def render(self) -> RenderableType:
        trajectory = self.trajectory
        if trajectory is None:
            return Text()
        steps = len(trajectory.points)
        first, last = trajectory.first_step, trajectory.first_step + steps - 1
        pc1, pc2 = trajectory.explained
        text = Text(no_wrap=True, overflow="crop")
        if steps < 2:
            text.append("one state so far: step on (→)\nand the path appears", style="dim")
            return text
        text.append(f"t {first}–{last} · PC1 → {pc1:.0%} · PC2 ↑ {pc2:.0%} · ", style="dim")
        text.append("●", style=_NOW)
        text.append(" now\n", style="dim")
        columns, rows = self.size.width, max(0, self.size.height - 1)
        if rows < 1 or columns < 1:
            return text
        bits, latest = dot_grid(trajectory.points, columns, rows)
        now_row, now_column = np.argwhere(latest == steps - 1)[-1]  # the last point's cell
        for row in range(rows):
            for column in range(columns):
                if row == now_row and column == now_column:
                    text.append("●", style=_NOW)
                elif bits[row, column]:
                    age = latest[row, column] / (steps - 1)
                    style = _AGE_STYLES[min(len(_AGE_STYLES) - 1, int(age * len(_AGE_STYLES)))]
                    text.append(chr(0x2800 + int(bits[row, column])), style=style)
                else:
                    text.append(" ")
            if row < rows - 1:
                text.append("\n")
        return text
