"""The language-model view: step a model token by token and watch every number."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from rnn_tui.engine.lm import LanguageModel
from rnn_tui.session.display import token_label
from rnn_tui.session.equations import unit_equations
from rnn_tui.session.lm import LanguageModelSession
from rnn_tui.tui.pace import STEP_BUDGET, Pace, tick_interval
from rnn_tui.tui.plain import plain
from rnn_tui.tui.widgets.lm.equation import EquationPanel
from rnn_tui.tui.widgets.lm.gates import GatePanel
from rnn_tui.tui.widgets.lm.heatmap import StateHeatmap
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.lm.token_strip import TokenStrip
from rnn_tui.tui.widgets.lm.unrolled import UnrolledView

HEATMAP_STEPS = 120
STRIP_TOKENS = 1500
TOP_K_SHOWN = 8
UNROLLED_STEPS = 4
TOP_K_CHOICES = (1, 3, 5, 10, 20, 40, 0)  # fewest first; 0 (all tokens) is the most
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def set_title(widget: Static, text: str) -> None:
    """Update a one-line title; lay out again only if its length (so its wrapping) changed."""
    previous = getattr(widget, "_title_text", None)
    widget._title_text = text  # type: ignore[attr-defined]
    widget.update(text, layout=previous is None or len(previous) != len(text))


class LanguageModelScreen(Screen):
    """Keys act on the session; after each change every panel is redrawn from it."""

    BINDINGS = [
        Binding("right,space", "step", "Step"),
        Binding("left", "back", "Back"),
        Binding("a", "autoplay", "Play"),
        Binding("m", "toggle_mode", "Mode"),
        Binding("p", "prompt", "Prompt"),
        Binding("f", "force", "Type"),
        Binding("r", "reset", "Reset", show=False),
        Binding("plus,equals_sign", "faster", "Faster", show=False),
        Binding("minus", "slower", "Slower", show=False),
        Binding("t", "temperature(0.8)", "Colder", show=False),
        Binding("T", "temperature(1.25)", "Hotter", show=False),
        Binding("k", "top_k(-1)", "Fewer top-k", show=False),
        Binding("K", "top_k(1)", "More top-k", show=False),
        Binding("left_square_bracket", "layer(-1)", "Layer down", show=False),
        Binding("right_square_bracket", "layer(1)", "Layer up", show=False),
        Binding("comma", "unit(-1)", "Unit −1", show=False),
        Binding("full_stop", "unit(1)", "Unit +1", show=False),
        Binding("less_than_sign", "unit(-10)", "Unit −10", show=False),
        Binding("greater_than_sign", "unit(10)", "Unit +10", show=False),
        Binding("c", "toggle_cell_state", "Hidden/cell", show=False),
        Binding("u", "neurons", "Neurons"),
        Binding("escape", "close_input", "Close input", show=False),
    ]

    def __init__(
        self,
        model: LanguageModel,
        path: Path,
        prompt: str = "",
        session: LanguageModelSession | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.path = path
        if session is None:
            session = LanguageModelSession(model)
            session.reset(prompt)
        self.session = session  # kept by the app when another model is shown
        self.chosen_layer = model.config.num_layers - 1
        self.chosen_unit = 0
        self.show_cell_state = False
        self.speed_index = 4
        self.input_purpose = ""
        self._playing = False
        self._timer: Timer | None = None
        self._pace: Pace | None = None
        self.clock = time.monotonic  # autoplay's clock; tests replace it

    # --- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="lm-body"):
            with VerticalScroll(id="lm-left"):
                yield Static("Text · surprisal −log p: green low … red high", classes="title")
                yield TokenStrip(id="strip")
                yield Static(id="heatmap-title", classes="title")
                yield StateHeatmap(id="heatmap")
                yield Static(id="equation-title", classes="title")
                yield EquationPanel(id="equation")
                yield Static(id="unrolled-title", classes="title unrolled")
                yield UnrolledView(id="unrolled", classes="unrolled")
            with Vertical(id="lm-right"):
                yield Static("Next token", classes="title")
                yield NextTokenBars(id="next")
                yield Static(id="gates-title", classes="title")
                yield GatePanel(id="gates")
        yield Input(id="lm-input")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lm-input", Input).display = False
        self._timer = self.set_interval(
            tick_interval(SPEEDS[self.speed_index]), self._autoplay_tick, pause=True
        )
        self.refresh_view()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32 or self.size.width < 100, "compact")

    # --- drawing ---------------------------------------------------------------------

    def status_line(self) -> str:
        config = self.model.config
        s = self.session
        mode = (
            "argmax" if s.mode == "argmax" else f"sample T={s.temperature:.2f} k={s.top_k or 'all'}"
        )
        play = f"▶ {SPEEDS[self.speed_index]}/s" if self._playing else "⏸"
        return (  # what changes most comes first, so an 80-column terminal still shows it
            f"{plain(self.path.stem)} · {config.cell.upper()} "
            f"{config.num_layers}×{config.hidden_size} · "
            f"t={s.position} · {play} · {mode} · "
            f"layer {self.chosen_layer + 1}/{config.num_layers} · unit {self.chosen_unit}"
        )

    def refresh_view(self) -> None:
        if not self.is_attached:  # a key or tick that reached a view being replaced
            return
        s = self.session
        tokenizer = self.model.tokenizer
        config = self.model.config
        self.query_one("#status", Static).update(self.status_line(), layout=False)
        first = max(1, len(s.tokens) - STRIP_TOKENS)
        pieces = [tokenizer.token_text(t) for t in s.tokens[first:]]
        separator = " " if tokenizer.kind == "word" else ""
        self.query_one("#strip", TokenStrip).show(pieces, s.surprisals[first:], separator)

        self.query_one("#next", NextTokenBars).show(s.next_tokens(TOP_K_SHOWN), None)

        traces = s.recent_traces(HEATMAP_STEPS)
        layer_now = s.current.layers[self.chosen_layer]
        previous = s.trace_at(s.position - 1).layers[self.chosen_layer] if s.position > 0 else None
        use_c = self.show_cell_state and layer_now.c is not None
        name = (
            "cell state c"
            if use_c
            else ("hidden state h" if config.cell != "ffnn" else "MLP activation a")
        )
        columns = [
            (t.layers[self.chosen_layer].c if use_c else t.layers[self.chosen_layer].h)
            for t in traces
        ]
        matrix = np.stack(columns, axis=1)  # (units, steps)
        scale = float(max(1.0, np.abs(matrix).max())) if use_c else 1.0
        set_title(
            self.query_one("#heatmap-title", Static),
            f"{name}, layer {self.chosen_layer + 1}: units × last {matrix.shape[1]} steps, "
            f"blue −{scale:.3g} … red +{scale:.3g}",
        )
        self.query_one("#heatmap", StateHeatmap).show(matrix, self.chosen_unit, scale)

        set_title(
            self.query_one("#equation-title", Static),
            f"Equations of unit {self.chosen_unit}, layer {self.chosen_layer + 1}, this step",
        )
        token = token_label(tokenizer.token_text(s.tokens[-1]))
        source = (
            f"x_t = E[{token}]"
            if self.chosen_layer == 0
            else (f"x_t = h_t of layer {self.chosen_layer} (read {token})")
        )
        self.query_one("#equation", EquationPanel).show(
            source,
            unit_equations(config.cell, self.chosen_unit, layer_now, previous),
        )
        set_title(self.query_one("#gates-title", Static), f"Gates, layer {self.chosen_layer + 1}")
        gates = self.query_one("#gates", GatePanel)
        spark_width = gates.size.width - 24 if gates.size.width else 12
        gates.show(layer_now, self.chosen_unit, spark_width=max(4, spark_width))

        recent = traces[-UNROLLED_STEPS:]
        steps = range(s.position - len(recent) + 1, s.position + 1)
        set_title(
            self.query_one("#unrolled-title", Static),
            f"Unrolled: the same U, W, V at every step; each box is h_t[{self.chosen_unit}] "
            f"of layer {self.chosen_layer + 1}",
        )
        self.query_one("#unrolled", UnrolledView).show(
            inputs=[tokenizer.token_text(s.tokens[k]) for k in steps],
            outputs=[tokenizer.token_text(int(np.argmax(t.probs))) for t in recent],
            values=[float(t.layers[self.chosen_layer].h[self.chosen_unit]) for t in recent],
        )

    # --- actions ---------------------------------------------------------------------

    def action_step(self) -> None:
        self.session.advance()
        self.refresh_view()

    def action_back(self) -> None:
        if self.session.back():
            self.refresh_view()

    def action_reset(self) -> None:
        self.session.reset()
        self.refresh_view()

    def action_toggle_mode(self) -> None:
        self.session.mode = "argmax" if self.session.mode == "sample" else "sample"
        self.refresh_view()

    def action_temperature(self, factor: float) -> None:
        s = self.session
        s.set_sampling(min(5.0, max(0.05, s.temperature * factor)), s.top_k)
        self.refresh_view()

    def action_top_k(self, direction: int) -> None:
        s = self.session
        index = TOP_K_CHOICES.index(s.top_k) if s.top_k in TOP_K_CHOICES else len(TOP_K_CHOICES) - 1
        index = min(len(TOP_K_CHOICES) - 1, max(0, index + direction))
        s.set_sampling(s.temperature, TOP_K_CHOICES[index])
        self.refresh_view()

    def action_layer(self, direction: int) -> None:
        self.chosen_layer = (self.chosen_layer + direction) % self.model.config.num_layers
        self.refresh_view()

    def action_unit(self, delta: int) -> None:
        self.chosen_unit = (self.chosen_unit + delta) % self.model.config.hidden_size
        self.refresh_view()

    def action_toggle_cell_state(self) -> None:
        if self.model.config.cell == "lstm":
            self.show_cell_state = not self.show_cell_state
            self.refresh_view()
        else:
            self.notify("only an LSTM has a cell state c", severity="warning")

    def action_autoplay(self) -> None:
        self._playing = not self._playing
        assert self._timer is not None
        if self._playing:
            self._pace = Pace(SPEEDS[self.speed_index], self.clock())
            self._timer.resume()
        else:
            self._timer.pause()
        self.refresh_view()

    def _set_speed(self, index: int) -> None:
        self.speed_index = min(len(SPEEDS) - 1, max(0, index))
        assert self._timer is not None
        self._timer.stop()
        self._pace = Pace(SPEEDS[self.speed_index], self.clock())
        self._timer = self.set_interval(
            tick_interval(SPEEDS[self.speed_index]), self._autoplay_tick, pause=not self._playing
        )
        self.refresh_view()

    def action_faster(self) -> None:
        self._set_speed(self.speed_index + 1)

    def action_slower(self) -> None:
        self._set_speed(self.speed_index - 1)

    def _autoplay_tick(self) -> None:
        """Step every token due at the chosen speed, then draw once (see `tui.pace`)."""
        if self._pace is None:
            return
        now = self.clock()
        due = self._pace.due(now)
        for _ in range(due):
            self.session.advance()
            if self.clock() - now > STEP_BUDGET:
                break  # the tokens left are dropped: too slow for this speed
        if due:
            self.refresh_view()

    def _open_input(self, purpose: str, placeholder: str) -> None:
        self.input_purpose = purpose
        box = self.query_one("#lm-input", Input)
        box.placeholder = placeholder
        box.value = ""
        box.display = True
        box.focus()

    def action_prompt(self) -> None:
        self._open_input(
            "prompt", "prompt: the model restarts and reads this text (Enter; Esc cancels)"
        )

    def action_force(self) -> None:
        self._open_input("force", "type the next token(s): fed as if chosen (Enter; Esc cancels)")

    def action_close_input(self) -> None:
        box = self.query_one("#lm-input", Input)
        box.display = False
        self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.replace("\\n", "\n")
        if self.input_purpose == "prompt":
            self.session.reset(text)
        elif text:
            self.session.type_text(text)
        self.action_close_input()
        self.refresh_view()

    def action_neurons(self) -> None:
        """Open the neuron view on the text read so far, at the chosen layer and unit."""
        from rnn_tui.errors import UserError
        from rnn_tui.tui.screens.neuron_view import NeuronScreen

        text = self.session.text()
        if not text:
            self.notify("read some text first (p types a prompt)", severity="warning")
            return
        try:
            screen = NeuronScreen(self.model, self.path, text)
        except UserError as error:
            self.notify(str(error), severity="error")
            return
        screen.session.layer, screen.session.unit = self.chosen_layer, self.chosen_unit
        self.app.push_screen(screen)
