"""The adaptive softmax: torch ↔ NumPy parity of the full distribution, training, refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rnn_tui.checkpoint import load_checkpoint
from rnn_tui.config import ModelConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.loading import expected_lm_shapes, load_language_model
from rnn_tui.errors import UserError
from rnn_tui.nn.lm import build_language_model
from rnn_tui.train.export import module_tensors
from tests.conftest import tiny_training_args


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_engine_computes_the_same_full_distribution(cell: str) -> None:
    words = [f"w{i}" for i in range(56)]
    tokenizer = Tokenizer.fit("word", [" ".join(words)])
    config = ModelConfig(
        cell=cell, vocab_size=len(tokenizer), embedding_dim=8, hidden_size=32, num_layers=2,
        softmax="adaptive", cutoffs=(12, 30),
    )  # fmt: skip
    torch.manual_seed(0)
    module = build_language_model(config).eval()
    tensors = module_tensors(module)
    assert {n: tuple(t.shape) for n, t in tensors.items()} == expected_lm_shapes(config)
    engine = LanguageModel(config, tokenizer, tensors)
    tokens = np.random.default_rng(0).integers(0, len(tokenizer), (3, 9))
    with torch.no_grad():
        expected, _ = module(torch.from_numpy(tokens), module.initial_state(3, "cpu"))
    got, _ = engine.forward(tokens, engine.initial_state((3,)))
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-5)
    np.testing.assert_allclose(np.exp(got).sum(-1), 1.0, atol=1e-5)
    trace = engine.step(5, engine.initial_state())
    assert trace.probs.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_adaptive_training_end_to_end(repetitive_text_file: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "adaptive"
    args = tiny_training_args(repetitive_text_file, out, steps=60, tokenizer="word")
    result = cli(*args, "--softmax", "adaptive", "--cutoffs", "6")
    assert result.exit_code == 0, result.output
    checkpoint = load_checkpoint(out / "best.safetensors")
    assert checkpoint.meta["model_config"]["softmax"] == "adaptive"
    validation = checkpoint.meta["card"]["validation"]["val_loss"]
    assert validation < 1.0  # the repetitive text is nearly deterministic
    model = load_language_model(out / "best.safetensors")
    report = cli("eval", str(out / "best.safetensors"), "--json").output
    assert f"{validation:.4f}"[:5] in report
    with pytest.raises(UserError, match="adaptive"):
        from rnn_tui.engine.bptt import bptt

        bptt(model, model.tokenizer.encode("the quick brown fox"))


def test_bad_cutoffs_are_refused(repetitive_text_file: Path, tmp_path: Path, cli) -> None:
    args = tiny_training_args(repetitive_text_file, tmp_path / "x", steps=5, tokenizer="word")
    result = cli(*args, "--softmax", "adaptive", "--cutoffs", "500")
    assert result.exit_code == 2 and "below the vocabulary size" in result.output
    result = cli(*args, "--softmax", "adaptive", "--cutoffs", "6,3")
    assert result.exit_code == 2 and "increasing" in result.output
    result = cli(*args, "--softmax", "sparse")
    assert result.exit_code == 2 and "--softmax: expected full or adaptive" in result.output
