"""A text coloured token by token by one unit's activation (blue negative … red positive;
dark … light under NO_COLOR)."""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from rnn_tui.tui.palette import diverging_bins, diverging_text_styles

WINDOW_TOKENS = 3000
_CURSOR = Style(bold=True, reverse=True)


class ActivationText(Static):
    DEFAULT_CSS = "ActivationText { height: auto; }"

    values: np.ndarray = np.zeros(0)

    def show(self, pieces: list[str], values: np.ndarray, scale: float, cursor: int) -> None:
        """Colour each piece by its value; the piece under the cursor is drawn reversed."""
        self.values = values
        first = max(0, min(cursor - WINDOW_TOKENS // 2, len(pieces) - WINDOW_TOKENS))
        bins = diverging_bins(values, scale)
        styles = diverging_text_styles(self.app.no_color)
        text = Text()
        for index in range(first, min(len(pieces), first + WINDOW_TOKENS)):
            piece = pieces[index]
            shown = "⏎" if piece == "\n" else piece
            style = _CURSOR if index == cursor else styles[int(bins[index])]
            text.append(shown, style=style)
            if piece == "\n":
                text.append("\n")
        self.update(text)
