"""Open the full-screen apps (the explorer, the lessons, the watch dashboard) and report
how they ended (no Typer here: `rnn-tui` and `rnn-tui lesson` with no arguments come
straight here, see rnn_tui.cli.main)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rnn_tui.errors import UserError

if TYPE_CHECKING:
    from rnn_tui.session.lessons.structure import Chapter
    from rnn_tui.session.watching import RunWatch
    from rnn_tui.tui.base_app import RnnTuiApp


class ExplorerCrashed(UserError):
    exit_code = 1


def run_explorer(paths: list[Path], prompt: str = "", debug: bool = False) -> None:
    """The explorer on `paths` (none: the bundled models); `debug` shows a crash's
    traceback instead of the one line naming its log."""
    check_checkpoint_paths(paths)
    require_terminal("the explorer", "from a script, use rnn-tui generate, translate or eval")
    from rnn_tui.tui.app import make_app

    app = make_app(paths, prompt=prompt)
    app.show_tracebacks = debug
    app.run()
    report_crash(app)
    end_as_the_app_did(app)


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


def end_as_the_app_did(app: RnnTuiApp) -> None:
    """An app ended by a signal (SIGTERM) exits with the status the shell expects for it."""
    if app.return_code:
        sys.exit(app.return_code)


def require_terminal(app_name: str, instead: str) -> None:
    """A full-screen app reads keys from stdin and draws on stdout; without a terminal
    there (a script, cron, a pipe) it would wait for keys that never come, so it is one
    line instead. A Textual driver named in TEXTUAL_DRIVER (textual-serve's web driver
    talks over pipes) brings its own terminal."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return
    for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout)):
        if stream is None or not stream.isatty():
            raise UserError(f"{app_name} needs a terminal, and {name} is not one; {instead}")


def run_chapter_list() -> None:
    """`rnn-tui lesson`: the list of chapters."""
    run_lesson(None)


def run_lesson(chapter: Chapter | None) -> None:
    """A lesson's chapter, or with None the list of chapters."""
    require_terminal("the lesson app", "rnn-tui lesson N --markdown prints a chapter")
    from rnn_tui.tui.lesson_app import LessonApp

    app = LessonApp(chapter)
    app.run()
    end_as_the_app_did(app)


def run_dashboard(watches: list[RunWatch]) -> None:
    """`rnn-tui watch`: the live dashboard of training runs."""
    require_terminal("the watch dashboard", "rnn-tui watch --once prints a summary")
    from rnn_tui.tui.watch_app import WatchApp

    app = WatchApp(watches)
    app.run()
    end_as_the_app_did(app)
