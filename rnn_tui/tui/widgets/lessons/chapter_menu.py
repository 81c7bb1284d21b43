"""The chapter list as one widget: a row per chapter, the chosen one highlighted."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class ChapterMenu(Widget, can_focus=True):
    """A heading, rows (one per chapter: a label and a tail, the progress, that stays in
    view when the label is cut to the width) and a footnote. ↑/↓/Home/End choose, Enter
    or a click opens.

    Lines drawn by one widget rather than an OptionList, a heading and a note, which took
    about 25 ms of the lessons' first frame (goal: within 1.1× of a minimal Textual
    app's)."""

    COMPONENT_CLASSES = {"chapter-menu--chosen", "chapter-menu--heading", "chapter-menu--note"}
    ROWS_FROM = 2  # a blank line and the heading come first
    BINDINGS = [
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("down", "move(1)", "Next", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
        Binding("enter", "open", "Open", tooltip="open the chosen chapter"),
    ]

    chosen: reactive[int] = reactive(0)

    class Opened(Message):
        """A row was opened (Enter, or a click)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, heading: str, note: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.heading, self.note = heading, note
        self.rows: list[tuple[str, str]] = []

    def set_rows(self, rows: Sequence[tuple[str, str]]) -> None:
        self.rows = list(rows)
        self.chosen = min(self.chosen, max(len(self.rows) - 1, 0))
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.ROWS_FROM + len(self.rows) + 1

    def render(self) -> Text:
        """The heading, the rows (each cut to the width with its tail kept; the chosen one
        highlighted across the whole width) and the note."""
        chosen_style = self.get_component_rich_style("chapter-menu--chosen")
        width = self.content_size.width
        text = Text(end="")
        text.append("\n")
        text.append(self.heading, style=self.get_component_rich_style("chapter-menu--heading"))
        for index, (label, tail) in enumerate(self.rows):
            room = max(width - cell_len(tail), 1)
            if cell_len(label) > room:
                label = set_cell_size(label, room - 1) + "…"
            row = label + tail
            text.append("\n")
            if index == self.chosen:
                text.append(row + " " * max(width - cell_len(row), 0), style=chosen_style)
            else:
                text.append(row)
        text.append("\n")
        text.append(self.note, style=self.get_component_rich_style("chapter-menu--note"))
        return text

    def action_move(self, by: int) -> None:
        if self.rows:
            self.chosen = (self.chosen + by) % len(self.rows)

    def action_move_to(self, index: int) -> None:
        if self.rows:
            self.chosen = index % len(self.rows)

    def action_open(self) -> None:
        if self.rows:
            self.post_message(self.Opened(self.chosen))

    def on_click(self, event: events.Click) -> None:
        row = event.y - self.ROWS_FROM
        if 0 <= row < len(self.rows):
            self.chosen = row
            self.post_message(self.Opened(self.chosen))
