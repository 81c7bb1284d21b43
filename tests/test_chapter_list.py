"""`rnn-tui lesson`'s chapter list: every chapter with its progress, chosen by keys or a
click, and counts brought up to date on coming back from a chapter."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from rnn_tui.session.lessons import chapters
from rnn_tui.tui.lesson_app import LessonApp
from rnn_tui.tui.screens.lesson import LessonScreen
from rnn_tui.tui.widgets.lessons.chapter_menu import ChapterMenu
from tests.pilot_helpers import until


def write_progress(done: dict[str, list[str]]) -> None:
    folder = Path(os.environ["RNN_TUI_STATE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lessons.json").write_text(json.dumps(done), encoding="utf-8")


def shown_lines(app: LessonApp) -> list[str]:
    menu = app.screen.query_one(ChapterMenu)
    return [strip.text.rstrip() for strip in menu.render_lines(menu.content_region.reset_offset)]


def shown_rows(app: LessonApp) -> list[str]:
    """The chapter rows: below a blank line and the heading, above the note."""
    lines = shown_lines(app)
    assert lines[1].startswith("Lessons") and lines[-1].startswith("↑/↓ choose")
    return lines[2:-1]


@pytest.mark.parametrize("size", [(80, 24), (60, 18)])
def test_every_chapter_is_listed_with_its_exercises_done(size: tuple[int, int]) -> None:
    """Each row names a chapter and how many of its exercises the progress file holds
    done; at the smallest size a long title is cut, never the count."""
    write_progress({"3": ["loss", "easy"], "8": ["sum", "sum"]})

    async def scenario() -> None:
        app = LessonApp()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            rows = shown_rows(app)
            assert len(rows) == 14
            for row, chapter in zip(rows, chapters(), strict=True):
                done = {3: 2, 8: 1}.get(chapter.number, 0)
                assert row.startswith(f"{chapter.number:2d}. ")
                assert row.endswith(f"({done}/{len(chapter.exercises)} done)")
                if len(f"{chapter.number:2d}. {chapter.title}") + 12 <= size[0]:
                    assert chapter.title in row

    asyncio.run(scenario())


def test_keys_choose_and_open_a_chapter_and_its_progress_shows_on_return() -> None:
    async def scenario() -> None:
        app = LessonApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*["down"] * 7, "enter")  # the eighth row: chapter 8
            await until(pilot, lambda: isinstance(app.screen, LessonScreen))
            assert app.screen.chapter.number == 8
            write_progress({"8": ["sum"]})  # as finishing an exercise there would
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, LessonScreen))
            assert shown_rows(app)[7].endswith("(1/2 done)")
            assert app.screen.query_one(ChapterMenu).chosen == 7  # where it was left
            await pilot.press("up", "up", "home", "up", "enter")  # up from the first: the last
            await until(pilot, lambda: isinstance(app.screen, LessonScreen))
            assert app.screen.chapter.number == 14

    asyncio.run(scenario())


def test_a_click_opens_the_chapter_under_it() -> None:
    async def scenario() -> None:
        app = LessonApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.click(ChapterMenu, offset=(3, 6))  # the fifth row, below the heading
            await until(pilot, lambda: isinstance(app.screen, LessonScreen))
            assert app.screen.chapter.number == 5

    asyncio.run(scenario())


def test_escape_from_the_chapter_the_command_opened_comes_back_to_it_in_the_list() -> None:
    """`rnn-tui lesson 10` opens chapter 10 over the list; Esc shows the list with chapter
    10 chosen (not the first), so Enter opens it again."""
    from rnn_tui.session.lessons import chapter

    async def scenario() -> None:
        app = LessonApp(chapter(10))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, LessonScreen))
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, LessonScreen))
            assert app.screen.query_one(ChapterMenu).chosen == 9
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, LessonScreen))
            assert app.screen.chapter.number == 10

    asyncio.run(scenario())
