"""The text read so far, each token on a background coloured by its surprisal."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from rnn_tui.tui.palette import surprisal_style

CURRENT = Style(reverse=True, bold=True)


def visible(token: str) -> str:
    """How a token is drawn: newlines as ↵ (then a real line break), specials as written."""
    if token == "\n":
        return "↵\n"
    return token


class TokenStrip(Static):
    """Tokens of the session with −log p colouring; the last one is the current position."""

    DEFAULT_CSS = "TokenStrip { height: auto; }"

    pieces: list[str] = []

    def show(self, pieces: list[str], surprisals: list[float], separator: str = "") -> None:
        self.pieces = pieces
        text = Text(no_wrap=False, overflow="fold")
        last = len(pieces) - 1
        for index, (piece, nats) in enumerate(zip(pieces, surprisals, strict=True)):
            style = CURRENT if index == last else surprisal_style(nats)
            if index and separator and piece != "\n":
                text.append(separator)
            text.append(visible(piece), style=style)
        self.update(text)
