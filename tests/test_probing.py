"""Units found by pattern, clamping (what-if), and the translator's forced prefix/attention."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnn_tui.config import ModelConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS_ID
from rnn_tui.engine import translation_search as search
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.loading import load_language_model, load_translator
from rnn_tui.engine.probing import (
    Clamp,
    average_ranks,
    clamped_step,
    rank_units,
    read_activations,
    regex_mask,
    unit_auc,
    what_if,
)

QUOTED = "he said “go now” and “stay” then left. “yes” she said, no more. " * 4


def quote_tracking_rnn() -> LanguageModel:
    """A hand-built RNN whose unit 0 turns on at “ and off at ” (other units are noise)."""
    tokenizer = Tokenizer.fit("char", [QUOTED])
    vocab, hidden = len(tokenizer), 6
    rng = np.random.default_rng(0)
    embedding = np.eye(vocab, dtype=np.float32)
    w_ih = rng.normal(0, 0.5, (hidden, vocab)).astype(np.float32)
    w_hh = rng.normal(0, 0.3, (hidden, hidden)).astype(np.float32)
    w_ih[0] = 0.0
    w_hh[0] = 0.0
    w_hh[0, 0] = 5.0  # keep the state
    w_ih[0, tokenizer.vocab.id_of("“")] = 10.0  # switch on
    w_ih[0, tokenizer.vocab.id_of("”")] = -10.0  # switch off
    weights = {
        "embedding.weight": embedding,
        "rnn.weight_ih_l0": w_ih,
        "rnn.weight_hh_l0": w_hh,
        "rnn.bias_ih_l0": np.zeros(hidden, np.float32),
        "rnn.bias_hh_l0": np.zeros(hidden, np.float32),
        "decoder.weight": rng.normal(0, 0.5, (vocab, hidden)).astype(np.float32),
        "decoder.bias": np.zeros(vocab, np.float32),
    }
    config = ModelConfig(
        cell="rnn", vocab_size=vocab, embedding_dim=vocab, hidden_size=hidden, num_layers=1
    )
    return LanguageModel(config, tokenizer, weights)


def test_the_quote_unit_ranks_first() -> None:
    model = quote_tracking_rnn()
    activations = read_activations(model, QUOTED)
    inside = regex_mask(QUOTED, activations.offsets, r"“[^”]*")
    assert inside.sum() == 4 * (len("“go now") + len("“stay") + len("“yes"))
    best = rank_units(activations, inside, top=3)
    assert (best[0].layer, best[0].unit) == (0, 0)
    assert best[0].auc == pytest.approx(1.0)
    assert best[0].mean_inside > 0.9 > -0.9 > best[0].mean_outside


def test_auc_matches_its_definition() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=(40, 3))
    values[::5, 2] = values[0, 2]  # ties
    inside = rng.random(40) < 0.3
    pairs = values[inside][:, None, :] - values[~inside][None, :, :]
    expected = ((pairs > 0) + 0.5 * (pairs == 0)).mean(axis=(0, 1))
    np.testing.assert_allclose(unit_auc(values, inside), expected)


@given(
    st.integers(1, 30).flatmap(
        lambda rows: st.lists(
            st.lists(
                st.sampled_from([-1.0, -0.5, 0.0, 0.0, 0.25, 1.0, np.inf, -np.inf]),
                min_size=rows,
                max_size=rows,
            ),
            min_size=1,
            max_size=4,
        )
    )
)
def test_average_ranks_count_the_smaller_values_and_half_the_equal_ones(
    columns: list[list[float]],
) -> None:
    """rank(v_i) = 1 + #{j: v_j < v_i} + (#{j: v_j = v_i} − 1)/2, per column."""
    values = np.asarray(columns).T  # (T, units)
    below = (values[None, :, :] < values[:, None, :]).sum(axis=1)
    equal = (values[None, :, :] == values[:, None, :]).sum(axis=1)
    np.testing.assert_array_equal(average_ranks(values), 1 + below + (equal - 1) / 2)


@pytest.mark.parametrize("stem", ["shakespeare-gru", "shakespeare-lstm"])
@pytest.mark.parametrize("table", [True, False], ids=["table", "no-table"])
def test_activations_read_are_those_of_stepping_bit_for_bit(
    stem: str, table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The neuron view shows `read_activations`' states beside the LM view's, which steps:
    they are the same floats, across progress chunks, with and without the first layer's
    table of U x + b_u (a vocabulary too large for one computes it)."""
    from rnn_tui.bundled import bundled_models
    from rnn_tui.engine import lm
    from rnn_tui.engine.probing import PROGRESS_EVERY

    if not table:
        monkeypatch.setattr(lm, "_LOOKUP_TABLE_LIMIT", 0)
    model = load_language_model(next(p for p in bundled_models() if p.stem == stem))
    assert (model._first_gx is not None) == table
    text = ("Now is the winter of our discontent\nMade glorious summer. " * 20)[
        : 2 * PROGRESS_EVERY + 17
    ]
    reports: list[int] = []
    read = read_activations(model, text, lambda done, total: reports.append(done))
    state = model.step(BOS_ID, model.initial_state()).state
    for t, token in enumerate(read.tokens):
        trace = model.step(token, state)
        state = trace.state
        for k, layer in enumerate(trace.layers):
            assert np.array_equal(read.h[k, t], layer.h), (t, k)
            if read.c is not None:
                assert np.array_equal(read.c[k, t], layer.c), (t, k)
    assert reports == [PROGRESS_EVERY, 2 * PROGRESS_EVERY]


def test_clamping_equals_recomputing_with_the_clamped_state(tiny_lstm_checkpoint: Path) -> None:
    model = load_language_model(tiny_lstm_checkpoint)
    tokens = [BOS_ID, *model.tokenizer.encode("the quick")]
    state = model.initial_state()
    for token in tokens[:-1]:
        state = model.step(token, state).state
    for kind in ("h", "c"):
        clamp = Clamp(layer=0, unit=3, value=0.9, kind=kind)
        plain = model.step(tokens[-1], state)
        (h, c), = plain.state  # fmt: skip
        h, c = h.copy(), c.copy()
        if kind == "h":
            h[3] = 0.9
        else:
            c[3] = 0.9
            h[3] = plain.layers[0].gates["o"][3] * np.tanh(0.9)
        clamped = clamped_step(model, tokens[-1], state, clamp)
        np.testing.assert_allclose(
            clamped.logits, h @ model.decoder_w.T + model.decoder_b, rtol=1e-5, atol=1e-6
        )
        following = model.step(5, ((h, c),))
        np.testing.assert_allclose(
            clamped_step(model, 5, clamped.state, None).probs, following.probs, rtol=1e-5
        )
        assert not np.allclose(clamped.probs, plain.probs)


def test_what_if_changes_the_continuation_only_with_a_clamp(tiny_lstm_checkpoint: Path) -> None:
    model = load_language_model(tiny_lstm_checkpoint)
    prompt = model.tokenizer.encode("the quick brown ")
    neutral = what_if(model, prompt, Clamp(0, 0, 0.0), start=len(prompt) + 1, length=20)
    assert neutral.plain_continuation == neutral.clamped_continuation  # the clamp never acts
    strong = [what_if(model, prompt, Clamp(0, u, 1.0, "c"), start=0, length=20) for u in range(8)]
    assert any(w.plain_continuation != w.clamped_continuation for w in strong)
    np.testing.assert_allclose(strong[0].plain_probs, neutral.plain_probs)


def test_forced_prefix_and_attention_override(tiny_translator_checkpoint: Path) -> None:
    import torch

    from rnn_tui.nn.seq2seq import Seq2Seq

    translator = load_translator(tiny_translator_checkpoint)
    encoded = translator.encode(translator.source_ids("a b c"))
    prefix = translator.target_tokenizer.encode("a b")
    hypothesis, steps = search.greedy(translator, encoded, 10, prefix=prefix)
    assert list(hypothesis.tokens[: len(prefix)]) == prefix
    model = Seq2Seq(translator.config).eval()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in translator.tensors.items()})
    source = torch.tensor([encoded.source_ids])
    with torch.no_grad():
        logits = model(
            source,
            torch.tensor([source.shape[1]]),
            torch.tensor([[BOS_ID, *hypothesis.tokens[:-1]]]),
        )
    expected = torch.log_softmax(logits[0].double(), -1).numpy()
    np.testing.assert_allclose(np.stack([s.log_probs[0] for s in steps]), expected, atol=1e-4)

    length = len(encoded.source_ids)
    onehot = np.zeros(length, dtype=np.float32)
    onehot[0] = 1.0
    _, overridden = search.greedy(translator, encoded, 3, overrides={1: onehot})
    step = overridden[1]
    np.testing.assert_allclose(step.weights[0], onehot)
    t = translator.tensors
    context = encoded.memory[0]
    attentional = np.tanh(
        np.concatenate([context, step.query[0]]) @ t["combine.weight"].T + t["combine.bias"]
    )
    np.testing.assert_allclose(
        step.logits[0], attentional @ t["output.weight"].T + t["output.bias"], rtol=1e-5, atol=1e-5
    )


def test_units_command(tiny_lstm_checkpoint: Path, repetitive_text_file: Path, cli) -> None:
    result = cli(
        "units",
        str(tiny_lstm_checkpoint),
        "--text",
        str(repetitive_text_file),
        "--match",
        r"(?m)^.",
        "--top",
        "3",
        "--json",
    )
    record = json.loads(result.output)
    assert record["inside"] == 120 and len(record["units"]) == 3
    selectivities = [u["selectivity"] for u in record["units"]]
    assert selectivities == sorted(selectivities, reverse=True)
    bad = cli(
        "units", str(tiny_lstm_checkpoint), "--text", str(repetitive_text_file), "--match", "("
    )
    assert bad.exit_code == 2 and "not a valid regular expression" in bad.output
    none = cli(
        "units", str(tiny_lstm_checkpoint), "--text", str(repetitive_text_file), "--match", "zzz"
    )
    assert none.exit_code == 2 and "must mark some tokens" in none.output


def test_a_pattern_that_backtracks_exponentially_stops_and_lets_other_threads_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """(a|a)+$ tries 2^n ways on n a's and a b. Under `re` the search held the GIL all
    along, and the explorer (its UI thread waiting for the GIL) froze, even to q and
    Ctrl+C. Now it stops after MATCH_TIMEOUT_S with one line, and other threads run
    meanwhile. (23 a's: `regex` needs about 1.8 s, `re` 0.8 s, on the 2-core EPYC.)"""
    import threading
    import time

    from rnn_tui.engine import probing
    from rnn_tui.errors import UserError

    monkeypatch.setattr(probing, "MATCH_TIMEOUT_S", 1.0)
    text = "a" * 23 + "b"
    offsets = [(i, i + 1) for i in range(len(text))]
    failure: list[BaseException] = []

    def search() -> None:
        try:
            probing.regex_mask(text, offsets, "(a|a)+$")
        except UserError as error:
            failure.append(error)

    searching = threading.Thread(target=search)
    started = time.perf_counter()
    searching.start()
    beats = 0  # 5 ms sleeps on this thread while the search runs: 20 take 0.1 s
    while searching.is_alive() and beats < 20:
        time.sleep(0.005)
        beats += 1
    searching.join(10)
    assert beats == 20  # under `re`: 1, the first sleep woke only after the search ended
    assert not searching.is_alive() and time.perf_counter() - started < 5
    assert "still matching after 1 s on 24 characters" in str(failure[0])
    assert probing.regex_mask("xaay", [(0, 1), (1, 2), (2, 3), (3, 4)], "a+").tolist() == [
        False, True, True, False,
    ]  # fmt: skip
