"""The cell's equations for the chosen unit, with this step's numbers."""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static


class EquationPanel(Static):
    DEFAULT_CSS = "EquationPanel { height: 7; }"

    lines: list[str] = []

    def show(self, title: str, lines: list[str]) -> None:
        self.lines = lines
        text = Text(title + "\n", style="bold")
        text.append("\n".join(lines))
        width = max(1, self.size.width)
        rows = sum(max(1, math.ceil(cell_len(line) / width)) for line in [title, *lines])
        if self.styles.height is None or self.styles.height.value != rows:
            self.styles.height = rows  # lays out again only when the wrapped height changes
        self.update(text, layout=False)
