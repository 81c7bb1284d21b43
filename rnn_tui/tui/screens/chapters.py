"""The list of lesson chapters, with how many exercises of each are done."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from rnn_tui.session.lessons.contents import CONTENTS
from rnn_tui.session.lessons.progress import done_count, load_progress
from rnn_tui.tui.widgets.lessons.chapter_menu import ChapterMenu


class ChapterList(Screen[None]):
    BINDINGS = [Binding("q,escape", "app.quit", "Quit")]

    def __init__(self, chosen: int | None = None) -> None:
        """`chosen`: the number of the chapter to choose first (the one `rnn-tui lesson N`
        opens over the list, so that Esc comes back to it)."""
        super().__init__()
        self.first_chosen = chosen

    def compose(self) -> ComposeResult:
        yield ChapterMenu(
            "Lessons: the course's questions, answered with a live model",
            "↑/↓ choose · Enter opens · your progress is kept · q quits",
            id="chapters",
        )

    def on_screen_resume(self) -> None:
        """List the chapters with their progress: on first showing, and on coming back
        from a chapter."""
        progress = load_progress()
        rows = []
        for entry in CONTENTS:
            done = done_count(progress, entry.number)
            rows.append((f"{entry.number:2d}. {entry.title}", f"  ({done}/{entry.exercises} done)"))
        menu = self.query_one(ChapterMenu)
        menu.set_rows(rows)
        if self.first_chosen is not None:
            numbers = [entry.number for entry in CONTENTS]
            if self.first_chosen in numbers:
                menu.action_move_to(numbers.index(self.first_chosen))
            self.first_chosen = None
        menu.focus()

    def on_chapter_menu_opened(self, event: ChapterMenu.Opened) -> None:
        from rnn_tui.session.lessons import chapter
        from rnn_tui.tui.screens.lesson import LessonScreen

        found = chapter(CONTENTS[event.index].number)
        if found is not None:
            self.app.push_screen(LessonScreen(found))
