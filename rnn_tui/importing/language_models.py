"""A language model trained elsewhere → an rnn-tui checkpoint, with nothing recomputed.

The model is embedding → `nn.RNN`/`nn.GRU`/`nn.LSTM` (L layers) → linear head, its
tensors named as PyTorch names them. They keep their values; only their rows move:
rnn-tui's vocabularies hold `<pad> <bos> <eos> <unk>` at ids 0–3, so the model's own
tokens are renumbered after them (its `<eos>`/`<unk>`, when it has them, take those
ids). A special the model lacks becomes a *placeholder*: a zero embedding row and a
head row with weights 0 and bias −10⁴, so z = −10⁴ and p = exp(−10⁴ − max z)/Σ = 0
exactly in float32 — the softmax over the other tokens is the model's own, unchanged.
Such a model reads a text from the zero state, without `<bos>` (`start = "zero"`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnn_tui.checkpoint import Checkpoint
from rnn_tui.config import ModelConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import SPECIALS, Vocab
from rnn_tui.errors import UserError
from rnn_tui.importing.renumbering import PLACEHOLDER_BIAS, renumber, rows_by_id

CELL_BY_GATES = {1: "rnn", 3: "gru", 4: "lstm"}


@dataclass(frozen=True)
class Layout:
    """Where a language model's three parts are: the embedding matrix, the prefix of the
    recurrent stack's `weight_ih_l0`…, and the head's weight (its bias beside it)."""

    embedding: str
    rnn: str
    head: str

    @property
    def head_bias(self) -> str:
        return re.sub(r"weight$", "bias", self.head)


KNOWN_LAYOUTS: dict[str, Layout] = {
    "word_language_model": Layout("encoder.weight", "rnn.", "decoder.weight"),
    "rnn-tui": Layout("embedding.weight", "rnn.", "decoder.weight"),
    "embedding-lstm-fc": Layout("embedding.weight", "lstm.", "fc.weight"),
    "embedding-gru-fc": Layout("embedding.weight", "gru.", "fc.weight"),
    "embedding-rnn-fc": Layout("embedding.weight", "rnn.", "fc.weight"),
}


def layout_from_map(pairs: Sequence[str]) -> Layout:
    """`--map embedding=emb.weight rnn=lstm head=out.weight` → a Layout."""
    given: dict[str, str] = {}
    for pair in pairs:
        part, sep, name = pair.partition("=")
        if not sep or part not in ("embedding", "rnn", "head") or not name:
            raise UserError(
                f"--map: expected embedding=NAME, rnn=PREFIX or head=NAME, got {pair!r}"
            )
        given[part] = name
    missing = [p for p in ("embedding", "rnn", "head") if p not in given]
    if missing:
        raise UserError(f"--map: give all three parts; missing {', '.join(missing)}")
    prefix = given["rnn"] if given["rnn"].endswith(".") else given["rnn"] + "."
    return Layout(given["embedding"], prefix, given["head"])


def find_layout(tensors: Mapping[str, np.ndarray], path: Path) -> tuple[str, Layout]:
    """The known layout whose names the file holds; else one line listing what it holds."""
    for name, layout in KNOWN_LAYOUTS.items():
        if {layout.embedding, layout.head, f"{layout.rnn}weight_ih_l0"} <= set(tensors):
            return name, layout
    names = sorted(tensors)
    shown = ", ".join(names[:12]) + (f", … ({len(names)} in all)" if len(names) > 12 else "")
    known = "; ".join(
        f"{name} ({lay.embedding}, {lay.rnn}weight_ih_l0, {lay.head})"
        for name, lay in KNOWN_LAYOUTS.items()
    )
    raise UserError(
        f"{path}: unknown layout; it holds {shown}. Known layouts: {known}. "
        "Name the parts with --map embedding=NAME rnn=PREFIX head=NAME"
    )


@dataclass(frozen=True)
class Recurrence:
    cell: str
    layers: int
    hidden: int


def read_recurrence(
    tensors: Mapping[str, np.ndarray], layout: Layout, embedding_dim: int, path: Path
) -> Recurrence:
    """Cell, layer count and width from the stack's tensor shapes (G·H rows: G = 1, 3, 4)."""
    prefix = layout.rnn
    if f"{prefix}weight_ih_l0_reverse" in tensors:
        raise UserError(
            f"{path}: a bidirectional stack cannot be a language model (it reads ahead)"
        )
    if f"{prefix}weight_hr_l0" in tensors:
        raise UserError(f"{path}: an LSTM with projections (proj_size) is not supported")
    hh = tensors.get(f"{prefix}weight_hh_l0")
    if hh is None or hh.ndim != 2:
        raise UserError(f"{path}: lacks tensor '{prefix}weight_hh_l0' (a 2-d matrix)")
    hidden = hh.shape[1]
    if hidden < 1 or hh.shape[0] % hidden or hh.shape[0] // hidden not in CELL_BY_GATES:
        raise UserError(
            f"{path}: tensor '{prefix}weight_hh_l0' has shape {hh.shape}; expected "
            f"(G·H, H) with G = 1 (RNN), 3 (GRU) or 4 (LSTM)"
        )
    cell = CELL_BY_GATES[hh.shape[0] // hidden]
    layers = 0
    while f"{prefix}weight_ih_l{layers}" in tensors:
        layers += 1
    rows = hh.shape[0]
    for k in range(layers):
        width = embedding_dim if k == 0 else hidden
        expect_shape(tensors, f"{prefix}weight_ih_l{k}", (rows, width), path)
        expect_shape(tensors, f"{prefix}weight_hh_l{k}", (rows, hidden), path)
        for bias in (f"{prefix}bias_ih_l{k}", f"{prefix}bias_hh_l{k}"):
            if bias in tensors:
                expect_shape(tensors, bias, (rows,), path)
    return Recurrence(cell, layers, hidden)


def same_view(a: np.ndarray, b: np.ndarray | None) -> bool:
    """Whether `b` is `a` read again: the same memory, shape, strides and type."""
    return b is a or (
        b is not None
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and (a.shape, a.strides, a.dtype) == (b.shape, b.strides, b.dtype)
    )


def expect_shape(
    tensors: Mapping[str, np.ndarray], name: str, shape: tuple[int, ...], path: Path
) -> np.ndarray:
    tensor = tensors.get(name)
    if tensor is None:
        raise UserError(f"{path}: lacks tensor '{name}'")
    if tuple(tensor.shape) != shape:
        raise UserError(
            f"{path}: tensor '{name}' has shape {tuple(tensor.shape)}, expected {shape}"
        )
    if not np.issubdtype(tensor.dtype, np.floating):
        raise UserError(f"{path}: tensor '{name}' holds {tensor.dtype}, expected floats")
    if not np.isfinite(tensor).all():
        raise UserError(f"{path}: tensor '{name}' holds NaN or infinite values")
    return tensor


def build_language_model(
    tensors: Mapping[str, np.ndarray],
    layout: Layout,
    model_tokens: Sequence[str],
    tokenizer_kind: str,
    source: str,
    vocab_what: str,
    card: dict[str, Any],
    nonlinearity: str = "tanh",
) -> Checkpoint:
    """The rnn-tui checkpoint of a PyTorch-named language model (see the module's doc)."""
    path = Path(source)
    embedding = tensors.get(layout.embedding)
    if embedding is None or embedding.ndim != 2:
        raise UserError(f"{path}: lacks the embedding matrix '{layout.embedding}' (2-d)")
    vocab_size, embedding_dim = embedding.shape
    expect_shape(tensors, layout.embedding, (vocab_size, embedding_dim), path)
    recurrence = read_recurrence(tensors, layout, embedding_dim, path)
    if recurrence.cell == "rnn" and nonlinearity not in ("tanh", "relu"):
        raise UserError(f"{path}: an nn.RNN with nonlinearity {nonlinearity!r} (tanh or relu)")
    tied = same_view(embedding, tensors.get(layout.head))
    if tied:  # one array read twice (torch's tied weights): check its values once
        head = embedding
        expect_shape({layout.head: embedding[:0]}, layout.head, (0, recurrence.hidden), path)
    else:
        head = expect_shape(tensors, layout.head, (vocab_size, recurrence.hidden), path)
    if layout.head_bias in tensors:
        head_bias = expect_shape(tensors, layout.head_bias, (vocab_size,), path)
    else:
        head_bias = np.zeros(vocab_size, dtype=np.float32)
    if len(model_tokens) != vocab_size:
        raise UserError(
            f"{vocab_what}: {len(model_tokens):,} tokens, but the model's embedding "
            f"'{layout.embedding}' has {vocab_size:,} rows"
        )
    order = renumber(model_tokens, vocab_what)
    tied = tied or bool(np.array_equal(embedding, head))
    embedding_rows = rows_by_id(embedding, order)
    out: dict[str, np.ndarray] = {
        "embedding.weight": embedding_rows,
        "decoder.bias": rows_by_id(head_bias, order, fill=PLACEHOLDER_BIAS),
    }
    if not tied:  # tied: stored once, the loader reads decoder.weight = embedding.weight
        out["decoder.weight"] = rows_by_id(head, order)
    mapping = {
        "embedding.weight": layout.embedding,
        "decoder.weight": f"{layout.head} (tied: the embedding, stored once)"
        if tied
        else layout.head,
        "decoder.bias": layout.head_bias if layout.head_bias in tensors else "(zeros: no bias)",
    }
    rows = recurrence.hidden * {"rnn": 1, "gru": 3, "lstm": 4}[recurrence.cell]
    for k in range(recurrence.layers):
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            theirs = f"{layout.rnn}{kind}_l{k}"
            ours = f"rnn.{kind}_l{k}"
            if theirs in tensors:
                out[ours] = np.asarray(tensors[theirs], dtype=np.float32)
                mapping[ours] = theirs
            else:
                out[ours] = np.zeros(rows, dtype=np.float32)
                mapping[ours] = "(zeros: no bias)"
    config = ModelConfig(
        cell=recurrence.cell,  # type: ignore[arg-type]
        vocab_size=len(order.tokens),
        embedding_dim=embedding_dim,
        hidden_size=recurrence.hidden,
        num_layers=recurrence.layers,
        tie_weights=tied and embedding_dim == recurrence.hidden,
        start="zero",
        nonlinearity=nonlinearity if recurrence.cell == "rnn" else "tanh",  # type: ignore[arg-type]
    )
    config.validate()
    tokenizer = Tokenizer(tokenizer_kind, Vocab(order.tokens, order.placeholders))
    imported = {
        **card.get("imported", {}),
        "mapping": mapping,
        "placeholders": [SPECIALS[i] for i in order.placeholders],
        "renumbered": "the model's tokens follow rnn-tui's four specials at ids 0-3; "
        "placeholders have a zero embedding and head bias -1e4 (probability 0)",
    }
    meta = {
        "model_config": config.to_dict(),
        "tokenizer": tokenizer.to_dict(),
        "card": {**card, "imported": imported},
        "history": {},
    }
    return Checkpoint(kind="lm", tensors=out, meta=meta)
