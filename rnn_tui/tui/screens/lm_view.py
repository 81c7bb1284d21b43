"""The language-model view: step a model token by token and watch every number."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import get_current_worker

from rnn_tui.engine.lm import LanguageModel
from rnn_tui.session.display import token_label
from rnn_tui.session.equations import unit_equations
from rnn_tui.session.lm import LanguageModelSession, units_by_activity
from rnn_tui.tui.pace import READ_AT_ONCE, STEP_BUDGET, Pace, tick_interval
from rnn_tui.tui.palette import surprisal_ends
from rnn_tui.tui.plain import model_title
from rnn_tui.tui.redraw import Redraw
from rnn_tui.tui.screens.ask import AskScreen
from rnn_tui.tui.widgets.footer import ViewFooter
from rnn_tui.tui.widgets.lm.equation import EquationPanel
from rnn_tui.tui.widgets.lm.gates import GatePanel
from rnn_tui.tui.widgets.lm.heatmap import StateHeatmap
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.lm.token_strip import TokenStrip
from rnn_tui.tui.widgets.lm.trajectory import TrajectoryPlot
from rnn_tui.tui.widgets.lm.unrolled import UnrolledView
from rnn_tui.tui.widgets.title import Title

HEATMAP_STEPS = 256  # as many as the session keeps; the heatmap draws the latest that fit
STRIP_TOKENS = 1500
TOP_K_SHOWN = 8
UNROLLED_STEPS = 4
TOP_K_CHOICES = (1, 3, 5, 10, 20, 40, 0)  # fewest first; 0 (all tokens) is the most
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
TRAJECTORY_EVERY = 0.25  # s between PCA updates while autoplaying (an eigh per update)


class LanguageModelScreen(Screen):
    composed = False  # True from on_mount: a draw asked for earlier is left to on_mount
    """Keys change the session and post a `Redraw`; every panel is drawn from the session."""

    BINDINGS = [
        Binding(
            "right,space",
            "step",
            "Step",
            key_display="→",
            tooltip="read one more token: the model chooses it (Mode) and every panel updates",
        ),
        Binding(
            "left",
            "back",
            "Back",
            show=False,
            tooltip="undo the last token",
        ),
        Binding(
            "a",
            "autoplay",
            "Play",
            tooltip="keep stepping on its own; + and - change the speed",
        ),
        Binding(
            "m",
            "toggle_mode",
            "Mode",
            tooltip="switch between sampling from p and always taking the likeliest token (argmax)",
        ),
        Binding(
            "p",
            "prompt",
            "Prompt",
            tooltip="start again from <bos> and read a text of your own",
        ),
        Binding(
            "f",
            "force",
            "Type",
            show=False,
            tooltip="feed tokens you type, as if the model had chosen them (teacher forcing)",
        ),
        Binding(
            "r",
            "reset",
            "Reset",
            show=False,
            tooltip="start again from <bos> and read the prompt again",
        ),
        Binding(
            "plus,equals_sign",
            "faster",
            "Faster",
            show=False,
            tooltip="autoplay faster (up to 1,000 tokens a second)",
        ),
        Binding(
            "minus",
            "slower",
            "Slower",
            show=False,
            tooltip="autoplay slower",
        ),
        Binding(
            "t",
            "temperature(0.8)",
            "Colder",
            show=False,
            tooltip="lower the temperature T: sharper, safer choices",
        ),
        Binding(
            "T",
            "temperature(1.25)",
            "Hotter",
            show=False,
            tooltip="raise the temperature T: flatter, more surprising choices",
        ),
        Binding(
            "k",
            "top_k(-1)",
            "Fewer top-k",
            show=False,
            tooltip="sample among fewer of the likeliest tokens (top-k: 40, 20 … 1)",
        ),
        Binding(
            "K",
            "top_k(1)",
            "More top-k",
            show=False,
            tooltip="sample among more of the likeliest tokens (… 40, then all)",
        ),
        Binding(
            "left_square_bracket",
            "layer(-1)",
            "Layer down",
            show=False,
            tooltip="look at the layer below (nearer the input)",
        ),
        Binding(
            "right_square_bracket",
            "layer(1)",
            "Layer up",
            show=False,
            tooltip="look at the layer above (nearer the output)",
        ),
        Binding(
            "comma",
            "unit(-1)",
            "Unit −1",
            show=False,
            tooltip="choose the previous unit (the equations and boxes follow it)",
        ),
        Binding(
            "full_stop",
            "unit(1)",
            "Unit +1",
            show=False,
            tooltip="choose the next unit",
        ),
        Binding(
            "less_than_sign",
            "unit(-10)",
            "Unit −10",
            show=False,
            tooltip="choose the unit 10 before",
        ),
        Binding(
            "greater_than_sign",
            "unit(10)",
            "Unit +10",
            show=False,
            tooltip="choose the unit 10 after",
        ),
        Binding(
            "pageup",
            "unit_page(-1)",
            "Units page up",
            show=False,
            tooltip="the heatmap's previous page of units",
        ),
        Binding(
            "pagedown",
            "unit_page(1)",
            "Units page down",
            show=False,
            tooltip="the heatmap's next page of units",
        ),
        Binding(
            "s",
            "toggle_order",
            "Busiest units first",
            show=False,
            tooltip="heatmap rows: busiest units first (mean |value|), or in index order",
        ),
        Binding(
            "c",
            "toggle_cell_state",
            "Hidden/cell",
            show=False,
            tooltip="LSTM: show the cell state c_t instead of the hidden state h_t",
        ),
        Binding(
            "u",
            "neurons",
            "Neurons",
            tooltip="open the chosen unit in the neuron view: what it fires on",
        ),
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
            session.reset(prompt if len(prompt) <= READ_AT_ONCE else "")
        self.long_prompt = prompt if len(prompt) > READ_AT_ONCE else ""
        self.session = session  # kept by the app when another model is shown
        self.chosen_layer = model.config.num_layers - 1
        self.chosen_unit = 0
        self.show_cell_state = False
        self.busiest_first = False
        self.unit_order = np.arange(model.config.hidden_size)
        self.speed_index = 4
        # A long text being read in a worker: (what it is, characters done, characters).
        self.reading: tuple[str, int, int] | None = None
        self._playing = False
        self._timer: Timer | None = None
        self._pace: Pace | None = None
        self.clock = time.monotonic  # autoplay's clock; tests replace it
        self._trajectory_drawn = -math.inf

    # --- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="lm-body"):
            with Vertical(id="lm-left"):
                low, high = surprisal_ends(self.app.no_color)
                yield Title(
                    f"Text read · surprisal −log p: {low} low … {high} high",
                    f"Text read · −log p: {low} low … {high} high",
                    f"−log p: {low} low … {high} high",
                    f"−log p: {low} → {high}",
                )
                yield TokenStrip(id="strip")
                yield Title(id="heatmap-title")
                yield StateHeatmap(id="heatmap")
                yield Title(id="equation-title")
                yield EquationPanel(id="equation")
                yield Title(id="unrolled-title", classes="unrolled")
                yield UnrolledView(id="unrolled", classes="unrolled")
            with Vertical(id="lm-right"):
                yield Title("Next token")
                yield NextTokenBars(id="next")
                yield Title(id="gates-title")
                yield GatePanel(id="gates")
                yield Title(id="trajectory-title", classes="trajectory")
                yield TrajectoryPlot(id="trajectory", classes="trajectory")
        yield ViewFooter()

    def on_mount(self) -> None:
        self.composed = True  # its widgets exist: drawing can start
        self._timer = self.set_interval(
            tick_interval(SPEEDS[self.speed_index]), self._autoplay_tick, pause=True
        )
        self.refresh_view()
        if self.long_prompt:
            self.start_reading(self.long_prompt)

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32 or self.size.width < 100, "compact")

    def redraw(self) -> None:
        self.post_message(Redraw())

    def on_redraw(self, _: Redraw) -> None:
        self.refresh_view()

    # --- drawing ---------------------------------------------------------------------

    def status_line(self) -> str:
        config = self.model.config
        s = self.session
        mode = (
            "argmax" if s.mode == "argmax" else f"sample T={s.temperature:.2f} k={s.top_k or 'all'}"
        )
        if self.reading is not None:
            what, done, total = self.reading
            return f"reading {what}: {done:,} of {total:,} characters… · {model_title(self.path)}"
        play = f"playing {SPEEDS[self.speed_index]}/s" if self._playing else "paused"
        return (  # what changes most comes first, so an 80-column terminal still shows it
            f"t={s.position} · {play} · {mode} · "
            f"layer {self.chosen_layer + 1}/{config.num_layers} · unit {self.chosen_unit} · "
            f"{model_title(self.path)} · {config.cell.upper()} "
            f"{config.num_layers}×{config.hidden_size}"
        )

    def refresh_view(self) -> None:
        if not (self.is_attached and self.composed):  # a view being built or replaced
            return
        s = self.session
        tokenizer = self.model.tokenizer
        config = self.model.config
        self.query_one("#status", Static).update(self.status_line(), layout=False)
        self.query_one("#strip", TokenStrip).show(*s.text_pieces(STRIP_TOKENS))

        self.query_one("#next", NextTokenBars).show(s.next_tokens(TOP_K_SHOWN), None)

        traces = s.recent_traces(HEATMAP_STEPS)
        layer_now = s.current.layers[self.chosen_layer]
        previous = s.trace_at(s.position - 1).layers[self.chosen_layer] if s.position > 0 else None
        use_c = self.show_cell_state and layer_now.c is not None
        name = (
            "cell state c_t"
            if use_c
            else ("hidden state h_t" if config.cell != "ffnn" else "MLP activation a")
        )
        columns = [
            (t.layers[self.chosen_layer].c if use_c else t.layers[self.chosen_layer].h)
            for t in traces
        ]
        matrix = np.stack(columns, axis=1)  # (units, steps)
        scale = float(max(1.0, np.abs(matrix).max())) if use_c else 1.0
        heatmap = self.query_one("#heatmap", StateHeatmap)
        self.unit_order = (
            units_by_activity(matrix[:, -heatmap.steps_shown()[1] or None :])
            if self.busiest_first
            else np.arange(config.hidden_size)
        )
        order = (
            "busiest first (mean |value| over the steps shown)"
            if self.busiest_first
            else "s: busiest first"
        )
        named = f"{name[0].upper()}{name[1:]}, layer {self.chosen_layer + 1}"
        self.query_one("#heatmap-title", Title).set(
            f"{named} · {order}",
            f"{named} · busiest first" if self.busiest_first else named,
            f"{name.split()[-1]}, layer {self.chosen_layer + 1}",
        )
        heatmap.show(matrix, self.chosen_unit, scale, self.unit_order, s.position - len(traces) + 1)

        self.query_one("#equation-title", Title).set(
            f"Equations of unit {self.chosen_unit}, layer {self.chosen_layer + 1}, this step",
            f"Unit {self.chosen_unit}, layer {self.chosen_layer + 1}, this step",
            f"Unit {self.chosen_unit}, layer {self.chosen_layer + 1}",
        )
        token = token_label(tokenizer.token_text(s.tokens[-1]))
        source = (
            f"x_t = E[{token}]"
            if self.chosen_layer == 0
            else (f"x_t = h_t of layer {self.chosen_layer} (read {token})")
        )
        self.query_one("#equation", EquationPanel).show(
            source,
            unit_equations(
                config.cell, self.chosen_unit, layer_now, previous, nonlinearity=config.nonlinearity
            ),
            unit_equations(
                config.cell,
                self.chosen_unit,
                layer_now,
                previous,
                short=True,
                nonlinearity=config.nonlinearity,
            ),
        )
        self.query_one("#gates-title", Title).set(f"Gates this step, layer {self.chosen_layer + 1}")
        self.query_one("#gates", GatePanel).show(layer_now, self.chosen_unit)

        trajectory_layer = self.chosen_layer
        self.query_one("#trajectory-title", Title).set(
            f"Path of h_t, PCA to 2-D (layer {trajectory_layer + 1})",
            f"Path of h_t, PCA (layer {trajectory_layer + 1})",
        )
        now = self.clock()
        if not self._playing or now - self._trajectory_drawn >= TRAJECTORY_EVERY:
            self._trajectory_drawn = now  # its caption names the steps it covers
            self.query_one("#trajectory", TrajectoryPlot).show(s.trajectory(trajectory_layer))

        recent = traces[-UNROLLED_STEPS:]
        steps = range(s.position - len(recent) + 1, s.position + 1)
        self.query_one("#unrolled-title", Title).set(
            f"Unrolled: the same U, W, V at every step; each box is h_t[{self.chosen_unit}] "
            f"of layer {self.chosen_layer + 1}",
            f"Unrolled: boxes are h_t[{self.chosen_unit}] of layer {self.chosen_layer + 1}",
        )
        self.query_one("#unrolled", UnrolledView).show(
            inputs=[tokenizer.token_text(s.tokens[k]) for k in steps],
            outputs=[tokenizer.token_text(int(np.argmax(t.probs))) for t in recent],
            values=[float(t.layers[self.chosen_layer].h[self.chosen_unit]) for t in recent],
        )

    # --- actions ---------------------------------------------------------------------

    def action_step(self) -> None:
        self.session.advance()
        self.redraw()

    def action_back(self) -> None:
        if self.session.back():
            self.redraw()

    def action_reset(self) -> None:
        self.session.reset()
        self.redraw()

    def action_toggle_mode(self) -> None:
        self.session.mode = "argmax" if self.session.mode == "sample" else "sample"
        self.redraw()

    def action_temperature(self, factor: float) -> None:
        s = self.session
        s.set_sampling(min(5.0, max(0.05, s.temperature * factor)), s.top_k)
        self.redraw()

    def action_top_k(self, direction: int) -> None:
        s = self.session
        index = TOP_K_CHOICES.index(s.top_k) if s.top_k in TOP_K_CHOICES else len(TOP_K_CHOICES) - 1
        index = min(len(TOP_K_CHOICES) - 1, max(0, index + direction))
        s.set_sampling(s.temperature, TOP_K_CHOICES[index])
        self.redraw()

    def action_layer(self, direction: int) -> None:
        self.chosen_layer = (self.chosen_layer + direction) % self.model.config.num_layers
        self.redraw()

    def action_unit(self, delta: int) -> None:
        """Move through the units in the order the heatmap draws them."""
        order = self.unit_order
        position = int(np.flatnonzero(order == self.chosen_unit)[0])
        self.chosen_unit = int(order[(position + delta) % len(order)])
        self.redraw()

    def action_unit_page(self, direction: int) -> None:
        self.action_unit(direction * self.query_one("#heatmap", StateHeatmap).units_per_page())

    def action_toggle_order(self) -> None:
        self.busiest_first = not self.busiest_first
        self.redraw()

    def action_toggle_cell_state(self) -> None:
        if self.model.config.cell == "lstm":
            self.show_cell_state = not self.show_cell_state
            self.redraw()
        else:
            self.notify("only an LSTM has a cell state c", severity="warning")

    def action_autoplay(self) -> None:
        if self._timer is None:  # a key that reached this view before it was mounted
            return
        self._playing = not self._playing
        if self._playing:
            self._pace = Pace(SPEEDS[self.speed_index], self.clock())
            self._timer.resume()
        else:
            self._timer.pause()
        self.redraw()

    def _set_speed(self, index: int) -> None:
        if self._timer is None:
            return
        self.speed_index = min(len(SPEEDS) - 1, max(0, index))
        self._timer.stop()
        self._pace = Pace(SPEEDS[self.speed_index], self.clock())
        self._timer = self.set_interval(
            tick_interval(SPEEDS[self.speed_index]), self._autoplay_tick, pause=not self._playing
        )
        self.redraw()

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
            self.redraw()

    def action_prompt(self) -> None:
        self.app.push_screen(
            AskScreen(
                "Prompt: the model starts again from <bos> and reads this text",
                value=self.session.prompt,
                newlines=True,
            ),
            self.read_prompt,
        )

    def read_prompt(self, text: str | None) -> None:
        if text is not None:
            self.start_reading(text)

    def start_reading(self, prompt: str) -> None:
        """Read `prompt` from `<bos>` at once if short, else in a worker that shows its
        progress."""
        if len(prompt) <= READ_AT_ONCE:
            self.session.reset(prompt)
            self.redraw()
        else:
            self.reading = ("the prompt", 0, len(prompt))
            self.read_in_background(prompt, typed=False)

    @work(thread=True, exclusive=True, group="prompt")
    def read_in_background(self, text: str, typed: bool) -> None:
        """A copy of the session reads `text`, as the prompt from `<bos>` or (`typed`) fed
        after what it has read; it replaces the shown one when done."""
        worker = get_current_worker()
        old = self.session
        if typed:
            fresh = old.copy()
            read = fresh.type_text
        else:
            fresh = LanguageModelSession(self.model, seed=old.seed)
            fresh.mode = old.mode
            fresh.set_sampling(old.temperature, old.top_k)
            read = fresh.reset
        what = "the typed text" if typed else "the prompt"

        def progress(done: int, total: int) -> bool:
            self.app.call_from_thread(self._show_reading, what, done, total)
            return not worker.is_cancelled

        if read(text, progress=progress):
            self.app.call_from_thread(self._reading_done, fresh)

    def _show_reading(self, what: str, done: int, total: int) -> None:
        self.reading = (what, done, total)
        if self.is_attached:
            self.query_one("#status", Static).update(self.status_line(), layout=False)

    def _reading_done(self, session: LanguageModelSession) -> None:
        self.session, self.reading = session, None
        self.redraw()

    def action_force(self) -> None:
        self.app.push_screen(
            AskScreen(
                "Type the next token(s): each is fed as if the model had chosen it",
                "The model's p of each is kept as its surprisal.",
                newlines=True,
            ),
            self.force_tokens,
        )

    def force_tokens(self, text: str | None) -> None:
        """Feed `text` at once if short, else in a worker that shows its progress."""
        if not text:
            return
        if len(text) <= READ_AT_ONCE:
            self.session.type_text(text)
            self.redraw()
        else:
            self.reading = ("the typed text", 0, len(text))
            self.read_in_background(text, typed=True)

    async def action_neurons(self) -> None:
        """Open the neuron view on the text read so far, at the chosen layer and unit
        (the app builds it: views do not import one another)."""
        text = self.session.text()
        if not text:
            self.notify("read some text first (p types a prompt)", severity="warning")
            return
        await self.app.run_action(f"neurons({self.chosen_layer}, {self.chosen_unit})")
