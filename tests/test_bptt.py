"""Hand-written BPTT equals torch autograd and finite differences; the phenomena are real."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_tui.config import ModelConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.engine.bptt import bptt, clipped, global_norm, loss_gradient_flow
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.loading import expected_lm_shapes
from rnn_tui.engine.two_step import TwoStepInputs, two_step_terms
from rnn_tui.errors import UserError

torch = pytest.importorskip("torch")
from rnn_tui.nn.lm import build_language_model  # noqa: E402

TOKENIZER = Tokenizer.fit("char", ["abcdefghijklmnop \n"])


def random_weights(config: ModelConfig, scale: float, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        name: rng.uniform(-scale, scale, shape)
        for name, shape in expected_lm_shapes(config).items()
    }


def torch_model(config: ModelConfig, weights: dict[str, np.ndarray], dtype=torch.float32):
    module = build_language_model(config).to(dtype)
    module.load_state_dict({k: torch.tensor(v, dtype=dtype) for k, v in weights.items()})
    return module


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("layers", [1, 2])
def test_every_parameter_gradient_matches_autograd(cell: str, layers: int) -> None:
    config = ModelConfig(
        cell=cell, vocab_size=len(TOKENIZER), embedding_dim=7, hidden_size=11, num_layers=layers
    )
    weights = random_weights(config, 0.4, seed=layers)
    tokens = np.random.default_rng(9).integers(4, len(TOKENIZER), size=31)
    ours = bptt(LanguageModel(config, TOKENIZER, weights), tokens)

    module = torch_model(config, weights)
    inputs = torch.tensor(tokens[:-1])[None]
    logits, _ = module(inputs, module.initial_state(1, "cpu"))
    loss = torch.nn.functional.cross_entropy(logits[0], torch.tensor(tokens[1:]), reduction="sum")
    loss.backward()
    assert ours.loss == pytest.approx(loss.item(), rel=1e-5)
    for name, parameter in module.named_parameters():
        assert relative_error(ours.parameters[name], parameter.grad.numpy()) <= 1e-5, name


@pytest.mark.parametrize("layers", [1, 2])
def test_relu_rnn_gradients_match_autograd(layers: int) -> None:
    """φ = relu: δa = δs ⊙ [a > 0] (a unit at zero passes no gradient back)."""
    config = ModelConfig(
        cell="rnn", nonlinearity="relu", vocab_size=len(TOKENIZER), embedding_dim=7,
        hidden_size=11, num_layers=layers,
    )  # fmt: skip
    weights = random_weights(config, 0.4, seed=layers + 5)
    tokens = np.random.default_rng(3).integers(4, len(TOKENIZER), size=25)
    model = LanguageModel(config, TOKENIZER, weights)
    ours = bptt(model, tokens)
    states = np.stack([model.step(t, model.initial_state()).layers[0].h for t in tokens])
    assert (states == 0).any() and (states > 0).any()  # both sides of the kink are used

    module = torch_model(config, weights)
    assert module.rnn.nonlinearity == "relu"
    logits, _ = module(torch.tensor(tokens[:-1])[None], module.initial_state(1, "cpu"))
    loss = torch.nn.functional.cross_entropy(logits[0], torch.tensor(tokens[1:]), reduction="sum")
    loss.backward()
    assert ours.loss == pytest.approx(loss.item(), rel=1e-5)
    for name, parameter in module.named_parameters():
        assert relative_error(ours.parameters[name], parameter.grad.numpy()) <= 1e-5, name


def test_tied_weights_sum_both_uses() -> None:
    config = ModelConfig(
        cell="lstm",
        vocab_size=len(TOKENIZER),
        embedding_dim=9,
        hidden_size=9,
        num_layers=1,
        tie_weights=True,
    )
    weights = random_weights(config, 0.4, seed=3)
    weights["decoder.weight"] = weights["embedding.weight"]
    tokens = np.random.default_rng(1).integers(4, len(TOKENIZER), size=20)
    ours = bptt(LanguageModel(config, TOKENIZER, weights), tokens)
    module = torch_model(config, weights)
    logits, _ = module(torch.tensor(tokens[:-1])[None], module.initial_state(1, "cpu"))
    torch.nn.functional.cross_entropy(
        logits[0], torch.tensor(tokens[1:]), reduction="sum"
    ).backward()
    expected = module.embedding.weight.grad.numpy()
    assert relative_error(ours.parameters["embedding.weight"], expected) <= 1e-5
    total = torch.nn.utils.clip_grad_norm_(module.parameters(), 1e9).item()
    assert global_norm(ours.parameters, tied=True) == pytest.approx(total, rel=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_finite_differences_in_float64(cell: str) -> None:
    tokenizer = Tokenizer.fit("char", ["abc"])
    config = ModelConfig(
        cell=cell, vocab_size=len(tokenizer), embedding_dim=3, hidden_size=4, num_layers=2
    )
    weights = random_weights(config, 0.8, seed=5)
    tokens = [1, 4, 5, 6, 4, 4, 6, 5]
    analytic = bptt(LanguageModel(config, tokenizer, weights, dtype=np.float64), tokens).parameters
    eps = 1e-6
    for name, value in weights.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus = {**weights, name: value.copy()}
            minus = {**weights, name: value.copy()}
            plus[name][index] += eps
            minus[name][index] -= eps
            up = bptt(LanguageModel(config, tokenizer, plus, dtype=np.float64), tokens).loss
            down = bptt(LanguageModel(config, tokenizer, minus, dtype=np.float64), tokens).loss
            numeric[index] = (up - down) / (2 * eps)
        assert relative_error(analytic[name], numeric) < 1e-6, name


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_hidden_gradients_match_autograd_step_by_step(cell: str) -> None:
    config = ModelConfig(
        cell=cell, vocab_size=len(TOKENIZER), embedding_dim=5, hidden_size=6, num_layers=1
    )
    weights = random_weights(config, 0.5, seed=11)
    tokens = np.random.default_rng(2).integers(4, len(TOKENIZER), size=16)
    position = 12
    ours = loss_gradient_flow(LanguageModel(config, TOKENIZER, weights), tokens, position)[0]

    module = torch_model(config, weights)
    state = module.initial_state(1, "cpu")
    states = []
    loss_t = None
    for t in range(position + 1):
        embedded = module.embedding(torch.tensor([[tokens[t]]]))
        output, state = module.rnn(embedded, state)
        h = state[0] if cell == "lstm" else state
        h.retain_grad()
        output.retain_grad()
        states.append((h, output))
        if t == position:
            logits = module.decoder(output[0, 0])
            loss_t = torch.nn.functional.cross_entropy(logits[None], torch.tensor([tokens[t + 1]]))
    loss_t.backward()
    expected = []
    for h, output in states:
        total = torch.zeros(config.hidden_size)
        for tensor in (h, output):
            if tensor.grad is not None:
                total = total + tensor.grad[0, 0]
        expected.append(float(total.norm()))
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-9)


def flow_ratio(cell: str, radius: float, input_scale: float, forget_bias: float = 0.0) -> float:
    hidden = 32
    config = ModelConfig(
        cell=cell, vocab_size=len(TOKENIZER), embedding_dim=8, hidden_size=hidden, num_layers=1
    )
    rng = np.random.default_rng(0)
    weights = {
        name: rng.normal(0, 0.1, shape) for name, shape in expected_lm_shapes(config).items()
    }
    weights["embedding.weight"] *= input_scale
    gates = weights["rnn.weight_hh_l0"].shape[0] // hidden
    if cell == "rnn":
        q, _ = np.linalg.qr(rng.normal(size=(hidden, hidden)))
        weights["rnn.weight_hh_l0"] = radius * q
        weights["rnn.bias_ih_l0"][:] = 0
        weights["rnn.bias_hh_l0"][:] = 0
    if cell == "lstm":
        weights["rnn.bias_ih_l0"][hidden : 2 * hidden] = forget_bias
        weights["rnn.bias_hh_l0"][hidden : 2 * hidden] = 0.0
    assert gates in (1, 4)
    model = LanguageModel(config, TOKENIZER, weights)
    tokens = np.random.default_rng(4).integers(4, len(TOKENIZER), size=51)  # 50 steps
    norms = loss_gradient_flow(model, tokens)[0]
    return float(norms[0] / norms[-1])


def test_vanishing_and_exploding_gradients() -> None:
    small = flow_ratio("rnn", radius=0.5, input_scale=1.0)
    lstm = flow_ratio("lstm", radius=0.0, input_scale=1.0, forget_bias=1.0)
    large = flow_ratio("rnn", radius=1.5, input_scale=1e-12)
    assert small < 1e-3  # vanishing within 50 steps
    assert lstm > 1e3 * small  # the cell state's additive path keeps far more
    assert large > 1e3  # exploding: the farthest step gets the largest gradient


def test_clipping_scales_to_the_threshold() -> None:
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([12.0])}
    assert global_norm(grads) == pytest.approx(13.0)
    assert global_norm(clipped(grads, 1.3)) == pytest.approx(1.3, rel=1e-6)
    assert global_norm(clipped(grads, 100.0)) == pytest.approx(13.0)


def test_two_step_paths_sum_to_autograd() -> None:
    p = TwoStepInputs(u=0.7, w=-1.1, v=0.8, b=0.2, x1=1.5, x2=-0.4, d1=0.5, d2=-0.3)
    terms = two_step_terms(p)
    u = torch.tensor(p.u, dtype=torch.float64, requires_grad=True)

    def errors(detach_h1: bool):
        h1 = torch.tanh(u * p.x1 + p.b)
        h1_used = h1.detach() if detach_h1 else h1
        h2 = torch.tanh(u * p.x2 + p.w * h1_used + p.b)
        return 0.5 * (p.v * h1 - p.d1) ** 2, 0.5 * (p.v * h2 - p.d2) ** 2

    e1, e2 = errors(False)
    (total,) = torch.autograd.grad(e1 + e2, u)
    (only_e1,) = torch.autograd.grad(errors(False)[0], u)
    (e2_direct,) = torch.autograd.grad(errors(True)[1], u)
    assert terms.total == pytest.approx(total.item(), abs=1e-12)
    assert terms.direct_e1 == pytest.approx(only_e1.item(), abs=1e-12)
    assert terms.direct_e2 == pytest.approx(e2_direct.item(), abs=1e-12)
    assert terms.e2_through_h1 != pytest.approx(0.0)


def test_window_model_has_no_gradient_through_time() -> None:
    config = ModelConfig(
        cell="ffnn",
        vocab_size=len(TOKENIZER),
        embedding_dim=3,
        hidden_size=4,
        num_layers=1,
        context=2,
    )
    model = LanguageModel(config, TOKENIZER, random_weights(config, 0.3, 0))
    with pytest.raises(UserError, match="recurrent"):
        bptt(model, [1, 5, 6])


def test_all_pairs_rows_equal_single_position_flows() -> None:
    from rnn_tui.engine.bptt import all_pairs_gradient_norms

    config = ModelConfig(
        cell="gru", vocab_size=len(TOKENIZER), embedding_dim=5, hidden_size=6, num_layers=2
    )
    model = LanguageModel(config, TOKENIZER, random_weights(config, 0.5, seed=2))
    tokens = np.random.default_rng(3).integers(4, len(TOKENIZER), size=12)
    pairs = all_pairs_gradient_norms(model, tokens)  # (layers, T, T)
    for t in range(len(tokens) - 1):
        np.testing.assert_allclose(pairs[:, t, : t + 1], loss_gradient_flow(model, tokens, t))
        assert not pairs[:, t, t + 1 :].any()
