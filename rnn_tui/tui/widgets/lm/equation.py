"""The cell's equations for the chosen unit, with this step's numbers."""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static


class EquationPanel(Static):
    DEFAULT_CSS = "EquationPanel { height: 7; }"

    lines: list[str] = []

    def show(self, title: str, lines: list[str], short_lines: list[str]) -> None:
        """`lines` written out in full where each fits on one line, else `short_lines`
        (the same equations without their symbolic middle)."""
        width = max(1, self.size.width)
        fits = all(cell_len(line) <= width for line in lines)
        self.lines = lines if fits or not self.size.width else short_lines
        text = Text(title + "\n", style="bold")
        text.append("\n".join(self.lines))
        rows = sum(max(1, math.ceil(cell_len(line) / width)) for line in [title, *self.lines])
        if self.styles.height is None or self.styles.height.value != rows:
            self.styles.height = rows  # lays out again only when the wrapped height changes
        self.update(text, layout=False)
