"""The list of lesson chapters, with how many exercises of each are done."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rnn_tui.session.lessons.contents import CONTENTS
from rnn_tui.session.lessons.progress import load_progress
from rnn_tui.tui.widgets.title import Title


class ChapterList(Screen[None]):
    BINDINGS = [Binding("q,escape", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Title("Lessons: the course's questions, answered with a live model")
        yield OptionList(id="chapters")
        yield Static(
            "↑/↓ choose · Enter opens a chapter (its exercises are kept as you finish them) · "
            "q quits",
            classes="dim",
        )

    def on_screen_resume(self) -> None:
        """List the chapters with their progress: on first showing, and on coming back
        from a chapter."""
        progress = load_progress()
        options = self.query_one("#chapters", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for entry in CONTENTS:
            done = len(set(progress.get(str(entry.number), [])))
            options.add_option(
                Option(
                    f"{entry.number:2d}. {entry.title}  ({done}/{entry.exercises} done)",
                    id=str(entry.number),
                )
            )
        options.highlighted = highlighted if highlighted is not None else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        from rnn_tui.session.lessons import chapter
        from rnn_tui.tui.screens.lesson import LessonScreen

        found = chapter(int(event.option.id or 0))
        if found is not None:
            self.app.push_screen(LessonScreen(found))
