"""The target × source attention matrix as a Rich table, readable without colour.

Each cell shows α_tj as a shade (" ", ░, ▒, ▓, █ for 0–20 %, …, 80–100 %) and,
when the terminal has 256 colours, a matching grey background.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.table import Table
from rich.text import Text

from rnn_tui.session.display import token_label

SHADES = " ░▒▓█"
# The xterm 256-colour grey ramp (232 = darkest … 255 = lightest): no truecolor needed.
GREYS = [Style(bgcolor=Color.from_ansi(code)) for code in range(232, 256)]


def shade(weight: float) -> str:
    return SHADES[min(len(SHADES) - 1, int(weight * len(SHADES)))]


def attention_table(
    weights: np.ndarray, source_tokens: Sequence[str], target_tokens: Sequence[str]
) -> Table:
    """Rows: target tokens (what was emitted); columns: source tokens (what was read)."""
    table = Table(show_edge=False, pad_edge=False, padding=(0, 0), box=None)
    table.add_column("", justify="right", no_wrap=True)
    for token in source_tokens:
        width = max(2, len(token_label(token)))
        table.add_column(token_label(token), justify="center", min_width=width, no_wrap=True)
    for row, target in zip(weights, target_tokens, strict=True):
        cells: list[Text | str] = [token_label(target) + " "]
        for weight, token in zip(row, source_tokens, strict=True):
            width = max(2, len(token_label(token)))
            style = GREYS[min(len(GREYS) - 1, int(float(weight) * len(GREYS)))]
            cells.append(Text(shade(float(weight)) * width, style=style))
        table.add_row(*cells)
    return table
