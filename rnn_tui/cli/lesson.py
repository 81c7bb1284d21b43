"""`rnn-tui lesson`: the course's questions answered on screen with a live model."""

from __future__ import annotations

import typer

from rnn_tui.cli.common import reports_user_errors
from rnn_tui.errors import UserError


@reports_user_errors
def lesson_command(
    number: int = typer.Argument(None, help="The chapter to open (default: the list)."),
    list_chapters: bool = typer.Option(False, "--list", help="Print the chapters and exit."),
    as_markdown: bool = typer.Option(
        False, "--markdown", help="Print chapter N as Markdown, with this run's live numbers."
    ),
) -> None:
    """Open a lesson: a short explanation, a live model, exercises checked against it."""
    from rnn_tui.session.lessons import chapter
    from rnn_tui.session.lessons.contents import CONTENTS
    from rnn_tui.session.lessons.progress import done_count, load_progress

    if list_chapters:
        progress = load_progress()
        for entry in CONTENTS:
            done = done_count(progress, entry.number)
            total = entry.exercises
            typer.echo(f"{entry.number:2d}. {entry.title} ({done}/{total} exercises done)")
        return
    found = None
    if number is not None:
        found = chapter(number)
        if found is None:
            known = ", ".join(str(entry.number) for entry in CONTENTS)
            raise UserError(f"lesson {number}: no such chapter (there are {known})")
    if as_markdown:
        if found is None:
            raise UserError("--markdown: give the chapter, e.g. rnn-tui lesson 3 --markdown")
        from rnn_tui.session.lessons.structure import markdown

        typer.echo(markdown(found, found.open_live()), nl=False)
        return
    from rnn_tui.cli.open_apps import run_lesson

    run_lesson(found)
