"""Compare models: two or three language models reading the same text in lock-step."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from rnn_tui.engine.lm import LanguageModel
from rnn_tui.session.compare import CompareSession
from rnn_tui.tui.plain import plain
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.lm.token_strip import TokenStrip

STRIP_TOKENS = 400
TOP_K_SHOWN = 5


class CompareScreen(Screen):
    # Nothing takes focus on mount: the hidden prompt box would (as the first focusable
    # widget) and swallow every key but Esc.
    AUTO_FOCUS = ""
    AUTOPLAY_PER_SECOND = 10
    BINDINGS = [
        Binding("right,space", "step", "Step"),
        Binding("left", "back", "Back"),
        Binding("a", "autoplay", "Play"),
        Binding("l", "leader", "Leader"),
        Binding("p", "prompt", "Prompt"),
        Binding("escape", "close", "Back to model"),
    ]

    def __init__(self, models: list[tuple[Path, LanguageModel]], prompt: str) -> None:
        super().__init__()
        self.session = CompareSession(models[:3], prompt)
        self.playing: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="compare-status")
        with Horizontal(id="compare-body"):
            for index, name in enumerate(self.session.names):
                with Vertical(classes="compare-column"):
                    yield Static(name, id=f"compare-name-{index}", classes="title")
                    yield NextTokenBars(id=f"compare-next-{index}")
                    yield TokenStrip(id=f"compare-strip-{index}")
        yield Input(id="compare-input")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#compare-input", Input).display = False
        self.refresh_view()

    def refresh_view(self) -> None:
        if not self.is_attached:  # a key or tick that reached a view being replaced
            return
        s = self.session
        leader = plain(s.names[s.leader])
        self.query_one("#compare-status", Static).update(
            f"t={s.sessions[0].position}"
            + (f" · ▶ {self.AUTOPLAY_PER_SECOND}/s" if self.playing else "")
            + f" · {len(s.sessions)} models, same text · next token: argmax of {leader} "
            "(l changes)",
            layout=False,
        )
        for index, session in enumerate(s.sessions):
            tokenizer = session.model.tokenizer
            mean = sum(session.surprisals[1:]) / max(1, len(session.surprisals) - 1)
            marker = " (leader)" if index == s.leader else ""
            self.query_one(f"#compare-name-{index}", Static).update(
                f"{plain(s.names[index])}{marker} · mean surprisal {mean:.3f} nats"
            )
            self.query_one(f"#compare-next-{index}", NextTokenBars).show(
                session.next_tokens(TOP_K_SHOWN), None
            )
            first = max(1, len(session.tokens) - STRIP_TOKENS)
            pieces = [tokenizer.token_text(t) for t in session.tokens[first:]]
            separator = " " if tokenizer.kind == "word" else ""
            self.query_one(f"#compare-strip-{index}", TokenStrip).show(
                pieces, session.surprisals[first:], separator
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
        box = self.query_one("#compare-input", Input)
        box.placeholder = "prompt: every model restarts and reads this text (Enter)"
        box.value = ""
        box.display = True
        box.focus()

    def action_close(self) -> None:
        box = self.query_one("#compare-input", Input)
        if box.display:
            box.display = False
            self.set_focus(None)
        else:
            if self.playing is not None:
                self.playing.stop()
            self.dismiss()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.session.reset(event.value.replace("\\n", "\n"))
        self.action_close()
        self.refresh_view()
