"""Character- and word-level tokenizers that share one vocabulary type.

`encode` never fails: a piece that is not in the vocabulary becomes `<unk>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from rnn_tui.data.vocab import BOS_ID, EOS_ID, PAD_ID, UNK_ID, Vocab

# Words (with inner apostrophes: "o'er", "ne'er"), single punctuation marks, newlines.
WORD_PATTERN = re.compile(r"\n|\w+(?:'\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(",.;:!?')]}")
_NO_SPACE_AFTER = set("([{")
_SKIPPED_ON_DECODE = frozenset({PAD_ID, BOS_ID, EOS_ID})


class Tokenizer:
    """Splits text into pieces (characters or words) and maps them to ids."""

    def __init__(self, kind: str, vocab: Vocab) -> None:
        if kind not in ("char", "word"):
            raise ValueError(f"tokenizer kind must be char or word, not {kind!r}")
        self.kind = kind
        self.vocab = vocab

    @staticmethod
    def split(kind: str, text: str) -> list[str]:
        """The pieces of `text`: every character, or words/punctuation/newlines."""
        return list(text) if kind == "char" else WORD_PATTERN.findall(text)

    @classmethod
    def fit(
        cls, kind: str, texts: Iterable[str], min_freq: int = 1, max_size: int = 0
    ) -> Tokenizer:
        pieces = (piece for text in texts for piece in cls.split(kind, text))
        return cls(kind, Vocab.build(pieces, min_freq=min_freq, max_size=max_size))

    def __len__(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        return [self.vocab.id_of(piece) for piece in self.split(self.kind, text)]

    def token_text(self, index: int) -> str:
        """The display string of one id (specials as written, e.g. `<unk>`)."""
        return self.vocab.token_of(index)

    def decode(self, ids: Sequence[int]) -> str:
        """Ids back to text; `<pad>`, `<bos>`, `<eos>` vanish and `<unk>` stays visible."""
        pieces = [self.vocab.token_of(i) for i in ids if i not in _SKIPPED_ON_DECODE]
        if self.kind == "char":
            return "".join(pieces)
        return detokenize_words(pieces)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "tokens": list(self.vocab.tokens)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tokenizer:
        """A tokenizer from JSON (a checkpoint's): ValueError names what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("tokenizer: expected an object")
        tokens = data.get("tokens")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise ValueError("tokenizer: field 'tokens' expected a list of strings")
        if data.get("kind") not in ("char", "word"):
            raise ValueError("tokenizer: field 'kind' expected char or word")
        return cls(data["kind"], Vocab(tokens))


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
