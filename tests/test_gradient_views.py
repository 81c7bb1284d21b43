"""The gradient lab and the gradients/two-step commands show the BPTT engine's numbers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.data.vocab import BOS_ID
from rnn_tui.engine.bptt import loss_gradient_flow
from rnn_tui.engine.loading import load_language_model
from rnn_tui.engine.two_step import TwoStepInputs, two_step_terms
from rnn_tui.tui.app import make_app
from rnn_tui.tui.screens.lab import GradientLabScreen
from rnn_tui.tui.screens.lm_view import LanguageModelScreen
from rnn_tui.tui.widgets.lab.flow_bars import GradientFlowBars, bar_rows
from tests.conftest import run_cli
from tests.pilot_helpers import first_view

TEXT = "the lazy dog jumps"


def expected_norms(
    path: Path, text: str, position: int | None = None, layer: int = -1
) -> np.ndarray:
    """‖∂L_t/∂h_k‖ of one layer's states (the top by default)."""
    model = load_language_model(path)
    per_layer = loss_gradient_flow(model, [BOS_ID, *model.tokenizer.encode(text)], position)
    return per_layer[layer]


def torch_mean_loss_gradient_norm(path: Path, text: str) -> float:
    """‖∂L/∂θ‖ for L = mean over the text of −log p(w_t | w_<t), by torch autograd on the
    checkpoint's weights: the norm `train --clip` clips."""
    import torch
    import torch.nn.functional as F

    from rnn_tui.checkpoint import load_checkpoint
    from rnn_tui.config import ModelConfig
    from rnn_tui.nn.lm import build_language_model

    checkpoint = load_checkpoint(path)
    module = build_language_model(ModelConfig.from_dict(checkpoint.meta["model_config"]))
    module.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in checkpoint.tensors.items()})
    model = load_language_model(path)
    ids = torch.tensor([[BOS_ID, *model.tokenizer.encode(text)]])
    logits, _ = module(ids[:, :-1], module.initial_state(1, "cpu"))
    F.cross_entropy(logits[0], ids[0, 1:]).backward()
    return float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in module.parameters())))


def test_gradients_json_matches_the_engine(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    result = run_cli(
        "gradients",
        str(tiny_lstm_checkpoint),
        str(tiny_rnn_checkpoint),
        "--text",
        TEXT,
        "--position",
        "10",
        "--clip",
        "0.5",
        "--json",
    )
    assert result.exit_code == 0, result.output
    models = json.loads(result.output)["models"]
    assert [m["cell"] for m in models] == ["lstm", "rnn"]
    for entry, path in zip(models, (tiny_lstm_checkpoint, tiny_rnn_checkpoint), strict=True):
        norms = expected_norms(path, TEXT, 10)
        np.testing.assert_allclose(entry["norms"], norms, rtol=1e-6)
        assert entry["ratio_farthest_to_nearest"] == pytest.approx(norms[0] / norms[-1])
        total = torch_mean_loss_gradient_norm(path, TEXT)
        assert entry["global_norm"] == pytest.approx(total, rel=1e-5)
        assert entry["clipped_global_norm"] == pytest.approx(min(total, 0.5), rel=1e-5)
        assert entry["target"] == TEXT[10]


def test_gradients_are_per_layer_and_name_the_layer() -> None:
    """A two-layer model: the norms are the top layer's unless --layer names another, and
    the table's title says which; the layers differ, so a combined norm would fail."""
    from rnn_tui.bundled import bundled_models

    found = [p for p in bundled_models() if p.stem == "shakespeare-rnn"]
    if not found:
        pytest.skip("no bundled RNN")
    path, text = found[0], "ROMEO:\nBut, soft!"
    top = json.loads(run_cli("gradients", str(path), "--text", text, "--json").output)
    first = json.loads(
        run_cli("gradients", str(path), "--text", text, "--layer", "1", "--json").output
    )
    assert top["models"][0]["layer"] == 2 and first["models"][0]["layer"] == 1
    np.testing.assert_allclose(top["models"][0]["norms"], expected_norms(path, text), rtol=1e-6)
    lower = expected_norms(path, text, layer=0)
    np.testing.assert_allclose(first["models"][0]["norms"], lower, rtol=1e-6)
    assert not np.allclose(lower, expected_norms(path, text))
    table = run_cli("gradients", str(path), "--text", text, "--clip", "1").output
    assert "of h_k in top layer 2/2" in table and "mean loss over the text" in table
    refused = run_cli("gradients", str(path), "--text", text, "--layer", "3")
    assert refused.exit_code == 2 and "--layer: expected 1 to 2, got 3" in refused.output


def test_gradients_table_side_by_side(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    result = run_cli(
        "gradients", str(tiny_lstm_checkpoint), str(tiny_rnn_checkpoint), "--text", TEXT
    )
    assert result.exit_code == 0
    assert "LSTM" in result.output and "RNN" in result.output
    assert result.output.count("farthest/nearest") == 2
    rows = [line for line in result.output.splitlines() if line.strip().startswith("│")]
    assert len(rows) >= len(TEXT)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--position", "99"], "--position"),
        (["--clip", "0"], "--clip"),
    ],
)
def test_gradients_rejects_bad_options(
    tiny_lstm_checkpoint: Path, args: list[str], expected: str
) -> None:
    result = run_cli("gradients", str(tiny_lstm_checkpoint), "--text", TEXT, *args)
    assert result.exit_code == 2 and expected in result.output


def test_two_step_command_prints_the_three_paths() -> None:
    result = run_cli("two-step", "--u", "0.7", "--w", "-1.1")
    terms = two_step_terms(TwoStepInputs(u=0.7, w=-1.1))
    assert result.exit_code == 0
    for value in (terms.direct_e1, terms.direct_e2, terms.e2_through_h1, terms.total):
        assert f"{value:+.6f}" in result.output


def test_bar_rows_are_log_scaled() -> None:
    rows = bar_rows([1e-4, 1e-2, 1.0], low=1e-4, high=1.0, height=2)
    assert rows == ["  █", " ██"]


@pytest.mark.slow
def test_lab_view_compares_two_models(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt=TEXT)
        async with app.run_test(size=(120, 36)) as pilot:
            await first_view(pilot, LanguageModelScreen)
            await pilot.press("g")
            assert isinstance(app.screen, GradientLabScreen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            for index, path in enumerate((tiny_lstm_checkpoint, tiny_rnn_checkpoint)):
                shown = app.screen.query_one(f"#flow-{index}", GradientFlowBars).values
                np.testing.assert_allclose(shown, expected_norms(path, TEXT), rtol=1e-6)
            await pilot.press("left", "left")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.position == len(TEXT) - 3
            shown = app.screen.query_one("#flow-0", GradientFlowBars).values
            np.testing.assert_allclose(
                shown, expected_norms(tiny_lstm_checkpoint, TEXT, len(TEXT) - 3), rtol=1e-6
            )
            await pilot.press("escape", "n")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen.model.config.cell == "rnn"
            assert app.screen.session.text() == TEXT

    asyncio.run(scenario())


def test_bptt_refuses_a_text_longer_than_it_runs_over(tiny_lstm_checkpoint: Path, cli) -> None:
    """BPTT keeps every step: 50,000 characters took the bundled LSTM 36 s and 1.5 GB.
    Past MAX_BPTT_TOKENS (with <bos>) the text is refused with one line, before any work."""
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.errors import UserError
    from rnn_tui.session.gradients import MAX_BPTT_TOKENS, text_tokens

    model = load_language_model(tiny_lstm_checkpoint)
    longest = ("the quick brown fox " * 200)[: MAX_BPTT_TOKENS - 1]  # characters, and <bos>
    assert len(text_tokens(model, longest)) == MAX_BPTT_TOKENS
    with pytest.raises(UserError, match=f"{MAX_BPTT_TOKENS + 1:,} tokens long"):
        text_tokens(model, longest + "x")
    result = cli("gradients", str(tiny_lstm_checkpoint), "--text", longest + "x")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"error: --text: the text is {MAX_BPTT_TOKENS + 1:,} tokens long; BPTT here runs "
        f"over at most {MAX_BPTT_TOKENS:,} (it keeps every step's states)"
    ]
