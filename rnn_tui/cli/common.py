"""Shared pieces of the command line: the Typer app and user-error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from rnn_tui.errors import UserError
from rnn_tui.train.torchrun_env import process_rank

app = typer.Typer(
    help="A terminal microscope for recurrent sequence models.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DEBUG = False
F = TypeVar("F", bound=Callable[..., Any])


def reports_user_errors(function: F) -> F:
    """Show a `UserError` as one `error:` line on stderr and exit with its code.

    Under torchrun only rank 0 prints (every rank meets the same bad input)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except UserError as error:
            if DEBUG:
                raise
            if not process_rank():
                print(f"error: {error}", file=sys.stderr)
            raise typer.Exit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


def reproducible_command(context: typer.Context) -> str:
    """`rnn-tui <command> --option value …` for every option that differs from its default."""
    import shlex

    words = ["rnn-tui", *context.command_path.split()[1:]]
    for parameter in context.command.params:
        value = context.params.get(parameter.name or "")
        if value is None or value == parameter.default or not parameter.opts:
            continue
        option = parameter.opts[0]
        if isinstance(value, bool):
            words.append(option if value else (parameter.secondary_opts or [option])[0])
        elif option.startswith("-"):
            words += [option, str(value)]
        else:
            words.append(str(value))
    return shlex.join(words)
