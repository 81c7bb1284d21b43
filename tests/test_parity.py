"""The NumPy engine and the torch modules compute the same model (DESIGN: parity)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnn_tui.config import ModelConfig  # noqa: E402
from rnn_tui.data.tokenizers import Tokenizer  # noqa: E402
from rnn_tui.data.vocab import BOS_ID  # noqa: E402
from rnn_tui.engine.lm import LanguageModel  # noqa: E402
from rnn_tui.engine.loading import expected_lm_shapes  # noqa: E402
from rnn_tui.nn.lm import build_language_model  # noqa: E402
from rnn_tui.train.export import module_tensors  # noqa: E402

TEXT = "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate."
HELD_OUT = (
    "Rough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date."
)


def make_pair(cell: str, layers: int, seed: int = 0) -> tuple[torch.nn.Module, LanguageModel]:
    tokenizer = Tokenizer.fit("char", [TEXT])
    config = ModelConfig(
        cell=cell,
        vocab_size=len(tokenizer),
        embedding_dim=10,
        hidden_size=20,
        num_layers=layers,
        context=5,
    )
    torch.manual_seed(seed)
    module = build_language_model(config).eval()
    with torch.no_grad():  # larger than default init, so gates saturate as in trained models
        for parameter in module.parameters():
            parameter.uniform_(-0.6, 0.6)
    return module, LanguageModel(config, tokenizer, module_tensors(module))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "ffnn"])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_step_by_step_matches_torch_over_50_tokens(cell: str, layers: int) -> None:
    module, engine = make_pair(cell, layers)
    tokens = np.random.default_rng(layers).integers(0, engine.config.vocab_size, size=50)
    with torch.no_grad():
        logits, final = module(torch.tensor(tokens)[None], module.initial_state(1, "cpu"))
    state = engine.initial_state()
    for t, token in enumerate(tokens):
        trace = engine.step(int(token), state)
        state = trace.state
        np.testing.assert_allclose(trace.logits, logits[0, t].numpy(), atol=1e-5, rtol=0)
        np.testing.assert_allclose(trace.probs.sum(), 1.0, atol=1e-5)
    if cell == "ffnn":
        np.testing.assert_array_equal(state, final[0].numpy())
        return
    torch_h = final[0] if cell == "lstm" else final
    for layer in range(layers):
        np.testing.assert_allclose(state[layer][0], torch_h[layer, 0].numpy(), atol=1e-5, rtol=0)
        if cell == "lstm":
            np.testing.assert_allclose(
                state[layer][1], final[1][layer, 0].numpy(), atol=1e-5, rtol=0
            )


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "ffnn"])
def test_batched_forward_matches_torch(cell: str) -> None:
    """Logits and the final state (what `evaluate` carries from one window to the next),
    read in one call and in two with the state carried between them."""
    module, engine = make_pair(cell, 2, seed=3)
    tokens = np.random.default_rng(5).integers(0, engine.config.vocab_size, size=(3, 40))
    with torch.no_grad():
        expected, final = module(torch.tensor(tokens), module.initial_state(3, "cpu"))
    logits, state = engine.forward(tokens, engine.initial_state((3,)))
    np.testing.assert_allclose(logits, expected.numpy(), atol=1e-5, rtol=0)
    first, carried = engine.forward(tokens[:, :17], engine.initial_state((3,)))
    second, _ = engine.forward(tokens[:, 17:], carried)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), logits, atol=1e-5)
    if cell == "ffnn":
        np.testing.assert_array_equal(state, final.numpy())
        return
    torch_h, torch_c = final if cell == "lstm" else (final, None)
    for layer in range(2):
        np.testing.assert_allclose(state[layer][0], torch_h[layer].numpy(), atol=1e-5, rtol=0)
        if torch_c is not None:
            np.testing.assert_allclose(state[layer][1], torch_c[layer].numpy(), atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "ffnn"])
def test_per_token_loss_on_held_out_text_matches(cell: str) -> None:
    module, engine = make_pair(cell, 2, seed=7)
    ids = engine.tokenizer.encode(HELD_OUT)
    with torch.no_grad():
        inputs = torch.tensor([BOS_ID, *ids[:-1]])[None]
        logits, _ = module(inputs, module.initial_state(1, "cpu"))
        expected = torch.nn.functional.cross_entropy(logits[0], torch.tensor(ids), reduction="none")
    np.testing.assert_allclose(engine.surprisals(ids), expected.numpy(), atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm", "ffnn"])
def test_engine_knows_every_tensor_name_and_shape(cell: str) -> None:
    module, engine = make_pair(cell, 2)
    shapes = {name: tuple(t.shape) for name, t in module.state_dict().items()}
    assert shapes == expected_lm_shapes(engine.config)
