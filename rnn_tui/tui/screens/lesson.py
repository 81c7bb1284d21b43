"""A lesson chapter: its explanation, the live computation, and the exercises."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from rnn_tui.errors import UserError
from rnn_tui.session.lessons.progress import load_progress, mark_done
from rnn_tui.session.lessons.structure import STILL_MEASURING, Chapter, Live, measure_later
from rnn_tui.tui.plain import plain
from rnn_tui.tui.screens.ask import AskScreen
from rnn_tui.tui.widgets.title import Title


def lines(rows: list[str]) -> str:
    return "\n".join(plain(row) for row in rows)


def reflowed(text: list[str]) -> str:
    """A chapter's explanation as paragraphs the terminal wraps to its width: lines that
    run on are joined; an indented line (an equation) keeps a line of its own."""
    out: list[str] = []
    for line in text:
        if out and not line.startswith(" ") and not out[-1].startswith(" "):
            out[-1] += " " + line
        else:
            out.append(line)
    return lines(out)


class Measured(Message):
    """The live view's slow figures are in."""


class LessonScreen(Screen[None]):
    BINDINGS = [
        # priority: the focused text's scroll bindings (hidden) would shadow them in the footer
        Binding(
            "right",
            "step",
            "Step",
            key_display="→",
            priority=True,
            tooltip="the live view's next step",
        ),
        Binding(
            "left", "back", "Back", key_display="←", priority=True, tooltip="undo the last step"
        ),
        Binding("a", "answer", "Answer", tooltip="answer the chosen exercise, or check it"),
        Binding("h", "hint", "Hint", tooltip="a hint for the chosen exercise"),
        Binding("n", "next_exercise", "Next", tooltip="choose the next exercise"),
        Binding("t", "text", "Text", tooltip="the live model reads a text of yours"),
        Binding("v", "value", "Value", tooltip="set a value of the live view"),
        Binding("escape", "chapters", "Chapters", tooltip="back to the list of chapters"),
        Binding("q", "app.quit", "Quit", tooltip="leave rnn-tui"),
    ]

    def __init__(self, chapter: Chapter) -> None:
        super().__init__()
        self.chapter = chapter
        self.live: Live | None = None
        self.measuring = False  # the live view's slow figures are being measured
        self.chosen = 0
        self.message = ""
        self.done = set(load_progress().get(str(chapter.number), []))

    def compose(self) -> ComposeResult:
        c = self.chapter
        yield Title(f"Chapter {c.number}: {c.title}", id="lesson-title")
        with VerticalScroll(id="lesson-text"):  # ↑/↓ scroll it where the screen is short
            yield Static(reflowed(c.text), id="lesson-explanation")
            yield Title(f"Live · {c.keys}", id="lesson-live-title")
            yield Static("loading the model…", id="lesson-live")
        yield Title("Exercises", id="lesson-exercises-title")
        yield Static("", id="lesson-exercises")
        yield Static("", id="lesson-message", classes="dim")
        yield Footer(compact=True, show_command_palette=False)  # every key fits at 80 columns

    def on_mount(self) -> None:
        self.open_live()
        self.show()

    @work(thread=True, exclusive=True, group="lesson")
    def open_live(self) -> None:
        live = self.chapter.open_live()
        self.app.call_from_thread(self.live_ready, live)

    def live_ready(self, live: Live) -> None:
        self.live = live
        self.changed()
        measure = measure_later(live)
        if measure is not None:
            self.measure_live(measure)

    def measure_live(self, measure: Callable[[], None]) -> None:
        """The live view's slow figures (scores on held-out data), after it is shown; its
        panel says they are being measured until then. On a daemon thread, not a worker:
        the measurement cannot be stopped halfway, and the app waits for its workers'
        threads before it exits, so quitting would wait for the measurement."""
        self.measuring = True
        context = contextvars.copy_context()  # the active app, for post_message
        threading.Thread(
            target=context.run, args=(self._measure, measure), name="measure", daemon=True
        ).start()

    def _measure(self, measure: Callable[[], None]) -> None:
        measure()
        with contextlib.suppress(RuntimeError):  # the app's loop has closed since
            self.post_message(Measured())  # dropped if the chapter has been closed

    def on_measured(self, _: Measured) -> None:
        self.measuring = False
        self.changed()

    def changed(self, look: bool = False) -> None:
        """After the live state moved: a reached state counts at once; `look`: the live
        numbers are scrolled into view (a short terminal shows the explanation first)."""
        if self.live is None:
            return
        if look:  # after the new numbers are laid out, so the scroll lands on them
            live = self.query_one("#lesson-live", Static)
            self.call_after_refresh(live.scroll_visible, animate=False, top=True)
        for exercise in self.chapter.exercises:
            fresh = exercise.reached is not None and exercise.key not in self.done
            if fresh and exercise.reached(self.live):  # type: ignore[misc]
                self.finish(exercise.key, f"✓ reached: {exercise.task}")
        self.show()

    def finish(self, key: str, message: str) -> None:
        self.done.add(key)
        mark_done(self.chapter.number, key)
        self.message = message

    def show(self) -> None:
        if self.live is not None:
            self.query_one("#lesson-live", Static).update(lines(self.live.panel()))
        rows = []
        for k, exercise in enumerate(self.chapter.exercises):
            mark = "✓" if exercise.key in self.done else " "
            pointer = "▶" if k == self.chosen else " "
            kind = "reach" if exercise.reached is not None else "answer"
            rows.append(f"{pointer} {mark} {k + 1}. ({kind}) {exercise.task}")
        self.query_one("#lesson-exercises", Static).update(lines(rows))
        self.query_one("#lesson-message", Static).update(plain(self.message))

    # --- keys ------------------------------------------------------------------
    def action_step(self) -> None:
        if self.live is not None and self.live.step():
            self.changed(look=True)

    def action_back(self) -> None:
        if self.live is not None and self.live.back():
            self.changed(look=True)

    def action_next_exercise(self) -> None:
        self.chosen = (self.chosen + 1) % max(1, len(self.chapter.exercises))
        self.message = ""
        self.show()

    def action_hint(self) -> None:
        self.message = "hint: " + self.chapter.exercises[self.chosen].hint
        self.show()

    def action_answer(self) -> None:
        if self.live is None:
            return
        exercise = self.chapter.exercises[self.chosen]
        if not exercise.ready(self.live):
            self.message = STILL_MEASURING
            self.show()
            return
        if exercise.reached is not None:
            if exercise.check(self.live)[0]:
                self.finish(exercise.key, "✓ reached")
            else:
                self.message = f"not yet: {exercise.task}"
            self.show()
            return

        def answered(text: str | None) -> None:
            if text is None or self.live is None:
                return
            ok, why = exercise.check(self.live, text)
            if ok:
                self.finish(exercise.key, f"✓ {why}")
            else:
                self.message = f"✗ {why}"
            self.show()

        self.app.push_screen(AskScreen(exercise.task, "a number, three decimals"), answered)

    def action_text(self) -> None:
        def read(text: str | None) -> None:
            if text and self.live is not None:
                self.recompute(self.live.type_text, text)

        self.app.push_screen(AskScreen("Text for the live model to read", newlines=True), read)

    def action_value(self) -> None:
        def given(text: str | None) -> None:
            if text and self.live is not None:
                self.recompute(self.live.set_value, text)

        self.app.push_screen(AskScreen("Set a value (e.g. w=0.2, s=1.5, unit 12)"), given)

    @work(thread=True, exclusive=True, group="lesson")
    def recompute(self, change: Callable[[str], str], text: str) -> None:
        """A text read or a value set can mean much work (a whole text, a BPTT pass):
        off the UI thread."""
        self.app.call_from_thread(self.say, "working…")
        try:
            message = change(text)
        except UserError as error:  # e.g. a source longer than the encoder reads
            message = str(error)
        self.app.call_from_thread(self.say, message)

    def say(self, message: str) -> None:
        self.message = message
        self.changed(look=True)

    def action_chapters(self) -> None:
        self.app.pop_screen()  # the chapter list is always below
