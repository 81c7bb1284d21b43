"""Pair corpora: the dates generator and tab-separated pair files."""

from __future__ import annotations

import datetime
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnn_tui.config import PairsConfig
from rnn_tui.data.dates import FORMAT_NAMES, MONTHS, MONTHS_SHORT, generate_dates
from rnn_tui.data.pairs import (
    encode_source,
    normalize_text,
    prepare_pairs,
    read_pair_file,
    select_pairs,
)
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import EOS_ID
from rnn_tui.errors import UserError


def _month_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    lowered = text.lower()
    for table in (MONTHS, MONTHS_SHORT):
        for names in table.values():
            for number, name in enumerate(names.split(), start=1):
                if name.lower() == lowered:
                    return number
    raise AssertionError(f"not a month: {text!r}")


def test_dates_cover_formats_and_languages() -> None:
    examples = generate_dates(3000, seed=1)
    formats = {e.format_name for e in examples}
    assert len(FORMAT_NAMES) >= 20
    assert formats == set(FORMAT_NAMES)
    sources = " ".join(e.source.lower() for e in examples)
    for word in ("may", "mai", "samedi", "samstag", "th ", "1er", "januar", "/"):
        assert word in sources
    assert any(e.source.isupper() for e in examples if any(c.isalpha() for c in e.source))
    assert any("  " in e.source for e in examples)  # varied spacing


def test_dates_are_deterministic_and_distinct() -> None:
    first = generate_dates(500, seed=7)
    assert first == generate_dates(500, seed=7)
    assert first != generate_dates(500, seed=8)
    assert len({e.source for e in first}) == 500


def test_date_labels_and_spans_are_correct() -> None:
    for example in generate_dates(2000, seed=3):
        date = datetime.date.fromisoformat(example.target)
        assert example.target == date.isoformat()
        day_text = example.source[slice(*example.spans["day"])]
        month_text = example.source[slice(*example.spans["month"])]
        year_text = example.source[slice(*example.spans["year"])]
        assert int(re.match(r"\d+", day_text).group()) == date.day, example
        assert _month_number(month_text) == date.month, example
        assert year_text == (str(date.year) if len(year_text) == 4 else f"{date.year % 100:02d}")
        if len(year_text) == 2:
            assert 1950 <= date.year <= 2049


def test_date_splits_never_share_a_source() -> None:
    corpus = prepare_pairs(PairsConfig(size=3000, held_out=500, seed=2))
    assert len(corpus.train) == 3000 and len(corpus.val) == 500
    assert not {p.source for p in corpus.train} & {p.source for p in corpus.val}


def test_normalisation() -> None:
    assert normalize_text("  Été   à\u0301 Paris ", True, True) == "ete a paris"
    assert normalize_text("Cafe\u0301", False, False) == "Café"  # NFC composes


@given(
    st.text(st.sampled_from("aeoc E\t\xa0éÉçœ\u0301\u0327\u0308\u20d7ﬁ한\u1100\u1161")) | st.text(),
    st.booleans(),
    st.booleans(),
)
def test_normalisation_is_the_definition_written_out(
    text: str, lowercase: bool, strip_accents: bool
) -> None:
    """NFC; accents stripped: every character of Unicode category Mn dropped from the NFD
    form, then NFC again; lower-cased; runs of white space made one space."""
    expected = unicodedata.normalize("NFC", text)
    if strip_accents:
        decomposed = unicodedata.normalize("NFD", expected)
        kept = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
        expected = unicodedata.normalize("NFC", kept)
    if lowercase:
        expected = expected.lower()
    assert normalize_text(text, lowercase, strip_accents) == " ".join(expected.split())


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pairs.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    text = (
        "I am cold.\tJ'ai froid.\nno tab here\n\tmissing source\nHe is tall.\tIl est grand.\tCC\n"
    )
    path = _write(tmp_path, text)
    pairs, skipped = read_pair_file(path)
    assert pairs == [("I am cold.", "J'ai froid."), ("He is tall.", "Il est grand.")]
    assert skipped == [2, 3]


def test_a_file_without_pairs_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no usable pairs.*2 malformed"):
        read_pair_file(_write(tmp_path, "one\ntwo\n"))
    with pytest.raises(UserError, match="no such file"):
        read_pair_file(tmp_path / "absent.tsv")


def test_filters_reverse_and_lengths(tmp_path: Path) -> None:
    raw = [
        ("I'm cold.", "J'ai froid."),
        ("He is tall.", "Il est grand."),
        ("He isolates it.", "Il l'isole."),
        ("I am very tired today.", "Je suis très fatigué aujourd'hui."),  # too long
        ("They are here.", "Ils sont là."),
    ]
    config = PairsConfig(
        source="x.tsv",
        reverse_pairs=True,
        prefix_filter=("tutorial",),
        max_len=4,
        source_tokenizer="word",
        target_tokenizer="word",
        lowercase=True,
        strip_accents=True,
    )
    selected = select_pairs(raw, config)
    assert [(p.source, p.target) for p in selected] == [
        ("j'ai froid.", "i'm cold."),
        ("il est grand.", "he is tall."),
        ("ils sont la.", "they are here."),
    ]


def test_source_is_reversed_before_eos() -> None:
    tokenizer = Tokenizer.fit("char", ["abc"])
    forward = encode_source(tokenizer, "abc", reverse=False).tolist()
    backward = encode_source(tokenizer, "abc", reverse=True).tolist()
    assert forward[-1] == backward[-1] == EOS_ID
    assert backward[:-1] == forward[:-1][::-1]
