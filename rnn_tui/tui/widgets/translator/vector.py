"""A vector (the context vector c) as one row of coloured cells, with its norm."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widgets import Static

from rnn_tui.tui.palette import DIVERGING_COLORS, diverging_bins


class VectorStrip(Static):
    DEFAULT_CSS = "VectorStrip { height: auto; }"

    vector: np.ndarray = np.zeros(0)

    def show(self, vector: np.ndarray, width: int) -> None:
        self.vector = vector
        shown = vector[: max(1, width)]
        text = Text(no_wrap=True, overflow="crop")
        for value in diverging_bins(shown):
            text.append("█", style=str(DIVERGING_COLORS[int(value)].name))
        text.append(
            f"\n{len(vector)} units, first {len(shown)} drawn · ‖c‖ = {np.linalg.norm(vector):.3f}",
            style="dim",
        )
        self.update(text)
