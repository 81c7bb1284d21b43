"""A model's own token ids → rnn-tui's, with its tensors' rows moved to match.

rnn-tui's vocabularies hold `<pad> <bos> <eos> <unk>` at ids 0–3; a model trained
elsewhere numbers its tokens its own way. Its tokens keep their order after the
specials; a special it lacks is a *placeholder*: embedding row 0, output row 0 with
bias −10⁴ (probability exactly 0 in float32).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnn_tui.data.vocab import SPECIALS
from rnn_tui.errors import UserError

PLACEHOLDER_BIAS = -1.0e4


@dataclass(frozen=True)
class Renumbering:
    """rnn-tui's vocabulary for a model's tokens: `source_ids[i]` is the model's id of our
    id i, or -1 for a placeholder special."""

    tokens: tuple[str, ...]
    source_ids: np.ndarray
    placeholders: tuple[int, ...]


def renumber(model_tokens: Sequence[str], what: str) -> Renumbering:
    """Specials first at their fixed ids, then the model's other tokens in its order."""
    seen: dict[str, int] = {}
    for index, token in enumerate(model_tokens):
        if token in seen:
            raise UserError(
                f"{what}: token {token!r} appears twice (ids {seen[token]} and {index})"
            )
        seen[token] = index
    ordinary = [t for t in model_tokens if t not in SPECIALS]
    tokens = (*SPECIALS, *ordinary)
    source_ids = np.asarray([seen.get(t, -1) for t in tokens], dtype=np.int64)
    placeholders = tuple(i for i, t in enumerate(SPECIALS) if t not in seen)
    return Renumbering(tokens, source_ids, placeholders)


def rows_by_id(matrix: np.ndarray, order: Renumbering, fill: float = 0.0) -> np.ndarray:
    """`matrix`'s rows (one per model id) in rnn-tui's id order; placeholders get `fill`."""
    rows = np.take(np.asarray(matrix, dtype=np.float32), np.maximum(order.source_ids, 0), axis=0)
    rows[order.source_ids < 0] = fill
    return rows


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, for the model card."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
