"""Sentence pairs for translators: the dates generator or a tab-separated file.

A pair file holds `source<TAB>target[<TAB>anything]` per line (the Tatoeba
layout). Text is normalised to Unicode NFC, optionally lower-cased and stripped
of accents; word-level tokenizers split punctuation off words. The source is
encoded with `<eos>` at its end (reversed first with `--reverse-source`), the
target as `<bos> y_1 … y_n` → `y_1 … y_n <eos>` for teacher forcing.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnn_tui.config import PairsConfig
from rnn_tui.data.corpus import read_text_file
from rnn_tui.data.dates import DateExample, generate_dates
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import EOS_ID
from rnn_tui.errors import UserError

DATES = "dates"
# The PyTorch tutorial's English prefixes, with the contractions our tokenizer keeps whole.
TUTORIAL_PREFIXES = (
    "i am", "i'm", "he is", "he's", "she is", "she's",
    "you are", "you're", "we are", "we're", "they are", "they're",
)  # fmt: skip
PREFIX_PRESETS = {"tutorial": TUTORIAL_PREFIXES}


@dataclass(frozen=True)
class Pair:
    source: str
    target: str
    spans: dict[str, tuple[int, int]] | None = None  # dates only: field → source span


@dataclass
class PairCorpus:
    """Tokenizers per side and the train/held-out pairs, as text and as ids."""

    source_tokenizer: Tokenizer
    target_tokenizer: Tokenizer
    train: list[Pair]
    val: list[Pair]
    reverse_source: bool
    skipped_lines: list[int] = field(default_factory=list)

    def encode(self, pairs: list[Pair]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        sources = [
            encode_source(self.source_tokenizer, p.source, self.reverse_source) for p in pairs
        ]
        targets = [encode_target(self.target_tokenizer, p.target) for p in pairs]
        return sources, targets

    def longest(self) -> tuple[int, int]:
        """The most tokens of any source and of any target, `<eos>` counted (what padding
        makes every row as long as)."""
        pairs = self.train + self.val
        source_kind, target_kind = self.source_tokenizer.kind, self.target_tokenizer.kind
        source = max((len(Tokenizer.split(source_kind, p.source)) for p in pairs), default=0)
        target = max((len(Tokenizer.split(target_kind, p.target)) for p in pairs), default=0)
        return source + 1, target + 1


class _NonspacingMarksDropped(dict[int, int | None]):
    """A `str.translate` table that drops nonspacing marks (category Mn: the accents NFD
    splits off) and keeps every other character; each code point is looked up once."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "Mn" else code
        self[code] = kept
        return kept


_DROP_MARKS = _NonspacingMarksDropped()


def normalize_text(text: str, lowercase: bool, strip_accents: bool) -> str:
    """NFC; optionally lower-case and drop combining accents ("été" → "ete"); one space."""
    if not text.isascii():  # (ASCII is its own NFC and NFD, with no marks)
        text = unicodedata.normalize("NFC", text)
        if strip_accents:
            decomposed = unicodedata.normalize("NFD", text)
            text = unicodedata.normalize("NFC", decomposed.translate(_DROP_MARKS))
    if lowercase:
        text = text.lower()
    return " ".join(text.split())


def encode_source(tokenizer: Tokenizer, text: str, reverse: bool) -> np.ndarray:
    """Source ids followed by `<eos>`; reversed first when the model reads backwards."""
    ids = tokenizer.encode(text)
    if reverse:
        ids.reverse()
    return np.asarray([*ids, EOS_ID], dtype=np.int64)


def encode_target(tokenizer: Tokenizer, text: str) -> np.ndarray:
    """Target ids followed by `<eos>` (the decoder's input is `<bos>` + all but the last)."""
    return np.asarray([*tokenizer.encode(text), EOS_ID], dtype=np.int64)


def read_pair_file(path: Path, what: str = "--pairs") -> tuple[list[tuple[str, str]], list[int]]:
    """(source, target) per usable line, and the numbers of malformed lines skipped."""
    text = read_text_file(path, what)
    pairs: list[tuple[str, str]] = []
    malformed: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        columns = line.split("\t")
        if len(columns) < 2 or not columns[0].strip() or not columns[1].strip():
            malformed.append(number)
            continue
        pairs.append((columns[0], columns[1]))
    if not pairs:
        raise UserError(
            f"{what} {path}: no usable pairs; expected lines of 'source<TAB>target' "
            f"({len(malformed)} malformed line(s))"
        )
    return pairs, malformed


def resolve_prefixes(values: tuple[str, ...]) -> tuple[str, ...]:
    """`tutorial` expands to the PyTorch tutorial's English prefixes; others stay as given."""
    out: list[str] = []
    for value in values:
        out.extend(PREFIX_PRESETS.get(value, (value,)))
    return tuple(out)


def select_pairs(raw: list[tuple[str, str]], config: PairsConfig) -> list[Pair]:
    """Normalise, filter by first-column prefix and length, then orient the pairs.

    The prefix filter looks at the file's first column (before `--reverse-pairs`),
    ignores case, and matches whole words; `--max-len` counts tokens on each side.
    """
    prefixes = tuple(  # whole words: "he is" keeps "he is tall", not "he isolates"
        normalize_text(p, True, config.strip_accents) + " "
        for p in resolve_prefixes(config.prefix_filter)
    )
    selected: list[Pair] = []
    for first, second in raw:
        first = normalize_text(first, config.lowercase, config.strip_accents)
        second = normalize_text(second, config.lowercase, config.strip_accents)
        if prefixes and not (first.lower() + " ").startswith(prefixes):
            continue
        source, target = (second, first) if config.reverse_pairs else (first, second)
        if config.max_len and (
            len(Tokenizer.split(config.source_tokenizer, source)) > config.max_len
            or len(Tokenizer.split(config.target_tokenizer, target)) > config.max_len
        ):
            continue
        selected.append(Pair(source, target))
    return selected


def split_pairs(pairs: list[Pair], val_fraction: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """A seeded random `val_fraction` (at least one pair) is held out; order is kept."""
    count = max(1, round(len(pairs) * val_fraction))
    if count >= len(pairs):
        raise UserError(f"too few pairs to hold out {val_fraction:.0%}: {len(pairs)} pair(s)")
    held = set(np.random.default_rng(seed).permutation(len(pairs))[:count].tolist())
    train = [p for i, p in enumerate(pairs) if i not in held]
    val = [p for i, p in enumerate(pairs) if i in held]
    return train, val


def _date_pairs(examples: list[DateExample]) -> list[Pair]:
    return [Pair(e.source, e.target, e.spans) for e in examples]


def date_splits(config: PairsConfig) -> tuple[list[Pair], list[Pair]]:
    """`size` training dates and `held_out` others whose written forms never occur in training."""
    train = generate_dates(config.size, seed=config.seed)
    val = generate_dates(
        config.held_out, seed=config.seed + 1_000_003, exclude={e.source for e in train}
    )
    return _date_pairs(train), _date_pairs(val)


@functools.lru_cache(maxsize=4)
def _held_out_dates(config: PairsConfig) -> tuple[Pair, ...]:
    return tuple(date_splits(config)[1])


def held_out_dates(pairs_config: dict, count: int) -> list[Pair]:
    """The first `count` held-out pairs of a date translator trained with `pairs_config`
    (its checkpoint's `pairs_config`): the dates it was scored on, whose written forms
    never occur among its training pairs. Made once per process (~1 s: the training
    dates are generated to be left out)."""
    if pairs_config.get("source") != "dates":
        raise UserError("held-out pairs are known here for date translators only")
    return list(_held_out_dates(PairsConfig.from_dict(pairs_config))[:count])


def prepare_pairs(
    config: PairsConfig,
    reverse_source: bool = False,
    tokenizers: tuple[Tokenizer, Tokenizer] | None = None,
    quiet: bool = False,
) -> PairCorpus:
    """Pairs → splits → tokenizers (fitted on the training pairs unless given)."""
    config.validate()
    skipped: list[int] = []
    if config.source == DATES:
        train, val = date_splits(config)
    else:
        raw, skipped = read_pair_file(Path(config.source))
        if skipped and not quiet:
            shown = ", ".join(str(n) for n in skipped[:10]) + (" …" if len(skipped) > 10 else "")
            print(
                f"warning: --pairs {config.source}: skipped {len(skipped)} malformed line(s) "
                f"(expected 'source<TAB>target'): line {shown}",
                file=sys.stderr,
            )
        pairs = select_pairs(raw, config)
        if len(pairs) < 2:
            raise UserError(
                f"--pairs {config.source}: {len(pairs)} pair(s) left after --prefix-filter "
                "and --max-len; need at least 2"
            )
        train, val = split_pairs(pairs, config.val_fraction, config.seed)
    if tokenizers is None:
        tokenizers = (
            Tokenizer.fit(config.source_tokenizer, (p.source for p in train)),
            Tokenizer.fit(config.target_tokenizer, (p.target for p in train)),
        )
    return PairCorpus(tokenizers[0], tokenizers[1], train, val, reverse_source, skipped)


def describe_pairs(config: PairsConfig) -> str:
    if config.source == DATES:
        return f"generated dates (seed {config.seed}, {config.size:,} training)"
    return str(config.source)
