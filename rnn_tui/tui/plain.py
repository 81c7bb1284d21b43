"""Text from outside (file names, vocabularies) put into a view's markup-parsed string."""

from __future__ import annotations

from rnn_tui.text_safety import visible


def plain(text: str) -> str:
    """`text` as it reads: control characters as visible stand-ins, and every `[` escaped,
    so a file named `[bold]x.safetensors` (or holding `ESC[2J`) shows as written rather
    than as markup, or as a markup error that stops the app."""
    return visible(text, keep="").replace("[", r"\[")
