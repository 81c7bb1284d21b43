"""Snapshot tests of the explorer's views on the bundled models, at 80×24 and 120×36."""

from __future__ import annotations

import pytest

from rnn_tui.bundled import bundled_models
from rnn_tui.tui.app import make_app

pytestmark = pytest.mark.skipif(not bundled_models(), reason="no bundled model")


async def loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_lm_view_after_argmax_steps(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled_models()[:1], prompt="ROMEO:\n")
    keys = ["m", *["right"] * 12, "full_stop", "full_stop"]
    assert snap_compare(app, press=keys, terminal_size=size, run_before=loaded)


def test_help_screen(snap_compare) -> None:
    app = make_app(bundled_models()[:1])
    assert snap_compare(app, press=["question_mark"], terminal_size=(80, 24), run_before=loaded)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_translator_view_after_decoder_steps(snap_compare, size: tuple[int, int]) -> None:
    dates = [p for p in bundled_models() if p.stem == "dates-bigru-additive"]
    app = make_app(dates, prompt="le samedi 9 mai 2018")
    keys = ["right"] * 7
    assert snap_compare(app, press=keys, terminal_size=size, run_before=loaded)


def test_neuron_view(snap_compare) -> None:
    app = make_app(bundled_models()[:1], prompt="ROMEO:\nBut, soft! what light")
    keys = ["u", *["right"] * 12, "full_stop"]
    assert snap_compare(app, press=keys, terminal_size=(120, 36), run_before=loaded)
