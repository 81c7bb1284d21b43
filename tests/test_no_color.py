"""NO_COLOR (no-color.org): the explorer's views are drawn in greys, not refused.

Textual honours NO_COLOR with a filter that turns every colour of every drawn cell into
its grey; the views' own line-drawn widgets (the text strip, the state heatmaps) must
give each cell a style for it to work on. The greys of the colour scales' blue and red
ends are alike, so under NO_COLOR the views draw grey scales of their own, darker for
lower values, and their captions name the ends "dark" and "light".
"""

from __future__ import annotations

import asyncio
import re

import pytest
from rich.color import Color
from rich.console import Group
from rich.style import Style
from textual.color import Color as TextualColor
from textual.widgets import Static

from rnn_tui.bundled import bundled_models
from rnn_tui.render.attention_map import scale_styles
from rnn_tui.tui.app import make_app
from rnn_tui.tui.palette import GREY_SURPRISAL_STYLES, diverging_colors, diverging_text_styles
from rnn_tui.tui.screens.lm_view import LanguageModelScreen
from rnn_tui.tui.screens.neuron_view import NeuronScreen
from rnn_tui.tui.screens.translator_view import TranslatorScreen
from rnn_tui.tui.widgets.lm.heatmap import StateHeatmap
from rnn_tui.tui.widgets.lm.token_strip import TokenStrip
from tests.pilot_helpers import first_view, until, workers_settled

# xterm's grey ramp, colours 232–255: 8, 18, …, 238 in each channel
XTERM_GREYS = {8 + 10 * step for step in range(24)}


def grey_level(colour: Color) -> int:
    """The grey a terminal shows for `colour` under Textual's NO_COLOR filter."""
    grey = TextualColor.from_rich_color(colour).monochrome
    return grey.r


def is_grey(colour: Color) -> bool:
    red, green, blue = colour.get_truecolor()
    return red == green == blue


def test_no_color_scales_grow_lighter_with_the_value_and_keep_text_readable() -> None:
    diverging = [grey_level(colour) for colour in diverging_colors(no_color=True)]
    assert diverging == sorted(set(diverging))  # strictly lighter from −1 to +1
    surprisal = [grey_level(style.bgcolor) for style in GREY_SURPRISAL_STYLES]
    assert surprisal == sorted(set(surprisal))  # strictly lighter as surprisal grows
    attention = [grey_level(style.bgcolor) for style in scale_styles(no_color=True)]
    assert attention == sorted(set(attention))  # strictly lighter as α grows
    grey_text = [*GREY_SURPRISAL_STYLES, *diverging_text_styles(True), *scale_styles(True)]
    for style in grey_text:
        assert abs(grey_level(style.color) - grey_level(style.bgcolor)) >= 100, style


def off_the_grey_ramp(styles) -> set[tuple[int, int, int]]:
    """The colours of `styles` (as a widget draws them, before any filter) that are not
    xterm ramp greys."""
    return {
        tuple(colour.get_truecolor())
        for style in styles
        if style is not None
        for colour in (style.color, style.bgcolor)
        if colour is not None
        and not (is_grey(colour) and colour.get_truecolor().red in XTERM_GREYS)
    }


def drawn_styles(widget) -> list[Style]:
    """The styles of what `widget` draws: its lines (line API) or its Rich text's spans."""
    if isinstance(widget, StateHeatmap | TokenStrip):
        lines = [widget.render_line(y) for y in range(widget.size.height)]
        return [segment.style for line in lines for segment in line]
    drawn = widget.content if isinstance(widget, Static) else widget.render()
    texts = drawn.renderables if isinstance(drawn, Group) else [drawn]  # Rich Texts
    spans = [span for text in texts for span in text.spans]
    return [Style.parse(s.style) if isinstance(s.style, str) else s.style for s in spans]


@pytest.mark.skipif(len(bundled_models()) < 5, reason="needs the bundled models")
@pytest.mark.parametrize(
    ("stem", "keys", "view"),
    [
        ("shakespeare-lstm", ["right"] * 3, LanguageModelScreen),
        pytest.param("en-fr-gru-additive", ["right"] * 3, TranslatorScreen, marks=pytest.mark.slow),
        pytest.param("shakespeare-lstm", ["u"], NeuronScreen, marks=pytest.mark.slow),
    ],
)
def test_no_color_draws_every_cell_in_greys_and_says_so(
    stem: str, keys: list[str], view: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    path = next(p for p in bundled_models() if p.stem == stem)

    async def scenario() -> None:
        app = make_app([path], prompt="the cat.")
        async with app.run_test(size=(80, 24)) as pilot:
            await first_view(pilot, LanguageModelScreen if keys == ["u"] else view)
            for key in keys:
                await pilot.press(key)
                await workers_settled(pilot)
            await until(pilot, lambda: isinstance(app.screen, view))
            await pilot.pause()
            strips = app.screen._compositor.render_strips()
            colours = [
                colour
                for strip in strips
                for segment in strip
                if segment.style is not None
                for colour in (segment.style.color, segment.style.bgcolor)
                if colour is not None
            ]
            assert colours, "nothing was drawn"
            assert all(is_grey(colour) for colour in colours), {
                colour.name for colour in colours if not is_grey(colour)
            }
            text = "\n".join(strip.text for strip in strips)
            assert not re.search(r"\b(blue|green|red)\b", text), text
            assert re.search(r"\bdark\b.*\blight\b", text), text
            scales = app.screen.query(
                "StateHeatmap, TokenStrip, VectorStrip, ActivationText, AttentionMap"
            )
            assert scales
            for widget in scales:
                assert not off_the_grey_ramp(drawn_styles(widget)), type(widget).__name__
        assert app.crash is None

    asyncio.run(scenario())
