"""Snapshot tests of every explorer view on the bundled models, at 80×24 and 120×36.

Each snapshot is taken after the keys are pressed and every worker they started
(model loading, beam search, the neuron view's top contexts) has finished, so a
golden never shows one step's heading over another step's numbers. Every golden
was looked at as a picture (SVG rendered to PNG) before it was committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from rnn_tui.bundled import bundled_models
from rnn_tui.tui.app import make_app

pytestmark = pytest.mark.skipif(len(bundled_models()) < 5, reason="needs the bundled models")
# 120×36 and the sweep over every lesson chapter run in the whole suite (CI); the quick
# loop (`-m "not slow"`) draws one size and one chapter.
SIZES = [(80, 24), pytest.param((120, 36), marks=pytest.mark.slow)]


async def settled(pilot) -> None:
    """Until a view is shown, no worker runs and no message waits (a worker's result may
    start another)."""
    for _ in range(200):
        if pilot.app.models and len(pilot.app.screen_stack) > 1:
            break
        await pilot.pause(0.05)
    for _ in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            return
    raise AssertionError("workers kept running")


def pressing(*keys: str) -> Callable:
    """A `run_before` that waits for the models, presses `keys`, then waits for their work."""

    async def run_before(pilot) -> None:
        await settled(pilot)
        for key in keys:
            await pilot.press(key)
            await settled(pilot)

    return run_before


def bundled(*stems: str) -> Sequence:
    models = bundled_models()
    return [p for stem in stems for p in models if p.stem == stem]


@pytest.mark.parametrize("size", SIZES)
def test_lm_view_after_argmax_steps(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("shakespeare-lstm"), prompt="ROMEO:\n")
    keys = ["m", *["right"] * 12, "full_stop", "full_stop"]
    assert snap_compare(app, terminal_size=size, run_before=pressing(*keys))


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_lm_view_of_a_gru_busiest_units_first(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("shakespeare-gru"), prompt="JULIET:\nO Romeo, Romeo")
    keys = ["m", *["right"] * 6, "s"]
    assert snap_compare(app, terminal_size=size, run_before=pressing(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("shakespeare-lstm"))
    assert snap_compare(app, terminal_size=size, run_before=pressing("question_mark"))


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_date_translator_after_decoder_steps(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("dates-bigru-additive"), prompt="le samedi 9 mai 2018")
    assert snap_compare(app, terminal_size=size, run_before=pressing(*["right"] * 7))


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_word_translator_after_decoder_steps(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("en-fr-gru-additive"), prompt="she is taller than her brother.")
    assert snap_compare(app, terminal_size=size, run_before=pressing(*["right"] * 5))


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_neuron_view(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("shakespeare-lstm"), prompt="ROMEO:\nBut, soft! what light")
    keys = ["u", *["right"] * 12, "full_stop"]
    assert snap_compare(app, terminal_size=size, run_before=pressing(*keys))


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_gradient_lab(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("shakespeare-lstm", "shakespeare-rnn"), prompt="ROMEO:\nBut, soft!")
    assert snap_compare(app, terminal_size=size, run_before=pressing("g"))


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_compare_view(snap_compare, size: tuple[int, int]) -> None:
    stems = ("shakespeare-lstm", "shakespeare-gru", "shakespeare-rnn")
    app = make_app(bundled(*stems), prompt="ROMEO:\n")
    assert snap_compare(app, terminal_size=size, run_before=pressing("C", *["right"] * 8))


@pytest.mark.parametrize("size", SIZES)
def test_model_picker(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("shakespeare-lstm"))
    assert snap_compare(app, terminal_size=size, run_before=pressing("o"))


@pytest.mark.parametrize("size", [(50, 15), (30, 10)])
def test_too_small_notice(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("shakespeare-lstm"))
    assert snap_compare(app, terminal_size=size, run_before=pressing())


@pytest.mark.parametrize("size", SIZES)
def test_lesson_chapter_list(snap_compare, size: tuple[int, int]) -> None:
    """`rnn-tui lesson`: the fourteen chapters, the third chosen."""
    from rnn_tui.tui.lesson_app import LessonApp

    assert snap_compare(LessonApp(), terminal_size=size, press=["down", "down"])


@pytest.mark.parametrize("size", SIZES)
def test_lesson_chapter_four(snap_compare, size: tuple[int, int]) -> None:
    """A lesson chapter: the explanation, one unit's parts of a_t, the exercises."""
    from rnn_tui.session.lessons import chapter
    from rnn_tui.tui.lesson_app import LessonApp

    async def run_before(pilot) -> None:
        for _ in range(200):
            if getattr(pilot.app.screen, "live", None) is not None:
                break
            await pilot.pause(0.05)
        await pilot.press("right", "right", "n", "h")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.3)  # the scroll to the live numbers runs after their layout

    assert snap_compare(LessonApp(chapter(4)), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_watch_dashboard(snap_compare, size: tuple[int, int], tmp_path) -> None:
    """`rnn-tui watch` on a finished run: the runs table, the three plots, and the look
    inside its checkpoint (the bundled RNN)."""
    from rnn_tui.session.watching import RunWatch
    from rnn_tui.tui.watch_app import WatchApp
    from tests.test_watch import dashboard_folder

    async def run_before(pilot) -> None:
        for _ in range(400):
            if "greedy" in "\n".join(pilot.app.inside.get(0, [])):
                break
            await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = WatchApp([RunWatch(dashboard_folder(tmp_path))])
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize(
    "number", [1, *(pytest.param(n, marks=pytest.mark.slow) for n in (2, 3, *range(5, 15)))]
)
def test_lesson_chapter_after_a_step(snap_compare, number: int) -> None:
    """Every other chapter at 80×24 after one step (→): the live numbers in view, the
    exercises below them. (Chapter 4 is drawn at both sizes above.)"""
    from rnn_tui.session.lessons import chapter
    from rnn_tui.tui.lesson_app import LessonApp

    async def run_before(pilot) -> None:
        for _ in range(400):  # the live view, and its slow figures (a thread, not a worker)
            screen = pilot.app.screen
            if getattr(screen, "live", None) is not None and not screen.measuring:
                break
            await pilot.pause(0.05)
        await pilot.press("right")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.3)  # the scroll to the live numbers runs after their layout
        # Chapter 1's scroll could land a line apart when the scrollbar appeared in the
        # same frame; scrolled again once all is laid out, every run draws the same.
        pilot.app.screen.query_one("#lesson-live").scroll_visible(animate=False, top=True)
        await pilot.pause(0.1)

    assert snap_compare(LessonApp(chapter(number)), terminal_size=(80, 24), run_before=run_before)
