"""The neuron view: a text coloured by one unit's activation; find units; clamp them (what-if)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.probing import Activations, UnitScore, WhatIf, read_activations
from rnn_tui.errors import UserError
from rnn_tui.session.display import token_label
from rnn_tui.session.neurons import (
    MAX_TEXT_CHARACTERS,
    Context,
    NeuronSession,
    Selection,
    checked_clamp,
    corpus_slice,
)
from rnn_tui.text_safety import visible
from rnn_tui.tui.palette import diverging_ends
from rnn_tui.tui.plain import model_title
from rnn_tui.tui.screens.ask import AskScreen
from rnn_tui.tui.widgets.footer import ViewFooter
from rnn_tui.tui.widgets.neurons import ActivationText
from rnn_tui.tui.widgets.title import Title

TOP_SHOWN = 5


FOUND_NOTHING_YET = Text(
    "none yet: / and a pattern ranks the units that tell the tokens inside it from those outside",
    style="dim",
)


class StopReading(Exception):
    """A cancelled worker's progress report ends its reading there."""


class NeuronScreen(Screen):
    composed = False  # True from on_mount: a draw asked for earlier is left to on_mount
    AUTO_FOCUS = ""  # the found-units list takes focus only once it has units (its keys)
    BINDINGS = [
        Binding(
            "right",
            "cursor(1)",
            "Cursor",
            key_display="→",
            tooltip="move the cursor one token right",
        ),
        Binding(
            "left",
            "cursor(-1)",
            "Cursor back",
            key_display="←",
            show=False,
            tooltip="move the cursor one token left",
        ),
        Binding(
            "comma",
            "unit(-1)",
            "Unit−",
            show=False,  # the footer shows both keys as one entry (so that q fits at 80)
            tooltip="the previous unit",
        ),
        Binding(
            "full_stop",
            "unit(1)",
            "Unit",
            key_display=",.",
            tooltip="the next unit (, the previous)",
        ),
        Binding(
            "less_than_sign",
            "unit(-10)",
            "Unit −10",
            show=False,
            tooltip="the unit 10 before",
        ),
        Binding(
            "greater_than_sign",
            "unit(10)",
            "Unit +10",
            show=False,
            tooltip="the unit 10 after",
        ),
        Binding(
            "left_square_bracket",
            "layer(-1)",
            "Layer down",
            show=False,
            tooltip="the layer below",
        ),
        Binding(
            "right_square_bracket",
            "layer(1)",
            "Layer up",
            show=False,
            tooltip="the layer above",
        ),
        Binding(
            "c",
            "toggle_kind",
            "h/c",
            show=False,
            tooltip="LSTM: colour by the cell state c instead of h",
        ),
        Binding(
            "slash",
            "find",
            "Find",
            tooltip="find the units that tell apart text inside a pattern from text outside it",
        ),
        Binding(
            "z",
            "what_if",
            "What-if",
            tooltip="clamp the unit to a value from the cursor on; compare the next tokens",
        ),
        Binding(
            "p",
            "text",
            "Text",
            tooltip="read a text you type",
        ),
        Binding(
            "F",
            "file",
            "File",
            tooltip="read a text file (its first 5,000 characters)",
        ),
        Binding(
            "escape",
            "close",
            "Back",
            tooltip="back to the model",
        ),
        # The app's o and g, left out of this footer so that q fits at 80 columns (help
        # lists them with the app's keys).
        Binding(
            "o",
            "app.pick_model",
            "Models",
            show=False,
            tooltip="open another model: bundled or recent",
        ),
        Binding(
            "g",
            "app.gradient_lab",
            "Gradients",
            show=False,
            tooltip="the gradient lab: how far back the loss reaches (BPTT)",
        ),
    ]

    def __init__(self, model: LanguageModel, path: Path, text: str) -> None:
        super().__init__()
        self.model = model
        self.path = path
        self.session = NeuronSession(model, text)
        self.found: list[UnitScore] = []
        self.contexts: list[Context] = []
        self.last_what_if: WhatIf | None = None
        self._corpus_text: str | None = None  # the model's validation slice ("" if absent)
        self.reading_text = False  # a new text is being read in a worker

    def compose(self) -> ComposeResult:
        yield Static(id="neuron-status")
        with Horizontal(id="neuron-body"):
            with VerticalScroll(id="neuron-left"):
                yield Title(id="neuron-title")
                yield ActivationText(id="neuron-text")
                yield Title(id="whatif-title")
                yield Static(id="whatif")
            with VerticalScroll(id="neuron-right"):
                yield Title(
                    "Top contexts: where this unit is largest", "Where this unit is largest"
                )
                yield Static(id="contexts")
                yield Title("Units found (/ pattern; Enter opens one)", "Units found (Enter opens)")
                yield Static(FOUND_NOTHING_YET, id="found-note")
                yield OptionList(id="found")
        yield ViewFooter()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 100, "compact")

    def on_mount(self) -> None:
        self.composed = True  # its widgets exist: drawing can start
        self.query_one("#whatif-title").display = False
        self.query_one("#found").display = False  # until a search finds units
        self.refresh_view()
        self.load_contexts()

    # --- drawing ---------------------------------------------------------------------
    def refresh_view(self) -> None:
        if not (self.is_attached and self.composed):  # a view being built or replaced
            return
        s = self.session
        config = self.model.config
        assert s.activations is not None
        piece = token_label(s.activations.pieces[s.cursor])
        reading = "reading the new text… · " if self.reading_text else ""
        self.query_one("#neuron-status", Static).update(
            f"{reading}{model_title(self.path)} · layer {s.layer + 1}/{config.num_layers} · "
            f"{s.kind} · unit {s.unit} · cursor {s.cursor} {piece!r} = {s.value_at_cursor():+.3f}"
        )
        scale = s.scale()
        low, high = diverging_ends(self.app.no_color)
        ends = f"{low} −{scale:.3g} … {high} +{scale:.3g}"
        self.query_one("#neuron-title", Title).set(
            f"Unit {s.unit} ({s.kind}, layer {s.layer + 1}) after each token: {ends}",
            f"Unit {s.unit} ({s.kind}, layer {s.layer + 1}): {ends}",
            f"Unit {s.unit}: {ends}",
        )
        self.query_one("#neuron-text", ActivationText).show(
            s.activations.pieces, s.values(), scale, s.cursor
        )

    def _show_contexts(self, contexts: list[Context], source: str, selection: Selection) -> None:
        if selection != self.session.selection:
            return  # a unit chosen since; its own worker brings its contexts
        self.contexts = contexts
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{source}\n", style="dim")
        for context in contexts:
            shown = context.text.replace("\n", "⏎")
            text.append(f"{context.value:+.2f} ", style="bold")
            text.append(shown[: context.offset])
            text.append(shown[context.offset : context.offset + 1], style="bold reverse")
            text.append(shown[context.offset + 1 :] + "\n")
        self.query_one("#contexts", Static).update(text)

    # --- workers ---------------------------------------------------------------------
    def load_contexts(self) -> None:
        chosen = self.session.selection
        self.query_one("#contexts", Static).update(
            Text(f"finding where unit {chosen.unit} ({chosen.kind}) is largest…", style="dim")
        )
        self._find_contexts(chosen)

    def _show_progress(self, chosen: Selection, done: int, total: int) -> None:
        if chosen == self.session.selection and self.is_attached:
            self.query_one("#contexts", Static).update(
                Text(
                    f"finding where unit {chosen.unit} ({chosen.kind}) is largest: "
                    f"read {done:,} of {total:,} tokens…",
                    style="dim",
                )
            )

    @work(thread=True, exclusive=True, group="contexts")
    def _find_contexts(self, chosen: Selection) -> None:
        """Reads the corpus (seconds); stops at the next progress report once cancelled
        (another unit chosen, the view closed, the app quitting: it waits for this thread)."""
        worker = get_current_worker()
        if self._corpus_text is None:
            self._corpus_text = corpus_slice(self.model) or ""
        corpus = self._corpus_text
        source = "validation slice" if corpus else "this text (the model's corpus is not here)"

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise StopReading
            self.app.call_from_thread(self._show_progress, chosen, done, total)

        try:
            contexts = self.session.top_contexts(
                corpus or self.session.text, chosen, progress=progress
            )
        except StopReading:
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_contexts, contexts, source, chosen)

    @work(thread=True, exclusive=True, group="find")
    def find_units(self, pattern: str) -> None:
        try:
            found = self.session.find_units(pattern)
        except UserError as error:
            self.app.call_from_thread(self._show_find_error, str(error))
            return
        self.app.call_from_thread(self._show_found, found)

    def _show_found(self, found: list[UnitScore]) -> None:
        self.found = found
        options = self.query_one("#found", OptionList)
        options.clear_options()
        options.add_options(
            Option(
                f"L{s.layer + 1} {s.kind} {s.unit:>4}  AUC {s.auc:.3f}  "
                f"in {s.mean_inside:+.2f} out {s.mean_outside:+.2f}"
            )
            for s in found
        )
        options.highlighted = 0 if found else None
        options.display = True
        self.query_one("#found-note", Static).display = False
        options.focus()

    def _show_find_error(self, message: str) -> None:
        """The search's one-line error stays where its units would be (and is notified)."""
        self.query_one("#found", OptionList).display = False
        note = self.query_one("#found-note", Static)
        note.update(Text(message, style="red"))
        note.display = True
        self.notify(message, severity="error")

    @work(thread=True, exclusive=True, group="what-if")
    def run_what_if(self, value: float) -> None:
        result = self.session.what_if(value)
        self.app.call_from_thread(self._show_what_if, value, result)

    def _show_what_if(self, value: float, result: WhatIf) -> None:
        self.last_what_if = result
        s, tokenizer = self.session, self.model.tokenizer
        title = self.query_one("#whatif-title", Title)
        title.display = True
        clamped = f"{value:+.3f} after token {s.cursor}"  # what a narrow panel must keep
        title.set(
            f"What-if: unit {s.unit} ({s.kind}, layer {s.layer + 1}) clamped to {clamped}",
            f"What-if: unit {s.unit} clamped to {clamped}",
            f"What-if: unit {s.unit} = {clamped}",
            f"unit {s.unit} = {clamped}",
        )
        text = Text()
        for label, probs, continuation in (
            ("as is  ", result.plain_probs, result.plain_continuation),
            ("clamped", result.clamped_probs, result.clamped_continuation),
        ):
            best = probs.argsort()[::-1][:TOP_SHOWN]
            tops = "  ".join(
                f"{token_label(tokenizer.token_text(int(i)))} {probs[i]:.2f}" for i in best
            )
            text.append(f"{label} next: {tops}\n", style="bold")
            text.append(f"        → {tokenizer.decode(continuation)!r}\n")
        self.query_one("#whatif", Static).update(text)

    # --- actions ---------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        self.session.move_cursor(delta)
        self.refresh_view()

    def action_unit(self, delta: int) -> None:
        self.session.move_unit(delta)
        self.refresh_view()
        self.load_contexts()

    def action_layer(self, delta: int) -> None:
        self.session.move_layer(delta)
        self.refresh_view()
        self.load_contexts()

    def action_toggle_kind(self) -> None:
        self.session.toggle_kind()
        self.refresh_view()
        self.load_contexts()

    def action_find(self) -> None:
        self.app.push_screen(
            AskScreen(
                "Find units: a regular expression marking spans of the text",
                r"Units whose value separates tokens inside from outside (AUC). "
                r"e.g. (?m)^.  or  \([^)]*\)",
            ),
            lambda value: self.answer("find", value),
        )

    def action_what_if(self) -> None:
        self.app.push_screen(
            AskScreen(
                f"What-if: clamp unit {self.session.unit} to this value from the cursor on",
                "A number, e.g. 0 or 1.5; the next tokens are compared with and without.",
            ),
            lambda value: self.answer("what-if", value),
        )

    def action_text(self) -> None:
        self.app.push_screen(
            AskScreen(
                "Text for the unit to read",
                f"Its first {MAX_TEXT_CHARACTERS:,} characters are read.",
                newlines=True,
            ),
            lambda value: self.answer("text", value),
        )

    def action_file(self) -> None:
        self.app.push_screen(
            AskScreen(
                "Path of a UTF-8 text file to read",
                f"Its first {MAX_TEXT_CHARACTERS:,} characters are read.",
            ),
            lambda value: self.answer("file", value),
        )

    def read_text(self, text: str) -> None:
        """The unit reads `text` (its first MAX_TEXT_CHARACTERS): in a worker, the view
        saying so until it is done; the text shown stays until then."""
        if len(text) > MAX_TEXT_CHARACTERS:
            self.notify(
                f"read the first {MAX_TEXT_CHARACTERS:,} of {len(text):,} characters", timeout=6
            )
        self.reading_text = True
        self.refresh_view()
        self.read_activations_of(text[:MAX_TEXT_CHARACTERS])

    @work(thread=True, exclusive=True, group="text")
    def read_activations_of(self, text: str) -> None:
        activations = read_activations(self.model, text)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._text_read, text, activations)

    def _text_read(self, text: str, activations: Activations) -> None:
        self.session.set_text(text, activations)
        self.reading_text = False
        self.refresh_view()

    def action_close(self) -> None:
        self.dismiss()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.session.choose(self.found[event.option_index])
        self.set_focus(None)
        self.refresh_view()
        self.load_contexts()

    def answer(self, question: str, value: str | None) -> None:
        """What the user typed for `question` (None: cancelled)."""
        if value is None:
            return
        try:
            if question == "find" and value:
                self.find_units(value)
            elif question == "what-if":
                self.run_what_if(checked_clamp(float(value or 0.0)))
            elif question == "text" and value:
                self.read_text(value)
            elif question == "file" and value:
                from rnn_tui.data.corpus import read_text_start

                self.read_text(read_text_start(Path(value), "file", MAX_TEXT_CHARACTERS))
        except ValueError:
            self.notify(f"expected a number, got {visible(value)!r}", severity="error")
        except UserError as error:
            self.notify(str(error), severity="error")
        self.refresh_view()
