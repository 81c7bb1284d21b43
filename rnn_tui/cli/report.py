"""How the command line shows an error: one `error:` line on stderr (no Typer here, so
that the commands that open without parsing can use it too)."""

from __future__ import annotations

import sys

from rnn_tui.text_safety import visible
from rnn_tui.train.torchrun_env import process_rank


def print_error(message: str) -> None:
    """One `error:` line on stderr, control characters made visible (a path or a value
    from a file may hold escape sequences); under torchrun only rank 0 prints."""
    if not process_rank():
        print(f"error: {visible(message, keep='')}", file=sys.stderr)


def file_error_line(error: OSError) -> str | None:
    """An OSError that names its file, as the one line to show ("PATH: reason"); None
    for one that names none, which is a bug to show in full."""
    if error.filename is None:
        return None
    return f"{error.filename}: {error.strerror or error}"
