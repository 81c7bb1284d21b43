"""`rnn-tui explore`: open checkpoints in the Textual explorer (no torch)."""

from __future__ import annotations

from pathlib import Path

import typer

from rnn_tui.cli import common
from rnn_tui.cli.common import check_utf8, reports_user_errors
from rnn_tui.cli.open_apps import run_explorer


@reports_user_errors
def explore_command(
    checkpoints: list[Path] = typer.Argument(
        None, help="Checkpoints to open (default: the bundled models)."
    ),
    prompt: str = typer.Option("", "--prompt", "-p", help="Text the model reads first."),
) -> None:
    """Open the explorer: step a model token by token and watch its states, gates and outputs."""
    check_utf8("--prompt", prompt)
    run_explorer(list(checkpoints or []), prompt, debug=common.DEBUG)
