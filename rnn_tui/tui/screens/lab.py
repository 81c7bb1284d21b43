"""The gradient lab: how much of one loss's gradient reaches each earlier step.

For the loss at position t it draws ‖∂L_t/∂h_k‖ for k = 0 … t on a log scale,
one row of bars per open recurrent model (an RNN next to an LSTM shows
vanishing gradients at a glance), the global norm before and after clipping,
and the two-step scalar example with its three paths. BPTT runs in a worker.
"""

from __future__ import annotations

import math
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.two_step import TwoStepInputs, two_step_lines, two_step_terms
from rnn_tui.session.display import token_label
from rnn_tui.session.gradients import GradientFlow, gradient_flow
from rnn_tui.tui.plain import model_title
from rnn_tui.tui.widgets.footer import ViewFooter
from rnn_tui.tui.widgets.lab.flow_bars import GradientFlowBars

LAB_TOKENS = 64
BAR_ROWS = (3, 8)  # the fewest and the most rows of bars a model's chart gets
CHART_FRAME_ROWS = 3  # its title, its axis of tokens and the blank line after


def bar_height(room: int, charts: int) -> int:
    """Rows of bars for each of `charts` models so that all of them fit in `room` rows
    (at 80×24 three models' charts stay above the fold), within BAR_ROWS."""
    fewest, most = BAR_ROWS
    return max(fewest, min(most, room // max(1, charts) - CHART_FRAME_ROWS))


CLIP_CHOICES = (None, 0.25, 1.0, 5.0)


class GradientLabScreen(Screen):
    BINDINGS = [
        Binding(
            "left",
            "position(-1)",
            "Earlier loss",
            key_display="←",
            priority=True,  # over the scrolling body, which would take ←/→ for itself
            tooltip="the gradient of an earlier step's loss",
        ),
        Binding(
            "right",
            "position(1)",
            "Later loss",
            key_display="→",
            priority=True,  # over the scrolling body, which would take ←/→ for itself
            tooltip="the gradient of a later step's loss",
        ),
        Binding(
            "c",
            "cycle_clip",
            "Clip threshold",
            tooltip="try another gradient-norm clipping threshold",
        ),
        Binding(
            "escape,g",
            "close",
            "Back",
            tooltip="back to the model",
        ),
    ]

    def __init__(self, models: list[tuple[Path, LanguageModel]], text: str) -> None:
        super().__init__()
        self.models = [(path, model) for path, model in models if model.is_recurrent]
        self.text = text
        self.position: int | None = None
        self.clip_index = 2
        self.flows: list[GradientFlow] = []

    def compose(self) -> ComposeResult:
        yield Static(id="lab-status")
        with VerticalScroll(id="lab-body"):
            for index in range(len(self.models)):
                yield GradientFlowBars(id=f"flow-{index}")
            yield Static(id="lab-clip")
            yield Static("Two-step example: ∂E/∂u as the sum of its paths", classes="title")
            inputs = TwoStepInputs()
            yield Static("\n".join(two_step_lines(inputs, two_step_terms(inputs))), id="two-step")
        yield ViewFooter()

    def on_mount(self) -> None:
        if not self.models:
            self.query_one("#lab-status", Static).update(
                "No recurrent model is open (ffnn has no BPTT)."
            )
            return
        self.compute()

    def token_window(self, model: LanguageModel) -> list[int]:
        ids = model.tokenizer.encode(self.text)[-(LAB_TOKENS - 1) :]
        return model.opening(ids or model.tokenizer.encode("The "))

    @work(thread=True, exclusive=True, group="lab")
    def compute(self) -> None:
        worker = get_current_worker()
        clip = CLIP_CHOICES[self.clip_index]
        flows = []
        for _, model in self.models:
            if worker.is_cancelled:
                return
            tokens = self.token_window(model)
            position = None if self.position is None else min(self.position, len(tokens) - 2)
            flows.append(gradient_flow(model, tokens, position, clip if clip else math.inf))
        self.app.call_from_thread(self.show_flows, flows)

    def on_resize(self) -> None:
        if self.flows:
            self.call_after_refresh(self.show_flows, self.flows)  # the body has its new size

    def show_flows(self, flows: list[GradientFlow]) -> None:
        self.flows = flows
        height = bar_height(self.query_one("#lab-body").size.height, len(flows))
        first = flows[0]
        self.position = first.position
        positive = [float(v) for f in flows for v in f.norms if v > 0]
        low, high = (min(positive), max(positive)) if positive else (1e-12, 1.0)
        self.query_one("#lab-status", Static).update(
            f"Loss at t = {first.position} (predicting {token_label(first.target)}), "
            f"last {len(first.pieces)} tokens read from a zero state · bars: log10 ‖∂L_t/∂h_k‖ "
            f"of each model's top layer, {low:.1e} … {high:.1e}"
        )
        clip = CLIP_CHOICES[self.clip_index]
        clip_lines = []
        for index, ((path, model), flow) in enumerate(zip(self.models, flows, strict=True)):
            title = (
                f"{model.config.cell.upper()} {model_title(path)}, layer {flow.layer + 1}/"
                f"{model.config.num_layers}: farthest/nearest = {flow.ratio:.2e}"
            )
            self.query_one(f"#flow-{index}", GradientFlowBars).show(
                title, [float(v) for v in flow.norms], flow.pieces, low, high, height
            )
            name = model_title(path)
            if clip is None:
                clip_lines.append(f"{name}: global norm {flow.global_norm:.4f} (no clipping)")
            else:
                clip_lines.append(
                    f"{name}: global norm {flow.global_norm:.4f} → {flow.clipped_norm:.4f} "
                    f"after clipping to {clip:g}"
                )
        self.query_one("#lab-clip", Static).update(
            "‖∂L/∂θ‖, all parameters, for the mean loss over these tokens (the loss train "
            "--clip clips; key c changes the threshold):\n" + "\n".join(clip_lines)
        )

    def action_position(self, delta: int) -> None:
        if self.position is None:
            return
        self.position = max(0, self.position + delta)
        self.compute()

    def action_cycle_clip(self) -> None:
        self.clip_index = (self.clip_index + 1) % len(CLIP_CHOICES)
        self.compute()

    def action_close(self) -> None:
        self.app.pop_screen()
