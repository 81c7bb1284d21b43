"""How tokens are written on screen (shared by the CLI and the explorer)."""

from __future__ import annotations

from rnn_tui.text_safety import visible

_VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥"}


def token_label(text: str) -> str:
    """A token as it can be seen: space ␣, newline ↵, tab ⇥; other whitespace escaped;
    control characters (ESC …) as visible stand-ins, never sent to the terminal."""
    if text in _VISIBLE:
        return _VISIBLE[text]
    return repr(text)[1:-1] if text.strip() != text or not text else visible(text, keep="")
