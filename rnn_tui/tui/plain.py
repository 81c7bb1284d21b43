"""Text from outside (file names, vocabularies) put into a view's markup-parsed string."""

from __future__ import annotations

from pathlib import Path

from rnn_tui.text_safety import visible


def plain(text: str) -> str:
    """`text` as it reads: control characters as visible stand-ins, and every `[` escaped,
    so a file named `[bold]x.safetensors` (or holding `ESC[2J`) shows as written rather
    than as markup, or as a markup error that stops the app."""
    return visible(text, keep="").replace("[", r"\[")


RUN_CHECKPOINTS = ("best", "last")  # what training writes into its run folder


def model_name(path: Path) -> str:
    """How an open model is named: a training run's checkpoint by its run folder
    (`runs/lstm-small/best.safetensors` → `lstm-small (best)`), any other by its file name."""
    if path.stem in RUN_CHECKPOINTS and path.parent.name:
        return visible(f"{path.parent.name} ({path.stem})", keep="")
    return visible(path.stem, keep="")


def model_title(path: Path) -> str:
    """`model_name`, escaped for a markup-parsed string."""
    return plain(model_name(path))
