"""Compare models: two or three language models reading the same text in lock-step."""

from __future__ import annotations

import math
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker

from rnn_tui.engine.lm import LanguageModel
from rnn_tui.session.compare import CompareSession
from rnn_tui.tui.pace import READ_AT_ONCE
from rnn_tui.tui.plain import model_title
from rnn_tui.tui.screens.ask import AskScreen
from rnn_tui.tui.widgets.footer import ViewFooter
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.lm.token_strip import TokenStrip
from rnn_tui.tui.widgets.title import FittingLine, Title

STRIP_TOKENS = 400
TOP_K_SHOWN = 5


class CompareScreen(Screen):
    composed = False  # True from on_mount: a draw asked for earlier is left to on_mount
    AUTO_FOCUS = ""  # no widget here takes keys; they all go to the bindings
    AUTOPLAY_PER_SECOND = 10
    BINDINGS = [
        Binding(
            "right,space",
            "step",
            "Step",
            key_display="→",
            tooltip="every model reads one more token (the leader's argmax)",
        ),
        Binding(
            "left",
            "back",
            "Back",
            show=False,
            tooltip="undo the last token in every model",
        ),
        Binding(
            "a",
            "autoplay",
            "Play",
            tooltip="step on their own, ten tokens a second",
        ),
        Binding(
            "l",
            "leader",
            "Leader",
            tooltip="which model chooses the next token",
        ),
        Binding(
            "p",
            "prompt",
            "Prompt",
            tooltip="every model starts again and reads a text of your own",
        ),
        Binding(
            "escape",
            "close",
            "Close",
            tooltip="back to the model",
        ),
    ]

    def __init__(self, models: list[tuple[Path, LanguageModel]], prompt: str) -> None:
        super().__init__()
        self.models = models[:3]
        short = len(prompt) <= READ_AT_ONCE
        self.session = CompareSession(self.models, prompt if short else "")
        self.long_prompt = "" if short else prompt  # read in a worker once mounted
        self.reading: tuple[int, int] | None = None  # (characters read, characters) by all
        self.titles = [model_title(path) for path, _ in self.models]
        self.playing: Timer | None = None

    def compose(self) -> ComposeResult:
        yield FittingLine(id="compare-status")
        with Horizontal(id="compare-body"):
            for index, title in enumerate(self.titles):
                with Vertical(classes="compare-column"):
                    yield Title(title, id=f"compare-name-{index}")
                    yield FittingLine(id=f"compare-surprisal-{index}", classes="compare-surprisal")
                    yield NextTokenBars(id=f"compare-next-{index}")
                    yield TokenStrip(id=f"compare-strip-{index}")
        yield ViewFooter()

    def on_mount(self) -> None:
        self.composed = True  # its widgets exist: drawing can start
        self.refresh_view()
        if self.long_prompt:
            self.start_reading(self.long_prompt)

    def refresh_view(self) -> None:
        if not (self.is_attached and self.composed):  # a view being built or replaced
            return
        if self.reading is not None:
            done, total = self.reading
            self.query_one("#compare-status", FittingLine).set(
                f"reading the prompt: {done:,} of {total:,} characters (every model's)…",
                f"reading the prompt: {done:,} of {total:,} characters…",
            )
            return
        s = self.session
        leader = self.titles[s.leader]
        play = f"playing {self.AUTOPLAY_PER_SECOND}/s" if self.playing else "paused"
        state = f"t={s.sessions[0].position} · {play} · next token: argmax of ▶ {leader}"
        self.query_one("#compare-status", FittingLine).set(
            f"{state} (l: another leader) · {len(s.sessions)} models read the same text",
            f"{state} (l: another leader)",
            state,
        )
        for index, session in enumerate(s.sessions):
            marker = "▶ " if index == s.leader else ""  # the status line names the leader
            self.query_one(f"#compare-name-{index}", Title).set(f"{marker}{self.titles[index]}")
            mean = session.mean_surprisal()
            figure = "—" if math.isnan(mean) else f"{mean:.3f}"
            self.query_one(f"#compare-surprisal-{index}", FittingLine).set(
                f"mean −log p {figure}{'' if math.isnan(mean) else ' nats'}",
                f"mean −log p {figure}",
                f"−log p {figure}",
            )
            self.query_one(f"#compare-next-{index}", NextTokenBars).show(
                session.next_tokens(TOP_K_SHOWN), None
            )
            self.query_one(f"#compare-strip-{index}", TokenStrip).show(
                *session.text_pieces(STRIP_TOKENS)
            )

    def action_step(self) -> None:
        self.session.step()
        self.refresh_view()

    def action_back(self) -> None:
        self.session.back()
        self.refresh_view()

    def action_autoplay(self) -> None:
        """Step every model in lock-step, ten tokens a second, until `a` again."""
        if self.playing is not None:
            self.playing.stop()
            self.playing = None
        else:
            self.playing = self.set_interval(1 / self.AUTOPLAY_PER_SECOND, self.action_step)
        self.refresh_view()

    def action_leader(self) -> None:
        self.session.next_leader()
        self.refresh_view()

    def action_prompt(self) -> None:
        self.app.push_screen(
            AskScreen(
                "Prompt: every model starts again from <bos> and reads this text",
                newlines=True,
            ),
            self.read_prompt,
        )

    def read_prompt(self, text: str | None) -> None:
        if text is not None:
            self.start_reading(text)

    def start_reading(self, prompt: str) -> None:
        """Every model reads `prompt`: at once if short, else in a worker that shows its
        progress and then replaces the shown session."""
        if len(prompt) <= READ_AT_ONCE:
            self.session.reset(prompt)
        else:
            self.reading = (0, len(prompt) * len(self.models))
            self.read_in_background(prompt)
        self.refresh_view()

    @work(thread=True, exclusive=True, group="prompt")
    def read_in_background(self, prompt: str) -> None:
        worker = get_current_worker()
        fresh = CompareSession(self.models)
        fresh.leader = self.session.leader

        def progress(done: int, total: int) -> bool:
            self.app.call_from_thread(self._show_reading, done, total)
            return not worker.is_cancelled

        if fresh.reset(prompt, progress):
            self.app.call_from_thread(self._reading_done, fresh)

    def _show_reading(self, done: int, total: int) -> None:
        self.reading = (done, total)
        self.refresh_view()

    def _reading_done(self, session: CompareSession) -> None:
        self.session, self.reading = session, None
        self.refresh_view()

    def action_close(self) -> None:
        if self.playing is not None:
            self.playing.stop()
        self.dismiss()
