"""Gradient-flow reports for a text: what the CLI prints and the lab view draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.bptt import clipped, forward, global_norm, record_flow, record_gradients
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.errors import UserError

_LEVELS = "▁▂▃▄▅▆▇█"
# BPTT keeps every step's states and gates: 50,000 characters took the bundled LSTM 36 s
# and a 1.5 GB process (`rnn-tui gradients`, 2-core EPYC). Vanishing and exploding show
# within a few hundred steps.
MAX_BPTT_TOKENS = 2000


@dataclass(frozen=True)
class GradientFlow:
    """‖∂L_t/∂h_k‖ for k = 0 … t, for one model on one text.

    `norms[k]` is ‖∂L_t/∂h_k‖ of one layer's state h_k (`layer`, 0-based; the top layer
    by default); `per_layer[l, k]` has every layer's. Step k read `pieces[k]` (step 0
    reads `<bos>`); the loss at t predicts `target`.

    `global_norm` is ‖∂L/∂θ‖ over all parameters for the mean loss over the text,
    L = (1/T) Σ_t L_t: the loss `train` differentiates and `--clip` clips.
    """

    position: int
    pieces: list[str]
    target: str
    layer: int
    norms: np.ndarray
    per_layer: np.ndarray
    global_norm: float | None = None
    clip: float | None = None
    clipped_norm: float | None = None  # ‖g‖ after global-norm clipping to `clip`

    @property
    def ratio(self) -> float:
        """‖∂L_t/∂h_0‖ / ‖∂L_t/∂h_t‖: how much of the gradient reaches the farthest step."""
        nearest = float(self.norms[-1])
        return float(self.norms[0]) / nearest if nearest > 0 else float("nan")


def text_tokens(model: LanguageModel, text: str) -> list[int]:
    """The tokens BPTT runs over (after `<bos>`), or a UserError past MAX_BPTT_TOKENS."""
    tokens = model.opening(model.tokenizer.encode(text))
    if len(tokens) > MAX_BPTT_TOKENS:
        raise UserError(
            f"the text is {len(tokens):,} tokens long; BPTT here runs over at most "
            f"{MAX_BPTT_TOKENS:,} (it keeps every step's states)"
        )
    return tokens


def gradient_flow(
    model: LanguageModel,
    tokens: list[int],
    position: int | None = None,
    clip: float | None = None,
    layer: int | None = None,
) -> GradientFlow:
    """The flow into `layer` (default: the top) for the loss at `position` (default: the
    last prediction of the text).

    With `clip`, also the global gradient norm of the mean loss over the text, before
    and after clipping to `clip`, from the same forward pass.
    """
    layers = model.config.num_layers
    chosen = layers - 1 if layer is None else layer
    if not 0 <= chosen < layers:
        raise UserError(f"--layer: expected 1 to {layers}, got {chosen + 1}")
    record = forward(model, tokens)
    per_layer = record_flow(model, record, position)  # (layers, t+1)
    t = per_layer.shape[1] - 1
    pieces = [model.tokenizer.token_text(token) for token in tokens[: t + 1]]
    total = after_clipping = None
    if clip is not None:
        tied = model.config.tie_weights
        summed = record_gradients(model, record).parameters  # ∂(Σ_t L_t)/∂θ
        predictions = len(tokens) - 1
        mean = {name: grad / predictions for name, grad in summed.items()}
        total = global_norm(mean, tied)
        after_clipping = global_norm(clipped(mean, clip, tied), tied)
    return GradientFlow(
        position=t,
        pieces=pieces,
        target=model.tokenizer.token_text(tokens[t + 1]),
        layer=chosen,
        norms=per_layer[chosen],
        per_layer=per_layer,
        global_norm=total,
        clip=clip,
        clipped_norm=after_clipping,
    )


def log_bar(value: float, low: float, high: float, width: int) -> str:
    """A bar whose length is linear in log10(value) between log10(low) and log10(high)."""
    if not value > 0 or not high > low > 0:
        return ""
    fraction = (np.log10(value) - np.log10(low)) / (np.log10(high) - np.log10(low))
    cells = max(1, round(float(np.clip(fraction, 0, 1)) * width))
    return "█" * cells


def log_sparkline(values: np.ndarray) -> str:
    """One character per value, heights linear in log10(value)."""
    positive = values[values > 0]
    if positive.size == 0:
        return ""
    low, high = np.log10(positive.min()), np.log10(positive.max())
    span = high - low if high > low else 1.0
    chars = []
    for value in values:
        level = (np.log10(value) - low) / span if value > 0 else 0.0
        chars.append(_LEVELS[round(level * (len(_LEVELS) - 1))])
    return "".join(chars)
