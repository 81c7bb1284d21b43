"""NO_COLOR (no-color.org): the explorer's views are drawn in greys, not refused.

Textual honours NO_COLOR with a filter that turns every colour of every drawn cell into
its grey; the views' own line-drawn widgets (the text strip, the state heatmaps) must
give each cell a style for it to work on.
"""

from __future__ import annotations

import asyncio

import pytest
from rich.color import Color

from rnn_tui.bundled import bundled_models
from rnn_tui.tui.app import make_app
from rnn_tui.tui.screens.lm_view import LanguageModelScreen
from rnn_tui.tui.screens.translator_view import TranslatorScreen
from tests.pilot_helpers import first_view, workers_settled

pytestmark = pytest.mark.skipif(len(bundled_models()) < 5, reason="needs the bundled models")


def is_grey(colour: Color) -> bool:
    red, green, blue = colour.get_truecolor()
    return red == green == blue


@pytest.mark.parametrize(
    ("stem", "view"),
    [
        ("shakespeare-lstm", LanguageModelScreen),
        pytest.param("en-fr-gru-additive", TranslatorScreen, marks=pytest.mark.slow),
    ],
)
def test_no_color_draws_every_cell_in_greys(
    stem: str, view: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    path = next(p for p in bundled_models() if p.stem == stem)

    async def scenario() -> None:
        app = make_app([path], prompt="the cat.")
        async with app.run_test(size=(80, 24)) as pilot:
            await first_view(pilot, view)
            for _ in range(3):
                await pilot.press("right")
                await workers_settled(pilot)
            await pilot.pause()
            cells = [
                segment for strip in app.screen._compositor.render_strips() for segment in strip
            ]
            colours = [
                colour
                for segment in cells
                if segment.style is not None
                for colour in (segment.style.color, segment.style.bgcolor)
                if colour is not None
            ]
            assert colours, "nothing was drawn"
            assert all(is_grey(colour) for colour in colours), {
                colour.name for colour in colours if not is_grey(colour)
            }
        assert app.crash is None

    asyncio.run(scenario())
