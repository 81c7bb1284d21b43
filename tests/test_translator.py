"""The translator: torch ↔ NumPy parity, masking, beam search, learning, and its CLI."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from rnn_tui.checkpoint import load_checkpoint
from rnn_tui.config import TranslatorConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS_ID, EOS_ID, PAD_ID
from rnn_tui.engine import translation_search as search
from rnn_tui.engine.loading import load_translator
from rnn_tui.engine.translator import Translator
from rnn_tui.nn.seq2seq import Seq2Seq
from tests.conftest import LETTERS, reverse_pairs_file, translator_training_args


def _tokenizer() -> Tokenizer:
    return Tokenizer.fit("char", [LETTERS])


def _random_model(config: TranslatorConfig, seed: int = 0) -> tuple[Seq2Seq, Translator]:
    """An untrained model with enlarged weights, so outputs depend strongly on the input."""
    torch.manual_seed(seed)
    model = Seq2Seq(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(2.5)
    tensors = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return model, Translator(config, _tokenizer(), _tokenizer(), tensors)


def _config(**settings) -> TranslatorConfig:
    size = len(_tokenizer())
    base = dict(source_vocab_size=size, target_vocab_size=size, embedding_dim=8, hidden_size=10)
    return TranslatorConfig(**{**base, **settings})


VARIANTS = [
    dict(cell=cell, attention=attention, bidirectional=bi, num_layers=layers, self_attention=sa)
    for cell, attention, bi, layers, sa in [
        *itertools.product(("rnn", "gru", "lstm"), ("none", "dot", "general", "additive"),
                           (False, True), (1,), (False,)),
        ("lstm", "additive", True, 2, True),
        ("gru", "dot", False, 3, True),
        ("rnn", "general", True, 2, False),
    ]
] + [  # the plain encoder–decoder: no bridge, no combine layer
    dict(cell=cell, attention="none", bidirectional=bi, num_layers=layers, plain=True)
    for cell, bi, layers in [("gru", False, 1), ("lstm", True, 2), ("rnn", False, 2)]
]  # fmt: skip


@pytest.mark.parametrize("settings", VARIANTS, ids=lambda s: "-".join(str(v) for v in s.values()))
def test_numpy_engine_matches_torch(settings: dict) -> None:
    config = _config(**settings)
    model, translator = _random_model(config)
    rng = random.Random(1)
    for _ in range(3):
        text = "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 9)))
        hypothesis, steps = search.greedy(translator, translator.encode_text(text), max_len=12)
        source = torch.tensor([translator.source_ids(text)])
        lengths = torch.tensor([source.shape[1]])
        with torch.no_grad():
            greedy = model.greedy(source, lengths, 12)[0].tolist()
            target_in = torch.tensor([[BOS_ID, *hypothesis.tokens[:-1]]])
            log_probs = torch.log_softmax(model(source, lengths, target_in)[0].double(), -1)
        assert greedy[: len(hypothesis.tokens)] == list(hypothesis.tokens)
        engine = np.stack([s.log_probs[0] for s in steps])
        np.testing.assert_allclose(engine, log_probs.numpy(), atol=1e-4)


def test_attention_never_lands_on_padding_and_padding_changes_nothing() -> None:
    config = _config(cell="gru", attention="additive", bidirectional=True, self_attention=True)
    model, _ = _random_model(config)
    sources = [[4, 5, 6, 7, 8, EOS_ID], [6, 4, EOS_ID]]
    padded = torch.tensor([sources[0], sources[1] + [PAD_ID] * 3])
    lengths = torch.tensor([6, 3])
    target_in = torch.tensor([[BOS_ID, 5, 6, 7], [BOS_ID, 7, 4, 4]])
    with torch.no_grad():
        encoded = model.encode(padded, lengths)
        states, _ = model.decoder(model.target_embedding(target_in), encoded.state)
        _, weights = model.attend(states, encoded)
        assert weights is not None
        assert torch.all(weights[1, :, 3:] == 0.0)
        assert torch.allclose(weights.sum(-1), torch.ones(2, 4))
        batched = model(padded, lengths, target_in)[1]
        alone = model(torch.tensor([sources[1]]), torch.tensor([3]), target_in[1:])[0]
    torch.testing.assert_close(batched, alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_beam_search_invariants(cell: str) -> None:
    config = _config(cell=cell, attention="general", bidirectional=True)
    _, translator = _random_model(config, seed=3)
    for text in ("abc", "fedcba", "aaaaab"):
        greedy, _ = search.greedy(translator, translator.encode_text(text), max_len=10)
        one = search.beam_search(
            translator, translator.encode_text(text), width=1, alpha=0.0, max_len=10
        )
        assert one.hypotheses[0].tokens == greedy.tokens
        # The beam steps a batch of rows through matrix–matrix products, greedy one row
        # through matrix–vector products; BLAS sums them in different orders (and
        # differently on AVX2 and AVX-512), so each step's float32 log p may differ by a
        # few ulp of the logits (~1e-6) and the sum over ≤ 10 steps by 10 times that.
        float32_sum = 1e-6 * len(greedy.tokens)
        assert one.hypotheses[0].log_prob == pytest.approx(greedy.log_prob, abs=float32_sum)
        for width in (2, 4):
            result = search.beam_search(
                translator, translator.encode_text(text), width=width, alpha=0.7, max_len=10
            )
            scores = [h.score(0.7) for h in result.hypotheses]
            assert scores == sorted(scores, reverse=True)
            previous = 1
            for step in result.steps:
                assert len(step.live) <= width and len(step.finished) <= width
                assert all(0 <= h.parent < previous for h in step.live + step.finished)
                assert all(h.tokens[-1] == EOS_ID for h in step.finished)
                previous = len(step.live)
            best0 = search.beam_search(
                translator, translator.encode_text(text), width=width, alpha=0.0, max_len=10
            )
            assert best0.hypotheses[0].log_prob >= greedy.log_prob - float32_sum


@pytest.mark.parametrize("variant", VARIANTS[::5], ids=str)
def test_beam_search_ranks_as_if_it_sorted_every_candidate(
    variant: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each beam step ranks only the best width + len(live) of its K·V candidates (at most
    one per live hypothesis is `<eos>`); the beams are those of a full sort of all."""
    _, translator = _random_model(_config(**variant), seed=5)
    texts = ("abc", "fedcba", "aaaaab", "cab")

    def searched() -> list[list[tuple[tuple[int, ...], float, bool]]]:
        return [
            [
                (h.tokens, h.log_prob, h.finished)
                for h in search.beam_search(
                    translator, translator.encode_text(text), width=width, max_len=12
                ).hypotheses
            ]
            for text in texts
            for width in (1, 2, 3, 6)
        ]

    ranked = searched()
    monkeypatch.setattr(search, "best_first", lambda s, _: np.argsort(-s, axis=None, kind="stable"))
    assert ranked == searched()


def test_a_tiny_model_learns_to_reverse(tiny_translator_checkpoint: Path) -> None:
    card = load_checkpoint(tiny_translator_checkpoint).meta["card"]
    assert card["validation"]["exact_match"] >= 0.9
    translator = load_translator(tiny_translator_checkpoint)
    assert (
        translator.target_text(
            search.greedy(translator, translator.encode_text("a b c d e"))[0].tokens
        )
        == "e d c b a"
    )


def test_translate_cli_reads_stdin_and_draws_attention(
    tiny_translator_checkpoint: Path, cli
) -> None:
    from typer.testing import CliRunner

    from rnn_tui.cli import app

    result = CliRunner().invoke(
        app, ["translate", str(tiny_translator_checkpoint)], input="a b c\n\n  \nf e d\n"
    )
    assert result.exit_code == 0
    assert result.output.splitlines() == ["c b a", "", "", "d e f"]  # blank lines kept
    result = cli(
        "translate", str(tiny_translator_checkpoint), "a b c d", "--beam", "3", "--n-best", "2"
    )
    rank, log_prob, _, text = result.output.splitlines()[0].split("\t")
    assert (rank, text) == ("1", "d c b a") and float(log_prob) <= 0
    assert len(result.output.splitlines()) == 2
    drawn = cli("translate", str(tiny_translator_checkpoint), "a b c d", "--attention-map").output
    header, *rows, legend = drawn.splitlines()[1:]
    assert header.split() == ["a", "␣", "b", "␣", "c", "␣", "d", "<eos>"]
    assert [row.split()[0] for row in rows] == ["d", "␣", "c", "␣", "b", "␣", "a", "<eos>"]
    for row in rows:  # α in % where at least 5: each row is a distribution over the source
        percents = [int(cell) for cell in row.split()[1:]]
        assert all(5 <= p <= 100 for p in percents) and sum(percents) <= 100 + len(percents)
    assert legend.startswith("α  0") and legend.endswith("numbers: α in %")


def test_translate_keeps_blank_lines_blank_and_refuses_an_empty_text(
    tiny_translator_checkpoint: Path, cli
) -> None:
    """An empty source is not a sentence: decoding it would print the model's guess
    from the encoder's <eos> alone, out of line with the input."""
    from typer.testing import CliRunner

    from rnn_tui.cli import app

    piped = CliRunner().invoke(
        app, ["translate", str(tiny_translator_checkpoint), "--json"], input="a b\n\n"
    )
    first, blank = (json.loads(line) for line in piped.output.splitlines())
    assert first["hypotheses"][0]["text"] == "b a"
    assert blank == {"source": "", "read_as": [], "unknown": [], "hypotheses": []}
    refused = cli("translate", str(tiny_translator_checkpoint), " ")
    assert refused.exit_code == 2
    assert refused.output.strip() == "error: TEXT: empty; expected a sentence to translate"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--beam", "0"], "--beam: expected a width of 1 to 100, got 0"),
        (["--beam", "2", "--n-best", "3"], "--n-best: expected 1 to --beam"),
        (["--sample", "--temperature", "0"], "--temperature"),
    ],
)
def test_translate_rejects_bad_options(
    tiny_translator_checkpoint: Path, cli, args, message
) -> None:
    result = cli("translate", str(tiny_translator_checkpoint), "abc", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_eval_reports_bleu_chrf_and_exact_match(
    tiny_translator_checkpoint: Path, cli, tmp_path: Path
) -> None:
    result = cli("eval", str(tiny_translator_checkpoint), "--beam", "3", "--json")
    record = json.loads(result.output)
    assert record["pairs"] == 150
    for method in ("greedy", "beam 3"):
        assert record[method]["exact_match"] >= 0.9
        assert record[method]["bleu"] > 50 and record[method]["chrf"] > 80
    other = reverse_pairs_file(tmp_path / "other.tsv", 40, seed=9)
    text = cli("eval", str(tiny_translator_checkpoint), "--pairs", str(other)).output
    assert "40 pairs" in text and "BLEU" in text


def test_eval_refuses_text_data_for_a_translator_and_pairs_for_a_language_model(
    tiny_translator_checkpoint: Path, tiny_lstm_checkpoint: Path, cli, tmp_path: Path
) -> None:
    """An option meant for the other kind of model is named, not silently ignored (a
    translator scored its own held-out pairs and printed them as if --data were used)."""
    text = tmp_path / "text.txt"
    text.write_text("some text\n", encoding="utf-8")
    result = cli("eval", str(tiny_translator_checkpoint), "--data", str(text))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: --data: {tiny_translator_checkpoint} is a translator; use --pairs for pairs"
    )
    result = cli("eval", str(tiny_lstm_checkpoint), "--pairs", str(text))
    assert result.exit_code == 2 and result.output.startswith("error: --pairs: ")


def _train_losses(run: Path) -> list[float]:
    lines = (run / "metrics.jsonl").read_text().splitlines()
    return [r["loss"] for r in map(json.loads, lines) if r["type"] == "train"]


@pytest.mark.slow
def test_ctrl_c_saves_and_resume_continues_bit_identically(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    from rnn_tui.train.translate_task import TranslationTask

    pairs = reverse_pairs_file(tmp_path / "p.tsv", 300, seed=1)
    teacher = ("--teacher-forcing", "0.5", "--dropout", "0.2")  # both draw random numbers
    assert cli(*translator_training_args(pairs, tmp_path / "whole", 40, *teacher)).exit_code == 0
    original, calls = TranslationTask.training_loss, []

    def ctrl_c_during_step_15(self):
        calls.append(1)
        if len(calls) == 15:
            signal.raise_signal(signal.SIGINT)
        return original(self)

    monkeypatch.setattr(TranslationTask, "training_loss", ctrl_c_during_step_15)
    stopped = cli(*translator_training_args(pairs, tmp_path / "split", 40, *teacher))
    assert stopped.exit_code == 130
    monkeypatch.setattr(TranslationTask, "training_loss", original)
    result = cli("train", "translate", "--resume", str(tmp_path / "split"))
    assert result.exit_code == 0 and "at step 15" in result.output
    assert _train_losses(tmp_path / "split") == _train_losses(tmp_path / "whole")
    assert load_checkpoint(tmp_path / "split" / "last.safetensors").meta["history"]["steps"] == 40


def test_train_translate_errors(tmp_path: Path, cli) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("no tabs\nat all\n", encoding="utf-8")
    result = cli(
        "train", "translate", "--pairs", str(bad), "--steps", "1", "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 2 and "no usable pairs" in result.output
    result = cli("train", "translate", "--attention", "cosine", "--steps", "1")
    assert result.exit_code == 2 and "--attention: expected one of" in result.output
    result = cli("train", "translate", "--pairs", str(tmp_path / "nope.tsv"), "--steps", "1")
    assert result.exit_code == 2 and "no such file" in result.output


def test_beam_scores_are_length_normalised_log_probabilities_and_rank_by_them() -> None:
    """Each hypothesis's log p equals the sum of the decoder's log p along its tokens
    (forced through the decoder again), its score is log p / |y|^α, and the list is
    ordered: ended by <eos> first, then by that score."""
    config = _config(cell="gru", attention="additive", bidirectional=True)
    _, translator = _random_model(config, seed=5)
    alpha = 0.7
    for text in ("abc", "fedcba", "aaaaab", "cafe"):
        encoded = translator.encode(translator.source_ids(text))
        result = search.beam_search(translator, encoded, width=4, alpha=alpha, max_len=8)
        assert len(result.hypotheses) >= 2
        for hypothesis in result.hypotheses:
            _, steps = search.greedy(translator, encoded, len(hypothesis.tokens), hypothesis.tokens)
            forced = sum(
                float(step.log_probs[0, token])
                for step, token in zip(steps, hypothesis.tokens, strict=True)
            )
            assert hypothesis.log_prob == pytest.approx(forced, abs=1e-5)
            assert hypothesis.score(alpha) == pytest.approx(
                forced / len(hypothesis.tokens) ** alpha
            )
            assert hypothesis.finished == (hypothesis.tokens[-1] == EOS_ID)
        keys = [(not h.finished, -h.log_prob / len(h.tokens) ** alpha) for h in result.hypotheses]
        assert keys == sorted(keys)


def test_translation_reads_user_text_as_the_training_pairs_were(cli) -> None:
    """The bundled English→French model was trained lower-cased and accent-stripped; any
    casing or accents of the same sentence read the same ids and translate the same."""
    from rnn_tui.bundled import bundled_models

    found = [p for p in bundled_models() if p.stem == "en-fr-gru-additive"]
    if not found:
        pytest.skip("no bundled English→French model")
    translator = load_translator(found[0])
    pairs = translator.meta["pairs_config"]
    assert pairs["lowercase"] and pairs["strip_accents"]
    tokenizer = translator.source_tokenizer
    expected = [*tokenizer.encode("i'm tired ."), EOS_ID]  # written out normalised
    assert translator.source_ids("I'm   TIRED.") == expected
    assert tokenizer.vocab.id_of("<unk>") not in expected
    plain = cli("translate", str(found[0]), "i'm tired.")
    shouted = cli("translate", str(found[0]), "I'M TIRED.")
    assert plain.exit_code == shouted.exit_code == 0
    assert plain.stdout == shouted.stdout
    accented = search.greedy(translator, translator.encode_text("Où est la gare ?"))[0].tokens
    assert (
        accented == search.greedy(translator, translator.encode_text("ou est la gare ?"))[0].tokens
    )


def test_unknown_source_pieces_are_named_once_on_stderr(
    tiny_translator_checkpoint: Path,
) -> None:
    from typer.testing import CliRunner

    from rnn_tui.cli import app

    result = CliRunner().invoke(
        app, ["translate", str(tiny_translator_checkpoint)], input="a z b\nz q\nq\n"
    )
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3
    assert result.stderr.splitlines() == [
        "note: not in the source vocabulary, read as <unk>: 'z'",
        "note: not in the source vocabulary, read as <unk>: 'q'",
    ]
    translator = load_translator(tiny_translator_checkpoint)
    assert translator.unknown_source_pieces("a z b z") == ["z"]


def test_an_output_cut_off_by_max_len_is_marked(tiny_translator_checkpoint: Path, cli) -> None:
    path = str(tiny_translator_checkpoint)
    whole = cli("translate", path, "a b c d e")
    assert whole.exit_code == 0 and "cut off" not in whole.stdout
    cut = cli("translate", path, "a b c d e", "--max-len", "3")
    assert cut.stdout.strip() == "e d  [cut off at --max-len 3]"  # 3 tokens: e, space, d
    data = json.loads(cli("translate", path, "a b c d e", "--max-len", "3", "--json").stdout)
    assert data["hypotheses"][0]["finished"] is False
    assert data["hypotheses"][0]["tokens"] == ["e", " ", "d"]
    beam = json.loads(
        cli("translate", path, "a b", "--beam", "3", "--n-best", "3", "--json").stdout
    )
    assert all(h["finished"] for h in beam["hypotheses"])


def test_translate_sample_draws_from_the_tempered_top_k(
    tiny_translator_checkpoint: Path, cli
) -> None:
    """`translate --sample`: same seed, same output; the tokens are the ones this seed draws
    from softmax(z/T) over the top k with specials other than <eos> removed, recomputed
    here step by step with the decoder."""
    path = str(tiny_translator_checkpoint)
    args = ["translate", path, "a b c", "--sample", "-t", "0.7", "-k", "3", "--seed", "4"]
    first, second = cli(*args), cli(*args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    translator = load_translator(tiny_translator_checkpoint)
    encoded = translator.encode(translator.source_ids("a b c"))
    rng = np.random.default_rng(4)
    tokens, state = translator.start(encoded)
    drawn: list[int] = []
    for _ in range(100):
        step = translator.step(tokens, state, encoded)
        z = step.logits[0].astype(np.float64)
        z[[PAD_ID, BOS_ID, 3]] = -np.inf  # <pad>, <bos>, <unk>: never drawn
        keep = np.argsort(-z, kind="stable")[:3]
        weights = np.zeros_like(z)
        weights[keep] = np.exp((z[keep] - z[keep].max()) / 0.7)
        cumulative = np.cumsum(weights / weights.sum())
        token = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        drawn.append(token)
        if token == EOS_ID:
            break
        tokens, state = np.asarray([token]), step.state
    assert first.stdout.strip() == translator.target_text(drawn)
