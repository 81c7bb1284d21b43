"""`rnn-tui import`: models trained in PyTorch open with their own numbers, to float32 precision.

The reference is torch itself running the model it trained; the engine reads only the
imported checkpoint.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.engine.loading import load_language_model
from rnn_tui.engine.sampling import generate
from tests.conftest import run_cli
from tests.engine_steps import steps_in_model_order

torch = pytest.importorskip("torch")
nn = torch.nn

from rnn_tui.train.adamw import AdamW  # noqa: E402  (needs torch, which may be absent)

CORPUS = {
    # \x0b: whitespace to str.split(), no line break to open(); before any <eos>, so a
    # reader that broke lines there would number <eos> differently.
    "train.txt": "the cat sat \x0bon the mat\nthe dog sat on the log\n",
    "valid.txt": "a cat ran\r\nthe end\n",
    "test.txt": "the dog ran \x0bto the cat\n",  # \x0b: not a line break for open()
}


class WordLanguageModel(nn.Module):
    """The layout of pytorch/examples `word_language_model` (its `RNNModel`)."""

    def __init__(self, cell: str, vocab: int, embed: int, hidden: int, layers: int, tie: bool,
                 bias: bool = True) -> None:  # fmt: skip
        super().__init__()
        self.drop = nn.Dropout(0.0)
        self.encoder = nn.Embedding(vocab, embed)
        if cell == "rnn_relu":  # as the example's RNN_RELU
            self.rnn = nn.RNN(embed, hidden, layers, nonlinearity="relu", bias=bias)
        else:
            recurrent = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
            self.rnn = recurrent(embed, hidden, layers, bias=bias)
        self.decoder = nn.Linear(hidden, vocab)
        if tie:
            self.decoder.weight = self.encoder.weight

    def forward(self, tokens, state=None):
        out, state = self.rnn(self.drop(self.encoder(tokens)), state)
        return self.decoder(self.drop(out)), state


def example_vocabulary(folder: Path) -> list[str]:
    """What the example's `data.Corpus` builds: its `Dictionary.add_word` over each line's
    `line.split() + ['<eos>']`, the three files in order (written out as it does it)."""
    idx2word: list[str] = []
    word2idx: dict[str, int] = {}
    for name in ("train.txt", "valid.txt", "test.txt"):
        with open(folder / name, encoding="utf8") as f:
            for line in f:
                for word in [*line.split(), "<eos>"]:
                    if word not in word2idx:
                        idx2word.append(word)
                        word2idx[word] = len(idx2word) - 1
    return idx2word


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for name, text in CORPUS.items():
        (folder / name).write_bytes(text.encode())
    return folder


def trained(cell: str, vocab_size: int, layers: int, tie: bool, bias: bool = True):
    """A tiny model trained a few steps on a repeating id sequence (so its predictions
    are far from uniform), in eval mode."""
    torch.manual_seed(layers * 7 + len(cell) + tie)
    hidden = 12
    model = WordLanguageModel(cell, vocab_size, hidden, hidden, layers, tie, bias)
    stream = torch.arange(40) % vocab_size
    # rnn-tui's AdamW with no decay is Adam; torch.optim would import torch._dynamo (2.4 s)
    optimiser = AdamW(model.parameters(), lr=0.05, weight_decay=0.0)
    for _ in range(30):
        logits, _ = model(stream[:-1, None])
        loss = nn.functional.cross_entropy(logits.view(-1, vocab_size), stream[1:])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.eval()


def torch_steps(model, ids: list[int]):
    """Logits and every layer's (h, c) after each token, one step at a time from zero."""
    logits, states, state = [], [], None
    with torch.no_grad():
        for token in ids:
            out, state = model(torch.tensor([[token]]), state)
            logits.append(out[0, 0].numpy())
            h, c = state if isinstance(state, tuple) else (state, None)
            states.append((h[:, 0].numpy(), None if c is None else c[:, 0].numpy()))
    return np.stack(logits), states


def import_file(source: Path, out: Path, corpus: Path, *extra: str) -> Path:
    result = run_cli("import", str(source), str(out), "--vocab-from-corpus", str(corpus), *extra)
    assert result.exit_code == 0, result.output
    return out


def test_vocabulary_from_corpus_is_the_examples(corpus: Path) -> None:
    from rnn_tui.importing.vocabularies import corpus_vocab

    assert corpus_vocab(corpus) == example_vocabulary(corpus)


@pytest.mark.parametrize(
    ("cell", "layers", "tie", "bias", "saved"),
    [
        ("rnn_relu", 2, False, True, "module"),
        pytest.param("rnn_relu", 1, True, True, "state_dict", marks=pytest.mark.slow),
        ("lstm", 2, True, True, "module"),
        pytest.param("lstm", 1, False, True, "state_dict", marks=pytest.mark.slow),
        pytest.param("gru", 2, False, True, "module", marks=pytest.mark.slow),
        ("gru", 1, True, False, "state_dict"),
        pytest.param("rnn", 2, False, True, "state_dict", marks=pytest.mark.slow),
        ("rnn", 1, True, True, "module"),
    ],
)
def test_imported_model_matches_torch_at_every_step(
    corpus: Path, tmp_path: Path, cell: str, layers: int, tie: bool, bias: bool, saved: str
) -> None:
    words = example_vocabulary(corpus)
    model = trained(cell, len(words), layers, tie, bias)
    source = tmp_path / "model.pt"
    torch.save(model if saved == "module" else model.state_dict(), source)
    given = ["--nonlinearity", "relu"] if cell == "rnn_relu" and saved == "state_dict" else []
    engine = load_language_model(import_file(source, tmp_path / "out.safetensors", corpus, *given))

    assert engine.config.cell == cell.removesuffix("_relu") and engine.config.num_layers == layers
    assert engine.config.nonlinearity == ("relu" if cell == "rnn_relu" else "tanh")
    assert engine.config.tie_weights == tie
    read = ["the", "cat", "sat", "on", "the", "mat", "<eos>", "the", "dog", "ran"]
    ids = [words.index(w) for w in read]
    expected_logits, expected_states = torch_steps(model, ids)
    traces, ours = steps_in_model_order(engine, words, ids)
    for t, trace in enumerate(traces):
        np.testing.assert_allclose(trace.logits[ours], expected_logits[t], atol=1e-5, rtol=0)
        np.testing.assert_allclose(
            trace.probs[ours].sum(), 1.0, atol=1e-6, err_msg="placeholders took probability"
        )
        for k, layer in enumerate(trace.layers):
            np.testing.assert_allclose(layer.h, expected_states[t][0][k], atol=1e-5, rtol=0)
            if cell == "lstm":
                np.testing.assert_allclose(layer.c, expected_states[t][1][k], atol=1e-5, rtol=0)

    # Greedy text: torch's argmax over its whole vocabulary, `<eos>` included.
    text, token, state = [], ids[-1], None
    with torch.no_grad():
        _, state = model(torch.tensor([ids[:-1]]).T)
        for _ in range(12):
            out, state = model(torch.tensor([[token]]), state)
            token = int(out[0, 0].argmax())
            text.append(words[token])
    prompt = " ".join(words[i] for i in ids).replace(" <eos> ", "\n")
    produced = list(generate(engine, prompt, 12, top_k=1))
    assert [engine.tokenizer.token_text(i) for i in produced] == text


def test_a_state_dict_does_not_say_relu_so_the_import_says_what_it_assumed(
    corpus: Path, tmp_path: Path
) -> None:
    words = example_vocabulary(corpus)
    torch.save(trained("rnn_relu", len(words), 1, False).state_dict(), tmp_path / "relu.pt")
    out = tmp_path / "out.safetensors"
    result = run_cli("import", str(tmp_path / "relu.pt"), str(out), "--vocab-from-corpus",
                     str(corpus))  # fmt: skip
    assert result.exit_code == 0 and "--nonlinearity relu" in result.output
    assert "tanh (assumed)" in run_cli("info", str(out)).output
    out.unlink()
    torch.save(trained("rnn_relu", len(words), 1, False), tmp_path / "relu-module.pt")
    clash = run_cli("import", str(tmp_path / "relu-module.pt"), str(out), "--vocab-from-corpus",
                    str(corpus), "--nonlinearity", "tanh")  # fmt: skip
    assert clash.exit_code == 2 and "records 'relu'" in clash.output and not out.exists()


def test_the_python_api_writes_the_same_model(corpus: Path, tmp_path: Path) -> None:
    import rnn_tui

    words = example_vocabulary(corpus)
    model = trained("gru", len(words), 2, False)
    path = rnn_tui.export_language_model(
        tmp_path / "api.safetensors", embedding=model.encoder, rnn=model.rnn,
        head=model.decoder, tokens=words,
    )  # fmt: skip
    engine = load_language_model(path)
    ids = [words.index(w) for w in ["the", "dog", "sat", "on", "the", "log"]]
    expected, _ = torch_steps(model, ids)
    traces, ours = steps_in_model_order(engine, words, ids)
    for t, trace in enumerate(traces):
        np.testing.assert_allclose(trace.logits[ours], expected[t], atol=1e-5, rtol=0)


@pytest.mark.slow
def test_imported_model_opens_in_every_command(corpus: Path, tmp_path: Path) -> None:
    words = example_vocabulary(corpus)
    model = trained("lstm", len(words), 2, True)
    torch.save(model, tmp_path / "model.pt")
    out = import_file(tmp_path / "model.pt", tmp_path / "out.safetensors", corpus)
    info = run_cli("info", str(out))
    assert info.exit_code == 0 and "word_language_model" in info.output
    assert "SHA-256" in info.output and "<pad>, <bos>, <unk>" in info.output
    generated = run_cli("generate", str(out), "--prompt", "the cat", "--length", "5")
    assert generated.exit_code == 0 and generated.output.startswith("the cat ")
    scored = run_cli("eval", str(out), "--data", str(corpus / "valid.txt"), "--json")
    assert scored.exit_code == 0, scored.output
    units = run_cli("units", str(out), "--text", str(corpus / "train.txt"), "--match", "cat")
    assert units.exit_code == 0, units.output
    flow = run_cli("gradients", str(out), "--text", "the cat sat on the mat", "--json")
    assert flow.exit_code == 0, flow.output
    refused = run_cli("eval", str(out))
    assert refused.exit_code == 2 and "--data" in refused.output


def test_scoring_a_text_matches_torchs_loss(corpus: Path, tmp_path: Path) -> None:
    """eval --data: mean −log p of every token after the first, from the zero state, as
    the example's evaluate() scores a stream."""
    import json

    words = example_vocabulary(corpus)
    model = trained("gru", len(words), 1, False)
    torch.save(model.state_dict(), tmp_path / "model.pt")
    out = import_file(tmp_path / "model.pt", tmp_path / "out.safetensors", corpus)
    text = corpus / "train.txt"
    ids = [
        words.index(w)
        for line in io.StringIO(CORPUS["train.txt"], newline=None)  # as open() reads it
        for w in [*line.split(), "<eos>"]
    ]
    with torch.no_grad():
        logits, _ = model(torch.tensor([ids[:-1]]).T)
        loss = nn.functional.cross_entropy(logits[:, 0], torch.tensor(ids[1:])).item()
    figures = json.loads(run_cli("eval", str(out), "--data", str(text), "--json").output)
    assert figures["tokens"] == len(ids) - 1
    assert figures["val_loss"] == pytest.approx(loss, abs=1e-5)


class RunsCode:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def torch_zip_with(pickled: bytes, path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickled)
        archive.writestr("archive/byteorder", "little")
    return path


@pytest.mark.parametrize("container", ["torch zip", "bare pickle"])
def test_a_pickle_that_runs_code_is_refused_without_running_it(
    corpus: Path, tmp_path: Path, container: str
) -> None:
    marker = tmp_path / "ran"
    payload = pickle.dumps({"encoder.weight": RunsCode(str(marker))}, protocol=2)
    source = tmp_path / "evil.pt"
    if container == "torch zip":
        torch_zip_with(payload, source)
    else:
        source.write_bytes(payload)
    out = tmp_path / "out.safetensors"
    result = run_cli("import", str(source), str(out), "--vocab-from-corpus", str(corpus))
    assert result.exit_code == 2
    assert not marker.exists() and not out.exists()
    assert "state dict" in result.output  # says how to save one instead
    assert len(result.output.strip().splitlines()) == 1
    why = "it calls posix.system" if container == "torch zip" else "a bare pickle"
    assert why in result.output.replace("nt.system", "posix.system")


def test_bad_inputs_are_one_line_naming_what_is_wrong(corpus: Path, tmp_path: Path) -> None:
    words = example_vocabulary(corpus)
    model = trained("lstm", len(words), 1, False)
    state = model.state_dict()
    renamed = tmp_path / "renamed.pt"
    torch.save({f"net.{k}": v for k, v in state.items()}, renamed)
    out = tmp_path / "out.safetensors"

    def refused(*args: str) -> str:
        result = run_cli("import", *args)
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and not out.exists()
        return result.output

    message = refused(str(renamed), str(out), "--vocab-from-corpus", str(corpus))
    assert "net.encoder.weight" in message and "word_language_model" in message
    mapped = run_cli(
        "import", str(renamed), str(out), "--vocab-from-corpus", str(corpus),
        "--map", "embedding=net.encoder.weight", "--map", "rnn=net.rnn",
        "--map", "head=net.decoder.weight",
    )  # fmt: skip
    assert mapped.exit_code == 0, mapped.output
    again = run_cli("import", str(renamed), str(out), "--vocab-from-corpus", str(corpus))
    assert again.exit_code == 2 and "exists; use --force" in again.output
    out.unlink()

    short = tmp_path / "short.txt"
    short.write_text("\n".join(words[:-1]) + "\n")
    message = refused(str(renamed), str(out), "--vocab", str(short), "--map",
                      "embedding=net.encoder.weight", "--map", "rnn=net.rnn", "--map",
                      "head=net.decoder.weight")  # fmt: skip
    assert f"{len(words) - 1}" in message and f"{len(words)}" in message

    wrong = dict(state)
    wrong["decoder.weight"] = torch.zeros(len(words), 5)
    torch.save(wrong, tmp_path / "wrong.pt")
    message = refused(str(tmp_path / "wrong.pt"), str(out), "--vocab-from-corpus", str(corpus))
    vocab = len(words)
    assert f"'decoder.weight' has shape ({vocab}, 5), expected ({vocab}, 12)" in message
    assert "--vocab" in refused(str(renamed), str(out))  # no vocabulary given
    missing = tmp_path / "missing.pt"  # said first: asking for a vocabulary would mislead
    assert refused(str(missing), str(out)) == f"error: {missing}: no such model file\n"
    assert "--map" in refused(str(renamed), str(out), "--vocab", str(short), "--map", "rnn")


def test_state_dict_tensors_are_read_exactly_without_torch(tmp_path: Path) -> None:
    """Every dtype and a non-contiguous (transposed, offset) tensor, read back bit for bit."""
    from rnn_tui.importing.torch_files import named_arrays, read_torch_file

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    tensors = {
        "float": torch.randn(3, 5),
        "half": torch.randn(7).half(),
        "double": torch.randn(2, 2).double(),
        "transposed": base.t(),
        "sliced": base[1:, 2:5],
    }
    torch.save(tensors, tmp_path / "all.pt")
    read = named_arrays(read_torch_file(tmp_path / "all.pt").content, tmp_path / "all.pt")
    for name, tensor in tensors.items():
        np.testing.assert_array_equal(read[name], tensor.numpy(), err_msg=name)
    bf16 = torch.randn(9).bfloat16()
    torch.save({"b": bf16}, tmp_path / "bf16.pt")
    read = named_arrays(read_torch_file(tmp_path / "bf16.pt").content, tmp_path / "bf16.pt")
    np.testing.assert_array_equal(read["b"], bf16.float().numpy())


def test_lines_tokenizer_round_trips_text() -> None:
    from rnn_tui.data.tokenizers import Tokenizer
    from rnn_tui.data.vocab import EOS_ID

    tokenizer = Tokenizer.fit("lines", ["the cat sat\nthe dog\n"])
    ids = tokenizer.encode("the cat\nsat the\n")
    assert ids[2] == EOS_ID and ids[-1] == EOS_ID
    assert tokenizer.decode(ids) == "the cat\nsat the\n"


@pytest.mark.slow
def test_the_explorer_steps_an_imported_model_from_the_zero_state(
    corpus: Path, tmp_path: Path
) -> None:
    """No `<bos>`: the prompt's first word is read from the zero state; the bars are
    torch's own softmax, `<eos>` among the words it can choose."""
    import asyncio

    from rnn_tui.tui.app import make_app
    from rnn_tui.tui.screens.lm_view import LanguageModelScreen
    from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
    from tests.pilot_helpers import first_view

    words = example_vocabulary(corpus)
    model = trained("lstm", len(words), 2, True)
    torch.save(model, tmp_path / "model.pt")
    out = import_file(tmp_path / "model.pt", tmp_path / "out.safetensors", corpus)
    read = ["the", "cat", "sat", "on", "the", "mat"]
    logits, _ = torch_steps(model, [words.index(w) for w in read])
    expected = torch.softmax(torch.from_numpy(logits[-1]), 0).numpy()

    async def scenario() -> None:
        app = make_app([out], prompt=" ".join(read))
        async with app.run_test(size=(120, 36)) as pilot:
            view = await first_view(pilot, LanguageModelScreen)
            await pilot.press("m")  # argmax: the bars show the raw p = softmax(z)
            session = view.session
            assert [session.model.tokenizer.token_text(t) for t in session.tokens] == read
            bars = view.query_one(NextTokenBars).predictions
            assert bars[0].text == words[int(expected.argmax())]
            for bar in bars:
                assert bar.probability == pytest.approx(expected[words.index(bar.text)], abs=1e-6)
            await pilot.press("right")
            assert session.model.tokenizer.token_text(session.tokens[-1]) == bars[0].text

    asyncio.run(scenario())


def test_a_keras_file_without_h5py_says_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "h5py", None)  # as if not installed
    (tmp_path / "vocab.txt").write_text("a\nb\n")
    (tmp_path / "model.keras").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    out = tmp_path / "out.safetensors"
    result = run_cli("import", str(tmp_path / "model.keras"), str(out), "--vocab",
                     str(tmp_path / "vocab.txt"))  # fmt: skip
    assert result.exit_code == 2 and "pip install 'rnn-tui[keras]'" in result.output
    assert not out.exists()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_the_common_fc_layouts_are_recognised_by_name(
    corpus: Path, tmp_path: Path, cell: str
) -> None:
    """`embedding.weight`, `<cell>.*`, `fc.*`: the names of many tutorials' models."""
    words = example_vocabulary(corpus)
    model = trained(cell, len(words), 1, False)
    renamed = {
        k.replace("encoder.", "embedding.")
        .replace("rnn.", f"{cell}.")
        .replace("decoder.", "fc."): v
        for k, v in model.state_dict().items()
    }
    torch.save(renamed, tmp_path / "fc.pt")
    engine = load_language_model(
        import_file(tmp_path / "fc.pt", tmp_path / "o.safetensors", corpus)
    )
    ids = [words.index(w) for w in ["the", "dog", "sat"]]
    expected, _ = torch_steps(model, ids)
    traces, ours = steps_in_model_order(engine, words, ids)
    for t, trace in enumerate(traces):
        np.testing.assert_allclose(trace.logits[ours], expected[t], atol=1e-5, rtol=0)


def test_a_compressed_storage_is_refused_before_it_is_inflated(
    corpus: Path, tmp_path: Path
) -> None:
    """A zip entry can declare gigabytes and hold a few bytes of deflate: torch.save
    never compresses storages, so one that is compressed is refused unread."""
    torch.save({"encoder.weight": torch.zeros(4, 3)}, tmp_path / "plain.pt")
    bomb = tmp_path / "bomb.pt"
    with zipfile.ZipFile(tmp_path / "plain.pt") as source, zipfile.ZipFile(bomb, "w") as out:
        for info in source.infolist():
            compress = zipfile.ZIP_DEFLATED if "/data/" in info.filename else zipfile.ZIP_STORED
            out.writestr(info.filename, source.read(info.filename), compress_type=compress)
    result = run_cli("import", str(bomb), str(tmp_path / "o.safetensors"),
                     "--vocab-from-corpus", str(corpus))  # fmt: skip
    assert result.exit_code == 2 and "compressed" in result.output


def test_a_storage_whose_bytes_changed_fails_its_crc_check(corpus: Path, tmp_path: Path) -> None:
    """One flipped bit inside a tensor's stored bytes (the zip directory untouched): the
    storage's CRC-32 no longer matches, the import says so in one line, writes nothing."""
    words = example_vocabulary(corpus)
    state = trained("gru", len(words), 1, False).state_dict()
    source = tmp_path / "model.pt"
    torch.save(state, source)
    raw = bytearray(source.read_bytes())
    weights = state["rnn.weight_hh_l0"].numpy().tobytes()
    at = raw.find(weights)
    assert at > 0 and raw.find(weights, at + 1) < 0
    raw[at + len(weights) // 2] ^= 0x10
    source.write_bytes(bytes(raw))
    out = tmp_path / "out.safetensors"
    result = run_cli("import", str(source), str(out), "--vocab-from-corpus", str(corpus))
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "CRC-32" in result.output
    assert not out.exists()


def test_the_card_names_the_sources_sha256(corpus: Path, tmp_path: Path) -> None:
    import hashlib

    from rnn_tui.checkpoint import load_checkpoint

    words = example_vocabulary(corpus)
    torch.save(trained("rnn", len(words), 1, True), tmp_path / "model.pt")
    out = import_file(tmp_path / "model.pt", tmp_path / "out.safetensors", corpus)
    card = load_checkpoint(out).meta["card"]["imported"]
    assert card["sha256"] == hashlib.sha256((tmp_path / "model.pt").read_bytes()).hexdigest()
    assert "decoder.weight" not in load_checkpoint(out).tensors  # tied: stored once
