"""The cell's equations for the chosen unit, with this step's numbers."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget


class EquationPanel(Widget):
    """Drawn at its width as it is when painted: the full lines where each fits on one
    line, else the short ones (the same equations without their symbolic middle)."""

    DEFAULT_CSS = "EquationPanel { height: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.title = ""
        self.full_lines: list[str] = []
        self.short_lines: list[str] = []

    def show(self, title: str, lines: list[str], short_lines: list[str]) -> None:
        self.title, self.full_lines, self.short_lines = title, lines, short_lines
        self.refresh(layout=True)

    @property
    def lines(self) -> list[str]:
        width = self.size.width
        fits = all(cell_len(line) <= width for line in self.full_lines)
        return self.full_lines if fits or not width else self.short_lines

    def render(self) -> RenderableType:
        text = Text(self.title + "\n", style="bold")
        text.append("\n".join(self.lines))
        return text
