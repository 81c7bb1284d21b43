"""The cell's equations for the chosen unit, with this step's numbers."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class EquationPanel(Static):
    DEFAULT_CSS = "EquationPanel { height: auto; }"

    lines: list[str] = []

    def show(self, title: str, lines: list[str]) -> None:
        self.lines = lines
        text = Text(title + "\n", style="bold")
        text.append("\n".join(lines))
        self.update(text)
