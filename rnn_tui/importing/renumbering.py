"""A model's own token ids → rnn-tui's, with its tensors' rows moved to match.

rnn-tui's vocabularies hold `<pad> <bos> <eos> <unk>` at ids 0–3; a model trained
elsewhere numbers its tokens its own way. Its tokens keep their order after the
specials; a special it lacks is a *placeholder*: embedding row 0, output row 0 with
bias −10⁴ (probability exactly 0 in float32).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
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
    """`matrix`'s rows (one per model id) in rnn-tui's id order; placeholders get `fill`.

    Renumbering keeps the model's order after the specials, so the rows move in a few
    long runs: each run is one block copy (a word-level embedding of 86 MB copies in
    about a third of the time `np.take` needs)."""
    source = np.asarray(matrix, dtype=np.float32)
    ids = order.source_ids
    rows = np.empty((len(ids), *source.shape[1:]), dtype=np.float32)
    breaks = np.flatnonzero((np.diff(ids) != 1) | (ids[1:] < 0) | (ids[:-1] < 0)) + 1
    for start, stop in zip(np.r_[0, breaks], np.r_[breaks, len(ids)], strict=True):
        first = ids[start]
        if first < 0:
            rows[start:stop] = fill
        else:
            rows[start:stop] = source[first : first + stop - start]
    return rows


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, for the model card."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def sha256_beside(path: Path) -> Callable[[], str]:
    """Start hashing `path` on another thread and return the call that waits for the
    digest: hashlib lets go of the GIL while it hashes, so the hash of a large file takes
    no time from the conversion that reads it meanwhile."""
    result: list[str | BaseException] = []

    def run() -> None:
        try:
            result.append(sha256_of(path))
        except BaseException as error:  # handed to the caller, who reports it
            result.append(error)

    thread = threading.Thread(target=run, name="sha256", daemon=True)
    thread.start()

    def wait() -> str:
        thread.join()
        if isinstance(result[0], BaseException):
            raise result[0]
        return result[0]

    return wait
