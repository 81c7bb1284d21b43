"""Character-, word- and line-level tokenizers that share one vocabulary type.

`char`: every character. `word`: words, punctuation marks and newlines. `lines`: the
whitespace-separated words of each line and `<eos>` at each line end, as PyTorch's
`word_language_model` example reads its corpus (its `data.Corpus`).
`encode` never fails: a piece that is not in the vocabulary becomes `<unk>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from rnn_tui.data.vocab import BOS_ID, EOS, EOS_ID, PAD_ID, SPECIALS, UNK_ID, Vocab

# Words (with inner apostrophes: "o'er", "ne'er"), single punctuation marks, newlines.
WORD_PATTERN = re.compile(r"\n|\w+(?:'\w+)*|[^\w\s]")
LINE_WORD_PATTERN = re.compile(r"\n|[^\s]+")
TOKENIZER_KINDS = ("char", "word", "lines")
_NO_SPACE_BEFORE = set(",.;:!?')]}")
_NO_SPACE_AFTER = set("([{")
_SKIPPED_ON_DECODE = frozenset({PAD_ID, BOS_ID, EOS_ID})


class Tokenizer:
    """Splits text into pieces (characters or words) and maps them to ids."""

    def __init__(self, kind: str, vocab: Vocab) -> None:
        if kind not in TOKENIZER_KINDS:
            raise ValueError(f"tokenizer kind must be char, word or lines, not {kind!r}")
        self.kind = kind
        self.vocab = vocab

    @staticmethod
    def split(kind: str, text: str) -> list[str]:
        """The pieces of `text`: every character, words/punctuation/newlines, or each
        line's whitespace-separated words with `<eos>` for its newline."""
        if kind == "char":
            return list(text)
        if kind == "lines":
            return [EOS if piece == "\n" else piece for piece in LINE_WORD_PATTERN.findall(text)]
        return WORD_PATTERN.findall(text)

    @classmethod
    def fit(
        cls, kind: str, texts: Iterable[str], min_freq: int = 1, max_size: int = 0
    ) -> Tokenizer:
        pieces = (piece for text in texts for piece in cls.split(kind, text))
        return cls(kind, Vocab.build(pieces, min_freq=min_freq, max_size=max_size))

    def __len__(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        return self.vocab.ids_of(self.split(self.kind, text))

    def token_text(self, index: int) -> str:
        """The display string of one id (specials as written, e.g. `<unk>`)."""
        return self.vocab.token_of(index)

    def decode(self, ids: Sequence[int]) -> str:
        """Ids back to text; `<pad>`, `<bos>`, `<eos>` vanish and `<unk>` stays visible
        (`lines`: `<eos>` is the line break it stands for)."""
        if self.kind == "lines":
            out: list[str] = []
            for i in ids:
                if i in (PAD_ID, BOS_ID):
                    continue
                piece = "\n" if i == EOS_ID else self.vocab.token_of(i)
                if out and piece != "\n" and out[-1] != "\n":
                    out.append(" ")
                out.append(piece)
            return "".join(out)
        pieces = [self.vocab.token_of(i) for i in ids if i not in _SKIPPED_ON_DECODE]
        if self.kind == "char":
            return "".join(pieces)
        return detokenize_words(pieces)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "tokens": list(self.vocab.tokens)}
        if self.vocab.placeholders:
            data["placeholders"] = list(self.vocab.placeholders)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tokenizer:
        """A tokenizer from JSON (a checkpoint's): ValueError names what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("tokenizer: expected an object")
        tokens = data.get("tokens")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError("tokenizer: field 'tokens' expected a list of strings")
        if data.get("kind") not in TOKENIZER_KINDS:
            raise ValueError("tokenizer: field 'kind' expected char, word or lines")
        placeholders = data.get("placeholders", [])
        if not isinstance(placeholders, list) or not all(
            type(i) is int and 0 <= i < len(SPECIALS) for i in placeholders
        ):
            raise ValueError("tokenizer: field 'placeholders' expected a list of ids 0 to 3")
        return cls(data["kind"], Vocab(tokens, placeholders))


def detokenize_words(pieces: Sequence[str]) -> str:
    """Join word pieces with spaces, except around newlines and before punctuation."""
    out: list[str] = []
    for piece in pieces:
        if out and piece != "\n" and out[-1] != "\n":
            attach = piece in _NO_SPACE_BEFORE or out[-1] in _NO_SPACE_AFTER
            if not attach:
                out.append(" ")
        out.append(piece)
    return "".join(out)


__all__ = ["UNK_ID", "Tokenizer", "detokenize_words"]
