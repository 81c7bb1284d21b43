"""Hidden (or cell) state as a heatmap: units down, recent steps across.

Line API: each terminal row draws two units with "▀" (foreground = upper unit,
background = lower unit); strips are cached until the data changes.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from rnn_tui.tui.palette import DIVERGING_COLORS, diverging_bins

LABEL_WIDTH = 5
_HALF = "▀"
_LABEL = Style(dim=True)
_SELECTED = Style(bold=True, reverse=True)


class StateHeatmap(Widget):
    """`matrix` is (units, steps); the window of units follows the selected unit."""

    DEFAULT_CSS = "StateHeatmap { height: 1fr; min-height: 3; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.matrix = np.zeros((0, 0))
        self._bins = np.zeros((0, 0), dtype=int)
        self._selected = 0
        self._cache: dict[int, Strip] = {}
        self._styles = {
            (upper, lower): Style(color=DIVERGING_COLORS[upper], bgcolor=DIVERGING_COLORS[lower])
            for upper in range(len(DIVERGING_COLORS))
            for lower in range(len(DIVERGING_COLORS))
        }

    def show(self, matrix: np.ndarray, selected_unit: int, scale: float = 1.0) -> None:
        self.matrix = matrix
        self._bins = diverging_bins(matrix, scale)
        self._selected = selected_unit
        self._cache.clear()
        self.refresh()

    def first_unit(self) -> int:
        """The top unit shown: the selected one stays inside the window."""
        units = self._bins.shape[0]
        per_screen = max(2, 2 * self.size.height)
        if units <= per_screen:
            return 0
        start = self._selected - self._selected % 2 - per_screen // 2
        return int(min(max(0, start), units - per_screen + units % 2))

    def on_resize(self) -> None:
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        if y in self._cache:
            return self._cache[y]
        units, steps = self._bins.shape
        upper = self.first_unit() + 2 * y
        width = self.size.width
        if upper >= units:
            strip = Strip.blank(width)
        else:
            lower = upper + 1
            marker = self._selected in (upper, lower)
            label = f"{upper:>4} " if not marker else f"{self._selected:>4}▸"
            segments = [Segment(label, _SELECTED if marker else _LABEL)]
            visible_steps = min(steps, max(0, width - LABEL_WIDTH))
            for step in range(steps - visible_steps, steps):
                top = int(self._bins[upper, step])
                bottom = int(self._bins[lower, step]) if lower < units else None
                if bottom is None:
                    segments.append(Segment(_HALF, Style(color=DIVERGING_COLORS[top])))
                else:
                    segments.append(Segment(_HALF, self._styles[(top, bottom)]))
            strip = Strip(segments).adjust_cell_length(width)
        self._cache[y] = strip
        return strip
