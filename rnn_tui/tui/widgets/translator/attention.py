"""The attention heatmap (target rows × source columns), growing one row per decoder step."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widgets import Static

from rnn_tui.render.attention_map import attention_table


class AttentionMap(Static):
    DEFAULT_CSS = "AttentionMap { height: auto; }"

    weights: np.ndarray | None = None

    def show(
        self, weights: np.ndarray | None, source: list[str], target: list[str], empty: str
    ) -> None:
        self.weights = weights
        if weights is None or not len(weights):
            self.update(Text(empty, style="dim"))
            return
        self.update(attention_table(weights, source, target))
