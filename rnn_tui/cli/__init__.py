"""The `rnn-tui` command line. Parses arguments; the work happens elsewhere.

Nothing here imports torch at module level: `--help`, `generate`, `eval`,
`info` and the explorer run on NumPy alone. Only `train` imports torch.

The two commands people start most take no arguments, `rnn-tui` (the explorer on the
bundled models) and `rnn-tui lesson` (the chapter list); they open without importing
Typer, whose import and command tree would otherwise come before their first frame
(docs/benchmarks.md). Everything else goes through the Typer app in
rnn_tui.cli.commands.
"""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str] | None = None) -> None:
    """Run the command line; every error is one `error:` line on stderr."""
    words = sys.argv[1:] if argv is None else list(argv)
    debug = words[:1] == ["--debug"]
    rest = words[1:] if debug else words
    if rest in ([], ["lesson"]):
        open_without_parsing(lesson=bool(rest), debug=debug)
    from rnn_tui.cli.commands import run_command_line
    from rnn_tui.train import torchrun_env

    try:
        run_command_line(words)
    except SystemExit as leaving:
        if torchrun_env.a_torchrun_worker_with_torch_distributed():
            torchrun_env.exit_without_teardown(exit_status(leaving.code))
        raise


def exit_status(code: object) -> int:
    """The process exit status that `sys.exit(code)` gives."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def open_without_parsing(lesson: bool, debug: bool) -> None:
    """`rnn-tui [--debug]` or `rnn-tui [--debug] lesson`, as their Typer commands would
    run them: a UserError is one line and its exit code."""
    from rnn_tui.cli.open_apps import run_chapter_list, run_explorer
    from rnn_tui.cli.report import file_error_line, print_error
    from rnn_tui.errors import UserError

    try:
        if lesson:
            run_chapter_list()
        else:
            run_explorer([], debug=debug)
    except UserError as error:
        if debug:
            raise
        print_error(str(error))
        sys.exit(error.exit_code)
    except OSError as error:  # a path the checks did not foresee, as Typer commands show it
        line = file_error_line(error)
        if line is None or debug:
            raise
        print_error(line)
        sys.exit(2)
    sys.exit(0)


def __getattr__(name: str) -> Any:
    """`rnn_tui.cli.app`, the Typer app, built when first asked for."""
    if name == "app":
        from rnn_tui.cli.commands import app

        return app
    raise AttributeError(f"module 'rnn_tui.cli' has no attribute {name!r}")


__all__ = ["app", "main"]
