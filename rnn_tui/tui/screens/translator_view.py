"""The translator view: encode a source, step the decoder, watch attention and the beam."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from rnn_tui.config import describe_translator
from rnn_tui.engine.translation_search import BeamResult, beam_search
from rnn_tui.engine.translator import Translator
from rnn_tui.errors import UserError
from rnn_tui.session.translator import TranslatorSession
from rnn_tui.text_safety import visible
from rnn_tui.tui.plain import model_title
from rnn_tui.tui.redraw import Redraw
from rnn_tui.tui.screens.ask import AskScreen
from rnn_tui.tui.widgets.footer import ViewFooter
from rnn_tui.tui.widgets.lm.heatmap import StateHeatmap
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.title import Title
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
    composed = False  # True from on_mount: a draw asked for earlier is left to on_mount
    BINDINGS = [
        Binding(
            "right,space",
            "step",
            "Step",
            key_display="→",
            tooltip="emit one more output token (greedy), with its attention row",
        ),
        Binding(
            "left",
            "back",
            "Back",
            show=False,
            tooltip="undo the last output token",
        ),
        Binding(
            "e",
            "to_end",
            "To end",
            tooltip="run the decoder until <eos>",
        ),
        Binding(
            "s",
            "source",
            "Source",
            tooltip="translate a sentence of your own",
        ),
        Binding(
            "b",
            "beam_width",
            "Beam",
            tooltip="search with a wider or narrower beam (2, 3, 5, 8)",
        ),
        Binding(
            "f",
            "force_prefix",
            "Force prefix",
            show=False,
            tooltip="what-if: make the output start with words you type",
        ),
        Binding(
            "x",
            "attend_one",
            "Attend to…",
            show=False,
            tooltip="what-if: put all of this step's attention on one source token",
        ),
        Binding(
            "u",
            "undo_what_if",
            "Undo what-if",
            show=False,
            tooltip="undo the what-if",
        ),
        Binding(
            "r",
            "reset",
            "Reset",
            tooltip="start the decoder again on the same source",
        ),
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
        self.refused: str | None = None  # why the source given on the command line was not read
        if session is None:
            session = TranslatorSession(translator)
            try:
                session.set_source(source or default_source(translator))
            except UserError as error:
                self.refused = f"--prompt: {error}"
                session.set_source(default_source(translator))
        self.session = session  # kept by the app when another model is shown
        self.beam_index = 1

    @property
    def beam_width(self) -> int:
        return BEAM_WIDTHS[self.beam_index]

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="mt-body"):
            with VerticalScroll(id="mt-left"):
                yield Title(id="source-title")
                yield Static(id="source-line")
                yield Title(id="attention-title")
                yield AttentionMap(id="attention")
                yield Title(id="self-title")
                yield AttentionMap(id="self-attention")
                yield Title(id="forward-title")
                yield StateHeatmap(stretch=True, id="forward", classes="encoder")
                yield Title(id="backward-title")
                yield StateHeatmap(stretch=True, id="backward", classes="encoder")
                yield Title(id="context-title")
                yield VectorStrip(id="context")
            with VerticalScroll(id="mt-right"):
                yield Title("Next token")
                yield NextTokenBars(id="mt-next")
                yield Title(id="beam-title")
                yield BeamTable(id="beam")
                yield Title(id="scores-title")
                yield ScoreTable(id="scores")
        yield ViewFooter()

    def on_mount(self) -> None:
        self.composed = True  # its widgets exist: drawing can start
        bidirectional = self.translator.config.bidirectional
        for name in ("#backward-title", "#backward"):
            self.query_one(name).display = bidirectional
        has_self = self.translator.config.self_attention
        for name in ("#self-title", "#self-attention"):
            self.query_one(name).display = has_self
        self.refresh_view()
        self.search_beam()
        if self.refused:
            self.notify(self.refused, title="Source not read", severity="error", timeout=12)

    def redraw(self) -> None:
        self.post_message(Redraw())

    def on_redraw(self, _: Redraw) -> None:
        self.refresh_view()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32 or self.size.width < 100, "compact")

    # --- beam search in a worker ---------------------------------------------------------
    @work(thread=True, exclusive=True, group="beam")
    def search_beam(self) -> None:
        session, width = self.session, self.beam_width
        encoded = session.encoded
        assert encoded is not None
        result = beam_search(self.translator, encoded, width, 0.6, session.max_len)
        self.app.call_from_thread(self._beam_ready, encoded, result)

    def _beam_ready(self, encoded: object, result: BeamResult) -> None:
        if encoded is self.session.encoded:  # the source did not change meanwhile
            self.session.beam = result
            self.redraw()

    # --- drawing ---------------------------------------------------------------------
    def status_line(self) -> str:
        s = self.session
        done = " · done" if s.position and s.position == len(s.tokens) and s.finished else ""
        note = s.what_if_note()
        return (  # what changes comes first, so an 80-column terminal still shows it
            f"t={s.position}{done} · beam {self.beam_width}"
            + (f" · what-if: {note}" if note else "")
            + f" · {model_title(self.path)} · {describe_translator(self.translator.config)}"
        )

    def refresh_view(self) -> None:
        if not (self.is_attached and self.composed):  # a view being built or replaced
            return
        s, config = self.session, self.translator.config
        encoded = s.encoded
        assert encoded is not None
        self.query_one("#status", Static).update(self.status_line(), layout=False)
        source_tokens = s.source_tokens()
        order = "reversed, " if config.reverse_source else ""
        self.query_one("#source-title", Title).set(
            f"Source ({order}{len(source_tokens)} tokens) → output",
            f"Source ({order}{len(source_tokens)} tokens)",
            f"Source, {len(source_tokens)} tokens",
        )
        cursor = "" if s.finished and s.position == len(s.tokens) else "▌"
        shown = Text(visible(f"{s.source}\n→ {s.output_text()}{cursor}"))  # never markup
        self.query_one("#source-line", Static).update(shown)
        units = config.hidden_size
        self.query_one("#forward-title", Title).set(
            f"Encoder →h_j (top layer, read left to right): {units} units × source tokens",
            "Encoder →h_j, top layer, left to right",
            "Encoder →h_j (left to right)",
            "Encoder →h_j",
        )
        self.query_one("#forward", StateHeatmap).show(encoded.forward.T, -1, step_name="j")
        if encoded.backward is not None:
            self.query_one("#backward-title", Title).set(
                f"Encoder ←h_j (top layer, read right to left): {units} units × source tokens",
                "Encoder ←h_j, top layer, right to left",
                "Encoder ←h_j (right to left)",
                "Encoder ←h_j",
            )
            self.query_one("#backward", StateHeatmap).show(encoded.backward.T, -1, step_name="j")
        if config.plain:
            context_notes = (
                "Context vector c = final encoder state = s_0, the decoder's start",
                "Context c = final encoder state = s_0",
                "Context c",
            )
        elif config.attention == "none":
            context_notes = (
                "Context vector c = [→h_S ; ←h_1]: with attention none it is ALL the decoder sees",
                "Context c = [→h_S ; ←h_1]: all the decoder sees",
                "Context c: all the decoder sees",
                "Context c",
            )
        else:
            context_notes = (
                "Context vector c = final encoder state (starts the decoder via the bridge)",
                "Context c = final encoder state (via bridge)",
                "Context c = final encoder state",
                "Context c",
            )
        self.query_one("#context-title", Title).set(*context_notes)
        self.query_one("#context", VectorStrip).show(encoded.context)
        attention_titles = (
            (
                "Attention α_tj: a row per output token, a column per source token",
                "Attention α_tj (rows output, cols source)",
                "Attention α_tj (row t, column j)",
                "Attention α_tj",
            )
            if config.attention != "none"
            else (
                "Attention: none — ctx_t = c at every step (the bottleneck)",
                "Attention: none — ctx_t = c at every step",
                "Attention: none",
            )
        )
        self.query_one("#attention-title", Title).set(*attention_titles)
        self.query_one("#attention", AttentionMap).show(
            s.attention_rows(),
            source_tokens,
            s.target_tokens(),
            "step the decoder (→) to grow the map"
            if config.attention != "none"
            else "this model has no attention",
        )
        if encoded.self_attention is not None:
            self.query_one("#self-title", Title).set(
                "Self-attention softmax(QKᵀ/√E) over encoder states (rows: queries)",
                "Self-attention (rows: queries)",
                "Self-attention",
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
        self.query_one("#scores-title", Title).set(
            f"Scores e_tj ({config.attention}) → α_tj this step{extent}",
            f"e_tj ({config.attention}) → α_tj{extent}",
            f"e_tj → α_tj{extent}",
        )
        self.query_one("#scores", ScoreTable).show(
            shown,
            "no attention: no scores" if config.attention == "none" else "no step yet",
        )
        self.query_one("#beam-title", Title).set(
            f"Beam search, width {self.beam_width}, step {s.position} · ■ ended",
            f"Beam, width {self.beam_width}, step {s.position} · ■ ended",
        )
        self.query_one("#beam", BeamTable).show(
            s.beam_step(),
            self.translator.target_text,
            "searching…" if s.beam is None else "step the decoder (→)",
        )

    # --- actions ---------------------------------------------------------------------
    def action_step(self) -> None:
        if self.session.step():
            self.redraw()

    def action_back(self) -> None:
        if self.session.back():
            self.redraw()

    def action_to_end(self) -> None:
        self.session.run_to_end()
        self.redraw()

    def action_reset(self) -> None:
        self.session.set_source(self.session.source)
        self.redraw()
        self.search_beam()

    def action_beam_width(self) -> None:
        self.beam_index = (self.beam_index + 1) % len(BEAM_WIDTHS)
        self.session.beam = None
        self.redraw()
        self.search_beam()

    def action_source(self) -> None:
        self.app.push_screen(
            AskScreen(
                "Source sentence to translate",
                "The encoder reads it at once; → then steps the decoder.",
                self.session.source,
            ),
            lambda value: self.answer("source", value),
        )

    def action_force_prefix(self) -> None:
        self.app.push_screen(
            AskScreen(
                "What-if: the output must start with…",
                "These tokens are fed to the decoder as if chosen; u undoes.",
            ),
            lambda value: self.answer("prefix", value),
        )

    def action_attend_one(self) -> None:
        if self.translator.config.attention == "none" or self.session.position == 0:
            self.notify("step the decoder of an attention model first", severity="warning")
            return
        last = len(self.session.source_tokens()) - 1
        self.app.push_screen(
            AskScreen(
                f"What-if: at step {self.session.position}, put all attention on source "
                f"position (0–{last})",
                "α becomes one-hot on that token; the rest of the output follows; u undoes.",
            ),
            lambda value: self.answer("attend", value),
        )

    def action_undo_what_if(self) -> None:
        self.session.clear_what_if()
        self.redraw()

    def answer(self, question: str, value: str | None) -> None:
        """What the user typed for `question` (None: cancelled)."""
        if value is None:
            return
        value = value.strip()
        if question == "prefix":
            self.session.force_prefix(value)
        elif question == "attend":
            last = len(self.session.source_tokens()) - 1
            if not value.isdigit() or int(value) > last:
                self.notify(f"expected a source position 0–{last}", severity="error")
                return
            self.session.override_attention(self.session.position - 1, int(value))
        elif value:
            try:
                self.session.set_source(value)
            except UserError as error:
                self.notify(str(error), title="Source not read", severity="error", timeout=12)
                return
            self.search_beam()
        self.redraw()
