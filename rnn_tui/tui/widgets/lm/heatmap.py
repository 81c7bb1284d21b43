"""A state matrix as a heatmap: units down (two per row), steps across, with its own caption.

Line API. Row 0 is the caption: which units and steps are drawn, and the colour
scale. Every other row draws two units with "▀" (foreground = upper unit,
background = lower unit) and names both in its label; the chosen unit's number
is drawn reversed. Units are drawn in `order` (index order, or busiest first),
and the window of rows follows the chosen unit, so every unit can be reached.
Steps wider than the panel keep the most recent; columns narrower than the panel
are widened to fill it (`stretch`). Strips are cached until the data changes.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from rnn_tui.tui.palette import diverging_bins, diverging_colors, diverging_ends
from rnn_tui.tui.textual_workarounds import NO_STYLE
from rnn_tui.tui.widgets.title import longest_fitting

_HALF = "▀"
_LABEL = Style(dim=True)
_SELECTED = Style(bold=True, reverse=True)
_CAPTION = Style(dim=True)


class StateHeatmap(Widget):
    """`matrix` is (units, steps); `first_step` is the time index of its first column;
    `selected_unit` −1 marks no unit."""

    DEFAULT_CSS = "StateHeatmap { height: 1fr; min-height: 3; }"

    def __init__(self, stretch: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.stretch = stretch  # widen few columns to fill the panel (encoder states)
        self.matrix = np.zeros((0, 0))
        self.order = np.zeros(0, dtype=int)
        self.first_step = 0
        self.scale = 1.0
        self.step_name = "t"
        self._bins = np.zeros((0, 0), dtype=int)
        self._selected = 0
        self._cache: dict[int, Strip] = {}  # drawn rows, for `_cache_size`
        self._cache_size = Size(0, 0)
        self._styles: dict[tuple[int, int | None], Style] = {}  # (upper, lower) bins → cell

    def on_mount(self) -> None:
        """The cells' styles: upper unit as the foreground of a half block, lower as its
        background (greys under NO_COLOR)."""
        colours = diverging_colors(self.app.no_color)
        self._styles = {(upper, None): Style(color=colour) for upper, colour in enumerate(colours)}
        self._styles |= {
            (upper, lower): Style(color=colours[upper], bgcolor=colours[lower])
            for upper in range(len(colours))
            for lower in range(len(colours))
        }

    def show(
        self,
        matrix: np.ndarray,
        selected_unit: int,
        scale: float = 1.0,
        order: np.ndarray | None = None,
        first_step: int = 0,
        step_name: str = "t",
    ) -> None:
        self.matrix = matrix
        self.scale = scale
        self.order = np.arange(matrix.shape[0]) if order is None else np.asarray(order)
        self.first_step = first_step
        self.step_name = step_name
        self._bins = diverging_bins(matrix, scale)
        self._selected = selected_unit
        self._cache.clear()
        self.refresh()

    # --- what is shown -----------------------------------------------------------------

    @property
    def label_width(self) -> int:
        digits = len(str(max(0, self.matrix.shape[0] - 1)))
        return 2 * digits + 2  # "upper/lower" and the marker column

    def rows_shown(self) -> int:
        return max(1, self.size.height - 1)

    def units_per_page(self) -> int:
        return 2 * self.rows_shown()

    def first_row(self) -> int:
        """The top pair row drawn: the chosen unit's row stays inside the window."""
        pairs = (len(self.order) + 1) // 2
        rows = self.rows_shown()
        if pairs <= rows:
            return 0
        chosen = np.flatnonzero(self.order == self._selected)
        position = int(chosen[0]) if len(chosen) else 0  # none chosen (-1): from the top
        start = position // 2 - rows // 2
        return int(min(max(0, start), pairs - rows))

    def steps_shown(self) -> tuple[int, int]:
        """(first column, number of columns) drawn: the most recent that fit."""
        steps = self.matrix.shape[1]
        fit = max(0, self.size.width - self.label_width)
        count = min(steps, fit)
        return steps - count, count

    def column_width(self) -> int:
        _, count = self.steps_shown()
        if not self.stretch or count == 0:
            return 1
        return max(1, (self.size.width - self.label_width) // count)

    def caption(self) -> str:
        units = len(self.order)
        first, count = self.steps_shown()
        if units == 0 or count == 0:
            return "nothing to draw yet"
        top = 2 * self.first_row()
        bottom = min(units, top + self.units_per_page())
        drawn = self.order[top:bottom]
        start = self.first_step + first
        steps = f"{self.step_name} {start}–{start + count - 1}"
        scale = f"{self.scale:.3g}"
        if np.array_equal(drawn, np.arange(drawn[0], drawn[0] + len(drawn))):
            span = f"{drawn[0]}–{drawn[-1]}"
            which = (f"units {span} of {units}", f"units {span}/{units}", f"{span}/{units}")
        else:
            busiest = f"{len(drawn)} busiest"
            which = (
                f"{busiest}-first of {units} units",
                f"{busiest}/{units}",
                f"{busiest}/{units}",
            )
        low, high = diverging_ends(self.app.no_color)
        forms = [  # longest first, each shorter in the same three parts
            f"{which[0]} · {steps} · {low} −{scale} … {high} +{scale}",
            f"{which[1]} · {steps} · {low} −{scale}…{high} +{scale}",
            f"{which[2]} · {steps} · −{scale}…+{scale}",
            f"{which[2]} {steps} ±{scale}",
        ]
        return longest_fitting(forms, self.size.width)

    # --- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if self.size != self._cache_size:  # the caption and the rows depend on the size, and
            self._cache.clear()  # Textual can paint the new size before the Resize event
            self._cache_size = self.size
        if y in self._cache:
            return self._cache[y]
        width = self.size.width
        if y == 0:
            strip = Strip([Segment(self.caption(), _CAPTION)]).crop_extend(0, width, NO_STYLE)
        else:
            strip = self._pair_line(2 * (self.first_row() + y - 1), width)
        self._cache[y] = strip
        return strip

    def _pair_line(self, position: int, width: int) -> Strip:
        units = len(self.order)
        if position >= units:
            return Strip.blank(width, NO_STYLE)
        upper = int(self.order[position])
        lower = int(self.order[position + 1]) if position + 1 < units else None
        digits = (self.label_width - 2) // 2
        segments = [
            Segment(f"{upper:>{digits}}", _SELECTED if upper == self._selected else _LABEL),
            Segment("/", _LABEL),
            Segment(
                f"{'' if lower is None else lower:<{digits}}",
                _SELECTED if lower == self._selected else _LABEL,
            ),
            Segment("▸", _SELECTED) if self._selected in (upper, lower) else Segment(" ", NO_STYLE),
        ]
        first, count = self.steps_shown()
        repeat = self.column_width()
        for step in range(first, first + count):
            top = int(self._bins[upper, step])
            bottom = None if lower is None else int(self._bins[lower, step])
            segments.append(Segment(_HALF * repeat, self._styles[(top, bottom)]))
        return Strip(segments).adjust_cell_length(width, NO_STYLE)
