"""Vocabulary: a fixed list of token strings, with four specials at the front.

A model imported from elsewhere may lack some specials (a PyTorch language model has no
`<bos>`); its vocabulary still holds them at ids 0–3, as *placeholders*: ids the model
never reads and gives probability 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import repeat

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS: tuple[str, ...] = (PAD, BOS, EOS, UNK)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = range(4)


class Vocab:
    """Maps token strings to ids and back; unknown strings map to `<unk>`."""

    def __init__(self, tokens: Sequence[str], placeholders: Iterable[int] = ()) -> None:
        if tuple(tokens[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"a vocabulary starts with {SPECIALS}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary cannot hold the same token twice")
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.placeholders: tuple[int, ...] = tuple(sorted(set(placeholders)))
        if not set(self.placeholders) <= set(range(len(SPECIALS))):
            raise ValueError("only the specials (ids 0 to 3) can be placeholders")
        self._ids: dict[str, int] = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, pieces: Iterable[str], min_freq: int = 1, max_size: int = 0) -> Vocab:
        """Count `pieces` and keep those seen `min_freq` times or more.

        Ordered by falling frequency, ties by the string, so the same text always
        gives the same ids. `max_size` (0 = no limit) caps the total size.
        """
        counts = Counter(pieces)
        for special in SPECIALS:
            counts.pop(special, None)
        kept = sorted(
            (t for t, n in counts.items() if n >= min_freq), key=lambda t: (-counts[t], t)
        )
        if max_size:
            kept = kept[: max(0, max_size - len(SPECIALS))]
        return cls([*SPECIALS, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._ids

    def id_of(self, token: str) -> int:
        return self._ids.get(token, UNK_ID)

    def ids_of(self, tokens: Iterable[str]) -> list[int]:
        """`id_of` each token: a corpus's millions at C speed, not a call each."""
        return list(map(self._ids.get, tokens, repeat(UNK_ID)))

    def token_of(self, index: int) -> str:
        return self.tokens[index]
