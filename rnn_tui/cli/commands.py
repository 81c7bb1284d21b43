"""The Typer app: every command and its options (rnn_tui.cli.main hands it the words)."""

from __future__ import annotations

import typer

from rnn_tui.cli import common
from rnn_tui.cli.common import app
from rnn_tui.cli.convert import convert_command
from rnn_tui.cli.evaluate import evaluate_command
from rnn_tui.cli.explore import explore_command
from rnn_tui.cli.generate import generate_command
from rnn_tui.cli.gradients import gradients_command, two_step_command
from rnn_tui.cli.import_model import import_command
from rnn_tui.cli.info import info_command
from rnn_tui.cli.lesson import lesson_command
from rnn_tui.cli.open_apps import run_explorer
from rnn_tui.cli.serve import serve_command
from rnn_tui.cli.train import train_app
from rnn_tui.cli.translate import translate_command
from rnn_tui.cli.units import units_command
from rnn_tui.cli.watch import watch_command

app.add_typer(train_app, name="train")
app.command("generate")(generate_command)
app.command("eval")(evaluate_command)
app.command("translate")(translate_command)
app.command("units")(units_command)
app.command("info")(info_command)
app.command("explore")(explore_command)
app.command("lesson")(lesson_command)
app.command("serve")(serve_command)
app.command("convert")(convert_command)
app.command("import")(import_command)
app.command("gradients")(gradients_command)
app.command("two-step")(two_step_command)
app.command("watch")(watch_command)


@app.callback(invoke_without_command=True)
def root(
    context: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors."),
) -> None:
    """A terminal microscope for recurrent sequence models.

    With no command, the explorer opens on the bundled models.
    """
    common.DEBUG = debug
    if context.invoked_subcommand is None:
        run_explorer([], debug=debug)


def run_command_line(words: list[str]) -> None:
    """Run the command line; every error, Click's own included, is one `error:` line.

    Click's usage errors (a bad integer, an unknown option) would print a framed box;
    here they read like rnn-tui's own: `error: --hidden: expected an integer, got 'abc'`,
    exit 2.
    """
    import sys

    from rnn_tui.cli import click_compat

    try:
        common.refuse_repeated_options(app, words)
        code = app(args=words, prog_name="rnn-tui", standalone_mode=False)
    except click_compat.UsageError as error:
        context = getattr(error, "ctx", None)
        if click_compat.NoArgsIsHelpError and isinstance(error, click_compat.NoArgsIsHelpError):
            print(context.get_help() if context else "", file=sys.stderr)
        else:
            common.print_error(common.usage_line(error))
        sys.exit(2)
    except click_compat.ClickException as error:
        common.print_error(error.format_message())  # type: ignore[attr-defined]
        sys.exit(getattr(error, "exit_code", 1))
    except click_compat.Abort:
        sys.exit(130)
    except common.UserError as error:
        if common.DEBUG:
            raise
        common.print_error(str(error))
        sys.exit(error.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "run_command_line"]
