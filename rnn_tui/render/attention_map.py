"""The target × source attention matrix α as coloured cells under their source tokens.

Each cell's background is α_tj on one sequential 256-colour scale (dark = 0 …
yellow = 1, the legend line shows it; under NO_COLOR a grey scale, dark = 0 … light =
1, since the colours' greys are not in order); where a column is wide enough the cell
also prints α in percent (from 5 %), so the map reads without colour too. Each
source token starts its own column, with a gap before the next word.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.cells import cell_len
from rich.color import Color
from rich.console import Group
from rich.style import Style
from rich.text import Text

from rnn_tui.render.greys import grey_ramp, text_on_grey
from rnn_tui.session.display import token_label

# Dark → blue → teal → green → yellow, from the xterm 256-colour cube (no truecolor needed).
_SCALE = [235, 17, 18, 19, 25, 31, 37, 43, 78, 113, 148, 184, 220, 226]
_DARK_TEXT_FROM = 8  # scale index from which the background is light enough for black text
SCALE_STYLES = [
    Style(bgcolor=Color.from_ansi(code), color="black" if i >= _DARK_TEXT_FROM else "white")
    for i, code in enumerate(_SCALE)
]


GREY_SCALE_STYLES = [text_on_grey(code) for code in grey_ramp(len(_SCALE))]


def scale_styles(no_color: bool = False) -> list[Style]:
    return GREY_SCALE_STYLES if no_color else SCALE_STYLES


def scale_style(weight: float, no_color: bool = False) -> Style:
    styles = scale_styles(no_color)
    return styles[min(len(styles) - 1, int(max(0.0, weight) * len(styles)))]


LEGEND_ENDS = (" 1 · numbers: α in %", " 1 · numbers: %", " 1")  # longest first


def legend(width: int | None = None, no_color: bool = False) -> Text:
    """`α 0 ▇▇▇…▇ 1` on the same scale, and how to read the numbers where `width` (None:
    any) leaves room for it: a narrow panel keeps the scale whole rather than wrapping."""
    start, styles = "α  0 ", scale_styles(no_color)
    room = None if width is None else width - cell_len(start) - len(styles)
    end = next((e for e in LEGEND_ENDS if room is None or cell_len(e) <= room), LEGEND_ENDS[-1])
    text = Text(start, style="dim", no_wrap=True, overflow="crop")
    for style in styles:
        text.append(" ", style=style)
    text.append(end, style="dim")
    return text


def column_widths(source_labels: Sequence[str], width: int | None) -> list[int]:
    """Each source column's width: its label and a one-cell gap (a word never touches the
    next), at least 3 so a percentage fits; where that is wider than `width`, the labels'
    own widths, then equal columns with the labels cut. A character-level source (every
    label but the specials such as <eos> one cell wide) uses 3, 2 or 1 cells per character,
    the most that fit in `width`."""
    special = [label.startswith("<") and len(label) > 1 for label in source_labels]
    if any(cell_len(label) > 1 for label, s in zip(source_labels, special, strict=True) if not s):
        roomy = [max(3, cell_len(label)) + 1 for label in source_labels]
        if width is None or sum(roomy) <= width:
            return roomy
        tight = [cell_len(label) + 1 for label in source_labels]  # short words lose their room
        if sum(tight) <= width:
            return tight
        return [max(3, width // len(source_labels))] * len(source_labels)  # labels cut
    fixed = sum(cell_len(label) + 1 for label, s in zip(source_labels, special, strict=True) if s)
    characters = len(source_labels) - sum(special)
    each = next((e for e in (3, 2) if width is None or fixed + e * characters <= width), 1)
    return [
        cell_len(label) + 1 if s else each for label, s in zip(source_labels, special, strict=True)
    ]


def attention_lines(
    weights: np.ndarray,
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    width: int | None = None,
    no_color: bool = False,
) -> list[Text]:
    """Header, one row per target token (what was emitted), then the legend; `no_color`:
    on the grey scale."""
    sources = [token_label(t) for t in source_tokens]
    targets = [token_label(t) for t in target_tokens]
    label_width = max((cell_len(t) for t in targets), default=1) + 1
    widths = column_widths(sources, None if width is None else width - label_width)
    header = Text(" " * label_width, no_wrap=True, overflow="crop")
    for label, each in zip(sources, widths, strict=True):
        header.append(label[: max(1, each - (each > 2))].ljust(each), style="bold")
    lines = [header]
    for row, target in zip(weights, targets, strict=True):
        line = Text(target.rjust(label_width - 1) + " ", no_wrap=True, overflow="crop")
        for weight, each in zip(row, widths, strict=True):
            percent = round(float(weight) * 100)
            number = f"{percent}" if each >= 3 and percent >= 5 else ""
            line.append(number.ljust(each), style=scale_style(float(weight), no_color))
        lines.append(line)
    lines.append(legend(width, no_color))
    return lines


def attention_table(
    weights: np.ndarray, source_tokens: Sequence[str], target_tokens: Sequence[str]
) -> Group:
    """The map for printing (the CLI's `translate --attention`)."""
    return Group(*attention_lines(weights, source_tokens, target_tokens))
