"""The translator view: encode a source, step the decoder, watch attention and the beam."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from rnn_tui.config import describe_translator
from rnn_tui.engine.translator import BeamResult, Translator
from rnn_tui.session.translator import TranslatorSession
from rnn_tui.text_safety import visible
from rnn_tui.tui.plain import plain
from rnn_tui.tui.screens.lm_view import set_title
from rnn_tui.tui.widgets.lm.heatmap import StateHeatmap
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.translator.attention import AttentionMap
from rnn_tui.tui.widgets.translator.beam import BeamTable
from rnn_tui.tui.widgets.translator.scores import ScoreTable
from rnn_tui.tui.widgets.translator.vector import VectorStrip

BEAM_WIDTHS = (2, 3, 5, 8)
TOP_K_SHOWN = 5
SCORE_ROWS = 8


def default_source(translator: Translator) -> str:
    """A first sentence to translate: the checkpoint's own example, else a date for date models."""
    example = translator.meta.get("card", {}).get("example_source")
    if example:
        return str(example)
    dates = translator.meta.get("pairs_config", {}).get("source") == "dates"
    return "Saturday, 9 May 2018" if dates else ""


class TranslatorScreen(Screen):
    BINDINGS = [
        Binding("right,space", "step", "Step"),
        Binding("left", "back", "Back"),
        Binding("e", "to_end", "To end"),
        Binding("s", "source", "Source"),
        Binding("b", "beam_width", "Beam width"),
        Binding("f", "force_prefix", "Force prefix"),
        Binding("x", "attend_one", "Attend to…", show=False),
        Binding("u", "undo_what_if", "Undo what-if", show=False),
        Binding("r", "reset", "Reset", show=False),
        Binding("escape", "close_input", "Close input", show=False),
    ]

    def __init__(
        self,
        translator: Translator,
        path: Path,
        source: str = "",
        session: TranslatorSession | None = None,
    ) -> None:
        super().__init__()
        self.translator = translator
        self.path = path
        if session is None:
            session = TranslatorSession(translator)
            session.set_source(source or default_source(translator))
        self.session = session  # kept by the app when another model is shown
        self.beam_index = 1
        self.input_purpose = "source"

    @property
    def beam_width(self) -> int:
        return BEAM_WIDTHS[self.beam_index]

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="mt-body"):
            with VerticalScroll(id="mt-left"):
                yield Static(id="source-title", classes="title")
                yield Static(id="source-line")
                yield Static(id="forward-title", classes="title")
                yield StateHeatmap(id="forward", classes="encoder")
                yield Static(id="backward-title", classes="title")
                yield StateHeatmap(id="backward", classes="encoder")
                yield Static(id="context-title", classes="title")
                yield VectorStrip(id="context")
                yield Static(id="attention-title", classes="title")
                yield AttentionMap(id="attention")
                yield Static(id="self-title", classes="title")
                yield AttentionMap(id="self-attention")
            with VerticalScroll(id="mt-right"):
                yield Static("Next token", classes="title")
                yield NextTokenBars(id="mt-next")
                yield Static(id="beam-title", classes="title")
                yield BeamTable(id="beam")
                yield Static(id="scores-title", classes="title")
                yield ScoreTable(id="scores")
        yield Input(id="mt-input")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#mt-input", Input).display = False
        bidirectional = self.translator.config.bidirectional
        for name in ("#backward-title", "#backward"):
            self.query_one(name).display = bidirectional
        has_self = self.translator.config.self_attention
        for name in ("#self-title", "#self-attention"):
            self.query_one(name).display = has_self
        self.refresh_view()
        self.search_beam()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32 or self.size.width < 100, "compact")

    # --- beam search in a worker ---------------------------------------------------------
    @work(thread=True, exclusive=True, group="beam")
    def search_beam(self) -> None:
        session, width = self.session, self.beam_width
        encoded = session.encoded
        assert encoded is not None
        result = self.translator.beam_search_from(encoded, width, 0.6, session.max_len)
        self.app.call_from_thread(self._beam_ready, encoded, result)

    def _beam_ready(self, encoded: object, result: BeamResult) -> None:
        if encoded is self.session.encoded:  # the source did not change meanwhile
            self.session.beam = result
            self.refresh_view()

    # --- drawing ---------------------------------------------------------------------
    def status_line(self) -> str:
        s = self.session
        done = " · done" if s.position and s.position == len(s.tokens) and s.finished else ""
        note = s.what_if_note()
        return (
            f"{plain(self.path.stem)} · {describe_translator(self.translator.config)} · "
            f"t={s.position}{done} · beam {self.beam_width}"
            + (f" · what-if: {note}" if note else "")
        )

    def refresh_view(self) -> None:
        if not self.is_attached:  # a key or tick that reached a view being replaced
            return
        s, config = self.session, self.translator.config
        encoded = s.encoded
        assert encoded is not None
        self.query_one("#status", Static).update(self.status_line(), layout=False)
        source_tokens = s.source_tokens()
        order = "reversed, " if config.reverse_source else ""
        set_title(
            self.query_one("#source-title", Static),
            f"Source ({order}{len(source_tokens)} tokens) → output",
        )
        cursor = "" if s.finished and s.position == len(s.tokens) else "▌"
        shown = Text(visible(f"{s.source}\n→ {s.output_text()}{cursor}"))  # never markup
        self.query_one("#source-line", Static).update(shown)
        units = config.hidden_size
        set_title(
            self.query_one("#forward-title", Static),
            f"Encoder →h (top layer): {units} units × {len(source_tokens)} source tokens",
        )
        self.query_one("#forward", StateHeatmap).show(encoded.forward.T, 0)
        if encoded.backward is not None:
            set_title(
                self.query_one("#backward-title", Static),
                f"Encoder ←h (top layer, read right to left): {units} units × source tokens",
            )
            self.query_one("#backward", StateHeatmap).show(encoded.backward.T, 0)
        context_note = (
            "Context vector c = [→h_S ; ←h_1]: with attention none it is ALL the decoder sees"
            if config.attention == "none"
            else "Context vector c = final encoder state (starts the decoder via the bridge)"
        )
        set_title(self.query_one("#context-title", Static), context_note)
        width = self.query_one("#context").size.width or 60
        self.query_one("#context", VectorStrip).show(encoded.context, width)
        attention_title = (
            "Attention α (target rows × source columns)"
            if config.attention != "none"
            else "Attention: none — ctx_t = c at every step (the bottleneck)"
        )
        set_title(self.query_one("#attention-title", Static), attention_title)
        self.query_one("#attention", AttentionMap).show(
            s.attention_rows(),
            source_tokens,
            s.target_tokens(),
            "step the decoder (→) to grow the map"
            if config.attention != "none"
            else "this model has no attention",
        )
        if encoded.self_attention is not None:
            set_title(
                self.query_one("#self-title", Static),
                "Self-attention softmax(QKᵀ/√E) over encoder states (rows: queries)",
            )
            self.query_one("#self-attention", AttentionMap).show(
                encoded.self_attention, source_tokens, source_tokens, ""
            )
        upcoming = s.position < len(s.tokens)
        self.query_one("#mt-next", NextTokenBars).show(
            s.next_tokens(TOP_K_SHOWN), s.tokens[s.position] if upcoming else None
        )
        rows = s.score_rows()
        shown = sorted(sorted(rows, key=lambda r: -r.weight)[:SCORE_ROWS], key=lambda r: r.position)
        extent = f", top {len(shown)} of {len(rows)} by α" if len(shown) < len(rows) else ""
        set_title(
            self.query_one("#scores-title", Static),
            f"This step: scores e_tj ({config.attention}) and α_tj{extent}",
        )
        self.query_one("#scores", ScoreTable).show(
            shown,
            "no attention: no scores" if config.attention == "none" else "no step yet",
        )
        set_title(
            self.query_one("#beam-title", Static),
            f"Beam search, width {self.beam_width}, step {s.position} (■ = ended)",
        )
        self.query_one("#beam", BeamTable).show(
            s.beam_step(),
            self.translator.target_text,
            "searching…" if s.beam is None else "step the decoder (→)",
        )

    # --- actions ---------------------------------------------------------------------
    def action_step(self) -> None:
        if self.session.step():
            self.refresh_view()

    def action_back(self) -> None:
        if self.session.back():
            self.refresh_view()

    def action_to_end(self) -> None:
        self.session.run_to_end()
        self.refresh_view()

    def action_reset(self) -> None:
        self.session.set_source(self.session.source)
        self.refresh_view()
        self.search_beam()

    def action_beam_width(self) -> None:
        self.beam_index = (self.beam_index + 1) % len(BEAM_WIDTHS)
        self.session.beam = None
        self.refresh_view()
        self.search_beam()

    def _open_input(self, purpose: str, placeholder: str, value: str = "") -> None:
        self.input_purpose = purpose
        box = self.query_one("#mt-input", Input)
        box.placeholder = placeholder
        box.value = value
        box.display = True
        box.focus()

    def action_source(self) -> None:
        self._open_input(
            "source", "source sentence to translate (Enter; Esc cancels)", self.session.source
        )

    def action_force_prefix(self) -> None:
        self._open_input("prefix", "what-if: the output must start with… (Enter; Esc cancels)")

    def action_attend_one(self) -> None:
        if self.translator.config.attention == "none" or self.session.position == 0:
            self.notify("step the decoder of an attention model first", severity="warning")
            return
        last = len(self.session.source_tokens()) - 1
        self._open_input(
            "attend",
            f"what-if: at step {self.session.position}, all attention on source position 0–{last}",
        )

    def action_undo_what_if(self) -> None:
        self.session.clear_what_if()
        self.refresh_view()

    def action_close_input(self) -> None:
        self.query_one("#mt-input", Input).display = False
        self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_close_input()
        value = event.value.strip()
        if self.input_purpose == "prefix":
            self.session.force_prefix(value)
        elif self.input_purpose == "attend":
            last = len(self.session.source_tokens()) - 1
            if not value.isdigit() or int(value) > last:
                self.notify(f"expected a source position 0–{last}", severity="error")
                return
            self.session.override_attention(self.session.position - 1, int(value))
        elif value:
            self.session.set_source(value)
            self.search_beam()
        self.refresh_view()
