"""The attention map (target rows × source columns), growing one row per decoder step."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text
from textual.widget import Widget

from rnn_tui.render.attention_map import attention_lines


class AttentionMap(Widget):
    """Drawn at its own width on every render, so columns fit the panel as it is now."""

    DEFAULT_CSS = "AttentionMap { height: auto; }"

    weights: np.ndarray | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source: list[str] = []
        self.target: list[str] = []
        self.empty = ""

    def show(
        self, weights: np.ndarray | None, source: list[str], target: list[str], empty: str
    ) -> None:
        self.weights, self.source, self.target, self.empty = weights, source, target, empty
        self.refresh(layout=True)

    def on_resize(self) -> None:
        self.refresh(layout=True)  # the columns are chosen for the width

    def render(self) -> RenderableType:
        if self.weights is None or not len(self.weights):
            return Text(self.empty, style="dim")
        width = self.size.width or None
        lines = attention_lines(self.weights, self.source, self.target, width, self.app.no_color)
        return Group(*lines)
