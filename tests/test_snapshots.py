"""Snapshot tests of the explorer's views on the bundled models, at 80×24 and 120×36.

Each snapshot is taken after the keys are pressed and every worker they started
(model loading, beam search, the neuron view's top contexts) has finished, so a
golden never shows one step's heading over another step's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from rnn_tui.bundled import bundled_models
from rnn_tui.tui.app import make_app

pytestmark = pytest.mark.skipif(not bundled_models(), reason="no bundled model")


async def settled(pilot) -> None:
    """Until no worker runs and no message waits (a worker's result may start another)."""
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


def bundled(stem: str | None = None) -> Sequence:
    models = bundled_models()
    return [p for p in models if p.stem == stem] if stem else models[:1]


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_lm_view_after_argmax_steps(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled(), prompt="ROMEO:\n")
    keys = ["m", *["right"] * 12, "full_stop", "full_stop"]
    assert snap_compare(app, terminal_size=size, run_before=pressing(*keys))


def test_help_screen(snap_compare) -> None:
    app = make_app(bundled())
    assert snap_compare(app, terminal_size=(80, 24), run_before=pressing("question_mark"))


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_translator_view_after_decoder_steps(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(bundled("dates-bigru-additive"), prompt="le samedi 9 mai 2018")
    assert snap_compare(app, terminal_size=size, run_before=pressing(*["right"] * 7))


@pytest.mark.slow
def test_neuron_view(snap_compare) -> None:
    app = make_app(bundled(), prompt="ROMEO:\nBut, soft! what light")
    keys = ["u", *["right"] * 12, "full_stop"]
    assert snap_compare(app, terminal_size=(120, 36), run_before=pressing(*keys))
