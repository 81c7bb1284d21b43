"""Open the explorer or the lessons and report how they ended (no Typer here: `rnn-tui`
and `rnn-tui lesson` with no arguments come straight here, see rnn_tui.cli.main)."""

from __future__ import annotations

from pathlib import Path

from rnn_tui.errors import UserError


class ExplorerCrashed(UserError):
    exit_code = 1


def run_explorer(paths: list[Path], prompt: str = "", debug: bool = False) -> None:
    """The explorer on `paths` (none: the bundled models); `debug` shows a crash's
    traceback instead of the one line naming its log."""
    check_checkpoint_paths(paths)
    from rnn_tui.tui.app import make_app

    app = make_app(paths, prompt=prompt)
    app.show_tracebacks = debug
    app.run()
    report_crash(app)


def check_checkpoint_paths(paths: list[Path]) -> None:
    """Each path is a regular file, else one line: missing, a folder, a pipe or a device
    (its contents are checked when it is opened, with the app's other errors)."""
    from rnn_tui.files import regular_file_size

    for path in paths:
        regular_file_size(path, str(path), "checkpoint file")


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


def run_chapter_list() -> None:
    """`rnn-tui lesson`: the list of chapters."""
    from rnn_tui.tui.lesson_app import LessonApp

    LessonApp().run()
