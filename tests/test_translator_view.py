"""The translator view, driven by Pilot: the widgets hold the engine's own numbers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.engine import translation_search as search
from rnn_tui.engine.loading import load_translator
from rnn_tui.tui.app import make_app
from rnn_tui.tui.screens.translator_view import TOP_K_SHOWN, TranslatorScreen, default_source
from rnn_tui.tui.widgets.lm.heatmap import StateHeatmap
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.translator.attention import AttentionMap
from rnn_tui.tui.widgets.translator.beam import BeamTable
from rnn_tui.tui.widgets.translator.scores import ScoreTable
from tests.pilot_helpers import first_view


async def open_translator(app, pilot) -> TranslatorScreen:
    return await first_view(pilot, TranslatorScreen)


@pytest.mark.slow
def test_stepping_the_decoder_shows_the_engines_numbers(tiny_translator_checkpoint: Path) -> None:
    translator = load_translator(tiny_translator_checkpoint)
    _, steps = search.greedy(translator, translator.encode_text("a b c d"), max_len=20)
    beam = search.beam_search(
        translator, translator.encode_text("a b c d"), width=3, alpha=0.6, max_len=60
    )

    async def scenario() -> None:
        app = make_app([tiny_translator_checkpoint], prompt="a b c d")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_translator(app, pilot)
            encoded = screen.session.encoded

            def next_panel_matches(step) -> None:
                """The panel shows the distribution that chooses the next token: softmax of
                that step's logits, written out here."""
                logits = step.logits[0].astype(np.float64)
                probs = np.exp(logits - logits.max())
                probs /= probs.sum()
                bars = screen.query_one("#mt-next", NextTokenBars).predictions
                assert len(bars) == TOP_K_SHOWN
                assert [b.token for b in bars] == np.argsort(-probs, kind="stable")[
                    : len(bars)
                ].tolist()
                for bar in bars:
                    assert bar.probability == pytest.approx(probs[bar.token], abs=1e-6)

            next_panel_matches(steps[0])  # at t = 0: the first token's distribution
            assert "output ppl —" in str(screen.query_one("#mt-next", NextTokenBars).render())
            np.testing.assert_allclose(
                screen.query_one("#forward", StateHeatmap).matrix, encoded.forward.T
            )
            np.testing.assert_allclose(
                screen.query_one("#backward", StateHeatmap).matrix, encoded.backward.T
            )
            np.testing.assert_allclose(
                screen.query_one("#self-attention", AttentionMap).weights, encoded.self_attention
            )
            await pilot.press("right", "right", "right")
            rows = screen.query_one("#attention", AttentionMap).weights
            assert rows.shape == (3, len(encoded.source_ids))
            for t in range(3):
                np.testing.assert_allclose(rows[t], steps[t].weights[0], atol=1e-6)
            scores = screen.query_one(ScoreTable).rows  # the 8 largest weights, in source order
            expected = sorted(np.argsort(-steps[2].weights[0], kind="stable")[:8].tolist())
            assert [r.position for r in scores] == expected
            for row in scores:
                assert row.score == pytest.approx(float(steps[2].scores[0, row.position]), abs=1e-5)
                assert row.weight == pytest.approx(
                    float(steps[2].weights[0, row.position]), abs=1e-6
                )
            next_panel_matches(steps[3])  # three tokens shown: the fourth is being chosen
            await app.workers.wait_for_complete()
            await pilot.pause()
            shown = screen.query_one(BeamTable).step
            assert shown is not None
            assert [h.tokens for h in shown.live] == [h.tokens for h in beam.steps[2].live]
            await pilot.press("e")
            assert screen.session.output_text() == "d c b a"
            assert screen.query_one("#mt-next", NextTokenBars).predictions == []
            assert "output complete (<eos> emitted)" in str(
                screen.query_one("#mt-next", NextTokenBars).render()
            )
            await pilot.press("left")
            assert screen.session.position == len(screen.session.tokens) - 1

    asyncio.run(scenario())


@pytest.mark.slow
def test_typing_a_source_re_encodes(tiny_translator_checkpoint: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_translator_checkpoint], prompt="a b")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_translator(app, pilot)
            await pilot.press("s", "ctrl+u", *"f e d", "enter", "e")
            assert screen.session.source == "f e d"
            assert screen.session.output_text() == "d e f"

    asyncio.run(scenario())


def test_a_source_too_long_for_the_encoder_is_refused_and_the_view_keeps_its_own(
    tiny_translator_checkpoint: Path,
) -> None:
    """From --prompt the view opens on its default source; typed with `s`, the source it
    had stays; both say why in a notification."""
    from rnn_tui.engine.translator import MAX_SOURCE_TOKENS

    too_long = "a" * (MAX_SOURCE_TOKENS + 1)

    async def scenario() -> None:
        app = make_app([tiny_translator_checkpoint], prompt=too_long)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_translator(app, pilot)
            assert screen.session.source == default_source(screen.translator)
            said = [n.message for n in app._notifications]
            assert any(m.startswith("--prompt: the source is 1,001 tokens") for m in said)
            await pilot.press("s", "ctrl+u")
            screen.app.screen.query_one("#ask-input").value = too_long
            await pilot.press("enter")
            await pilot.pause()
            assert screen.session.source == default_source(screen.translator)
            said = [n.message for n in app._notifications]
            assert any(m.startswith("the source is 1,001 tokens") for m in said)
            assert app.screen is screen  # the view is still there, answering keys
            await pilot.press("right")
            assert screen.session.position == 1

    asyncio.run(scenario())


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_the_context_vectors_caption_keeps_its_norm_at_every_size(
    tiny_translator_checkpoint: Path, size: tuple[int, int]
) -> None:
    """‖c‖ ends the caption: a narrow panel drops words before the norm (at 80×24 it was
    cut after "‖c‖"). The norm is c's, written out here."""
    from rich.cells import cell_len

    from rnn_tui.tui.widgets.translator.vector import VectorStrip

    async def scenario() -> None:
        app = make_app([tiny_translator_checkpoint], prompt="a b c")
        async with app.run_test(size=size) as pilot:
            screen = await open_translator(app, pilot)
            strip = screen.query_one("#context", VectorStrip)
            context = screen.session.encoded.context.astype(np.float64)
            norm = float(np.sqrt((context * context).sum()))
            caption = str(strip.render()).split("\n")[1]
            assert caption.endswith(f"‖c‖ = {norm:.3f}")
            assert cell_len(caption) <= strip.size.width

    asyncio.run(scenario())
