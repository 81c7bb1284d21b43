"""A vector (the context vector c) as one row of coloured cells, with its norm."""

from __future__ import annotations

import numpy as np
from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from rnn_tui.tui.palette import diverging_bins, diverging_colors, diverging_ends
from rnn_tui.tui.widgets.title import longest_fitting


class VectorStrip(Widget):
    """As many units as the panel is wide now (never wraps), then a caption line that
    says less rather than lose its end, the norm (at 80×24 the panel is 42 cells)."""

    DEFAULT_CSS = "VectorStrip { height: 2; }"

    vector: np.ndarray = np.zeros(0)

    def show(self, vector: np.ndarray) -> None:
        self.vector = vector
        self.refresh()

    def render(self) -> RenderableType:
        vector = self.vector
        shown = vector[: max(1, self.size.width)]
        colours = diverging_colors(self.app.no_color)
        low, high = diverging_ends(self.app.no_color)
        text = Text(no_wrap=True, overflow="crop")
        for value in diverging_bins(shown):
            text.append("█", style=str(colours[int(value)].name))
        last, units, norm = len(shown) - 1, len(vector), f"‖c‖ = {np.linalg.norm(vector):.3f}"
        caption = longest_fitting(
            (
                f"units 0–{last} of {units} · {low} −1 … {high} +1 · {norm}",
                f"units 0–{last}/{units} · {low} −1…{high} +1 · {norm}",
                f"units 0–{last}/{units} · {norm}",
                norm,
            ),
            self.size.width,
        )
        text.append("\n" + caption, style="dim")
        return text
