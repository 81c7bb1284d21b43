"""The text read so far, each token on a background coloured by its surprisal.

The strip follows the current token: it wraps the tokens to its width itself
and draws the last lines that fit, so a new token repaints this widget only.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from rnn_tui.text_safety import visible as safe
from rnn_tui.tui.palette import surprisal_style
from rnn_tui.tui.textual_workarounds import NO_STYLE

CURRENT = Style(reverse=True, bold=True)


def visible(token: str) -> str:
    """How a token is drawn: a newline as ↵ (then a real line break), a tab as ⇥, control
    characters from the vocabulary as visible stand-ins, others as they are."""
    if token == "\n":
        return "↵"
    return "⇥" if token == "\t" else safe(token, keep="")


def wrap_tokens(
    pieces: list[str], styles: list[Style], width: int, separator: str = ""
) -> list[list[tuple[str, Style]]]:
    """Lines of (text, style) no wider than `width`; a newline token ends its line."""
    lines: list[list[tuple[str, Style]]] = [[]]
    used = 0
    for index, (piece, style) in enumerate(zip(pieces, styles, strict=True)):
        shown = visible(piece)
        gap = separator if index and separator and used else ""
        size = cell_len(gap + shown)
        if used and used + size > width:
            lines.append([])
            used, gap, size = 0, "", cell_len(shown)
        if gap:
            lines[-1].append((gap, Style()))
        lines[-1].append((shown, style))
        used += size
        if piece == "\n":
            lines.append([])
            used = 0
    return lines


class TokenStrip(Widget):
    """Tokens of the session with −log p colouring; the last one is the current position.

    Line API: the wrapped lines are computed once per change and drawn as strips
    of segments (no per-span conversion of a Rich Text).
    """

    DEFAULT_CSS = "TokenStrip { height: 6; }"

    pieces: list[str] = []

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._styles: list[Style] = []
        self._separator = ""
        self._lines: list[Strip] | None = None

    def show(self, pieces: list[str], surprisals: list[float], separator: str = "") -> None:
        self.pieces = pieces
        last = len(pieces) - 1
        self._styles = [
            CURRENT if i == last else surprisal_style(s, self.app.no_color)
            for i, s in enumerate(surprisals)
        ]
        self._separator = separator
        self._lines = None
        self.refresh()

    def on_resize(self) -> None:
        self._lines = None

    def _visible_lines(self) -> list[Strip]:
        width, height = max(1, self.size.width), max(1, self.size.height)
        # Only the last `height` lines are drawn and a token fills at least one cell:
        # wrap from a line break inside the last width × height tokens.
        start = max(0, len(self.pieces) - width * height)
        if start:
            breaks = [i for i in range(start, len(self.pieces)) if self.pieces[i] == "\n"]
            start = breaks[0] + 1 if breaks else start
        lines = wrap_tokens(self.pieces[start:], self._styles[start:], width, self._separator)
        return [
            Strip([Segment(chunk, style) for chunk, style in line]).adjust_cell_length(
                width, NO_STYLE
            )
            for line in lines[-height:]
        ]

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._visible_lines()
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width, NO_STYLE)
