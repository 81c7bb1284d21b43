"""Properties of the NumPy engine that hold whatever the weights."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnn_tui.config import ModelConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.engine.cells import CellWeights, gru_step, input_projection, lstm_step, rnn_step
from rnn_tui.engine.functions import best_first, entropy_nats, log_softmax, sigmoid, softmax
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.loading import expected_lm_shapes
from rnn_tui.engine.sampling import generate, sample_token, sampling_distribution
from rnn_tui.errors import UserError


def random_model(cell: str, layers: int = 2, seed: int = 0, context: int = 3) -> LanguageModel:
    tokenizer = Tokenizer.fit("char", ["abcdefghij \n"])
    config = ModelConfig(
        cell=cell,
        vocab_size=len(tokenizer),
        embedding_dim=6,
        hidden_size=9,
        num_layers=layers,
        context=context,
    )
    rng = np.random.default_rng(seed)
    weights = {
        name: rng.normal(0, 0.7, shape).astype(np.float32)
        for name, shape in expected_lm_shapes(config).items()
    }
    return LanguageModel(config, tokenizer, weights)


def weights(gates: int, n_in: int = 4, hidden: int = 5, seed: int = 0) -> CellWeights:
    rng = np.random.default_rng(seed)
    return CellWeights(
        rng.normal(size=(gates * hidden, n_in)),
        rng.normal(size=(gates * hidden, hidden)),
        rng.normal(size=gates * hidden),
        rng.normal(size=gates * hidden),
    )


def test_functions_are_stable_and_normalised() -> None:
    z = np.array([1000.0, 0.0, -1000.0])
    assert np.isfinite(sigmoid(z)).all() and sigmoid(np.array([0.0]))[0] == 0.5
    np.testing.assert_allclose(softmax(z).sum(), 1.0)
    np.testing.assert_allclose(np.exp(log_softmax(z)), softmax(z), atol=1e-12)
    assert entropy_nats(np.full(4, 0.25)) == pytest.approx(np.log(4))


def test_lstm_trace_obeys_its_equations() -> None:
    p = weights(4)
    rng = np.random.default_rng(1)
    x, h, c = rng.normal(size=4), rng.normal(size=5), rng.normal(size=5)
    trace = lstm_step(p, input_projection(p, x), h, c)
    g = trace.gates
    np.testing.assert_allclose(trace.c, g["f"] * c + g["i"] * g["g"])
    np.testing.assert_allclose(trace.h, g["o"] * np.tanh(trace.c))
    np.testing.assert_allclose(g["f"], sigmoid(trace.pre["f"]))
    pre = p.u @ x + p.b_u + p.w @ h + p.b_w
    np.testing.assert_allclose(trace.pre["f"], pre[5:10])
    for name in "ifo":
        assert ((g[name] > 0) & (g[name] < 1)).all()


def test_gru_and_rnn_traces_obey_their_equations() -> None:
    rng = np.random.default_rng(2)
    x, h = rng.normal(size=4), rng.normal(size=5)
    p = weights(3)
    trace = gru_step(p, input_projection(p, x), h)
    r, z, n = trace.gates["r"], trace.gates["z"], trace.gates["n"]
    np.testing.assert_allclose(trace.h, (1 - z) * n + z * h)
    hn = p.w[10:] @ h + p.b_w[10:]
    np.testing.assert_allclose(n, np.tanh(p.u[10:] @ x + p.b_u[10:] + r * hn))
    q = weights(1)
    s = rnn_step(q, input_projection(q, x), h)
    np.testing.assert_allclose(s.h, np.tanh(q.u @ x + q.b_u + q.w @ h + q.b_w))


def test_window_model_cannot_see_past_its_context() -> None:
    model = random_model("ffnn", context=3)
    enc = model.tokenizer.encode

    def last_probs(text: str) -> np.ndarray:
        state = model.initial_state()
        for token in enc(text):
            trace = model.step(token, state)
            state = trace.state
        return trace.probs

    np.testing.assert_array_equal(last_probs("aaaabc"), last_probs("jjjjbc"[:3] + "abc"))
    assert not np.allclose(last_probs("aabc"), last_probs("ajbc"))


def test_recurrent_model_remembers_beyond_any_window() -> None:
    model = random_model("lstm")

    def last_probs(text: str) -> np.ndarray:
        state = model.initial_state()
        for token in model.tokenizer.encode(text):
            trace = model.step(token, state)
            state = trace.state
        return trace.probs

    assert not np.allclose(last_probs("a" + "bc" * 4), last_probs("j" + "bc" * 4))


def test_sampling_distribution_applies_temperature_and_top_k() -> None:
    logits = np.array([2.0, 1.0, 0.5, -1.0])
    cold, hot = sampling_distribution(logits, 0.5), sampling_distribution(logits, 2.0)
    assert cold[0] > softmax(logits)[0] > hot[0]
    top2 = sampling_distribution(logits, 1.0, top_k=2)
    assert top2[2] == 0 and top2[3] == 0
    np.testing.assert_allclose(top2[:2], softmax(logits[:2]))
    rng = np.random.default_rng(0)
    draws = [sample_token(logits, rng, 1.0, top_k=1) for _ in range(20)]
    assert set(draws) == {0}


def test_sampling_frequencies_follow_the_distribution() -> None:
    logits = np.log(np.array([0.7, 0.2, 0.1]))
    rng = np.random.default_rng(0)
    counts = np.bincount([sample_token(logits, rng) for _ in range(20000)], minlength=3) / 20000
    np.testing.assert_allclose(counts, [0.7, 0.2, 0.1], atol=0.015)


def test_generate_is_deterministic_per_seed_and_never_emits_specials() -> None:
    model = random_model("gru")
    a = list(generate(model, "abc", 40, seed=1))
    assert a == list(generate(model, "abc", 40, seed=1))
    assert a != list(generate(model, "abc", 40, seed=2))
    assert min(a) >= 4
    with pytest.raises(UserError, match="temperature"):
        list(generate(model, "abc", 5, temperature=0.0))


@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.5])
@pytest.mark.parametrize("top_k", [0, 1, 3, 10])
def test_sampling_distribution_is_the_tempered_softmax_of_the_top_k(
    temperature: float, top_k: int
) -> None:
    """p_j = exp(z_j/T) / Σ_{i ∈ top k} exp(z_i/T) for j among the k largest logits, else 0."""
    from rnn_tui.engine.sampling import sampling_distribution

    z = np.random.default_rng(int(temperature * 10) + top_k).normal(size=12) * 3
    kept = np.argsort(-z)[: top_k or len(z)]
    expected = np.zeros_like(z)
    expected[kept] = np.exp(z[kept] / temperature) / np.exp(z[kept] / temperature).sum()
    np.testing.assert_allclose(sampling_distribution(z, temperature, top_k), expected, atol=1e-12)


def test_surprisal_and_perplexity_are_minus_log_p_of_each_token_read(
    tiny_lstm_checkpoint,
) -> None:
    """Surprisal of w_k = −log p(w_k | w_<k), p from the step that read w_{k−1} (softmax of
    its logits, written out); perplexity = exp(mean surprisal after <bos>)."""
    from rnn_tui.data.vocab import BOS_ID
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.session.lm import LanguageModelSession

    model = load_language_model(tiny_lstm_checkpoint)
    session = LanguageModelSession(model)
    session.reset("the quick brown")
    tokens = [BOS_ID, *model.tokenizer.encode("the quick brown")]
    assert session.tokens == tokens
    state, expected = model.initial_state(), [np.nan]  # nothing predicted <bos>
    for previous, token in itertools.pairwise(tokens):
        trace = model.step(previous, state)
        state = trace.state
        z = trace.logits.astype(np.float64)
        expected.append(-(z[token] - z.max() - np.log(np.exp(z - z.max()).sum())))
    np.testing.assert_allclose(session.surprisals, expected, rtol=1e-5, atol=1e-6)
    assert session.perplexity() == pytest.approx(np.exp(np.mean(expected[1:])), rel=1e-5)


@given(
    st.integers(1, 6).flatmap(
        lambda rows: st.lists(
            st.lists(
                st.sampled_from([-2.5, -1.0, -1.0, 0.0, 3.0, -np.inf, np.inf, np.nan]),
                min_size=3,
                max_size=3,
            ).map(lambda row: row * rows),  # the same value many times over: ties
            min_size=rows,
            max_size=rows,
        )
    ),
    st.integers(1, 40),
)
def test_best_first_is_the_head_of_a_stable_sort_of_the_negated_scores(
    rows: list[list[float]], count: int
) -> None:
    """Ties keep index order, NaNs come last, ±inf sort as numbers: as a full sort does."""
    scores = np.asarray(rows)
    expected = np.argsort(-scores, axis=None, kind="stable")[:count]
    np.testing.assert_array_equal(best_first(scores, count), expected)
