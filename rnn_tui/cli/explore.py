"""`rnn-tui explore`: open checkpoints in the Textual explorer (no torch)."""

from __future__ import annotations

from pathlib import Path

import typer

from rnn_tui.cli import common
from rnn_tui.cli.common import reports_user_errors
from rnn_tui.errors import UserError


def run_explorer(paths: list[Path], prompt: str = "") -> None:
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path}: no such checkpoint file")
    from rnn_tui.tui.app import make_app

    app = make_app(paths, prompt=prompt)
    app.show_tracebacks = common.DEBUG
    app.run()
    report_crash(app)


class ExplorerCrashed(UserError):
    exit_code = 1


def report_crash(app) -> None:
    """After the terminal is restored: an unhandled error as one line naming the log."""
    if app.crash is None:
        return
    error, log = app.crash
    where = f"the traceback is in {log}" if log else "no crash log could be written"
    raise ExplorerCrashed(
        f"the explorer stopped on an unexpected error ({type(error).__name__}: "
        f"{str(error).splitlines()[0] if str(error) else ''}); {where}"
    )


@reports_user_errors
def explore_command(
    checkpoints: list[Path] = typer.Argument(
        None, help="Checkpoints to open (default: the bundled models)."
    ),
    prompt: str = typer.Option("", "--prompt", "-p", help="Text the model reads first."),
) -> None:
    """Open the explorer: step a model token by token and watch its states, gates and outputs."""
    run_explorer(list(checkpoints or []), prompt)
