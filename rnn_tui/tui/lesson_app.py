"""`rnn-tui lesson`: the chapter list, or one chapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

from rnn_tui.tui.base_app import RnnTuiApp, stylesheets

if TYPE_CHECKING:
    from rnn_tui.session.lessons.structure import Chapter


class LessonApp(RnnTuiApp):
    CSS_PATH = stylesheets("common", "lessons")
    TITLE = "rnn-tui lessons"
    BINDINGS = [
        Binding("question_mark", "help", "Help", tooltip="every key of this screen, in words")
    ]

    def __init__(self, chapter: Chapter | None = None) -> None:
        super().__init__()
        self.chapter = chapter

    def get_default_screen(self) -> Screen:
        from rnn_tui.tui.screens.chapters import ChapterList

        # The base screen itself: no blank screen drawn first.
        return ChapterList(self.chapter.number if self.chapter is not None else None)

    def on_mount(self) -> None:
        if self.chapter is not None:
            from rnn_tui.tui.screens.lesson import LessonScreen

            self.push_screen(LessonScreen(self.chapter))
