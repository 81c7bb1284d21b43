"""Model, data and training settings as dataclasses that round-trip through JSON dicts.

A checkpoint stores `ModelConfig` in its metadata, so any reader can rebuild the
model (torch or NumPy) from the file alone.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Self

from rnn_tui.errors import UserError

CellType = Literal["rnn", "gru", "lstm", "ffnn"]
CELL_TYPES: tuple[str, ...] = ("rnn", "gru", "lstm", "ffnn")
TokenizerKind = Literal["char", "word"]


class SettingError(UserError):
    """A setting out of range, named by its field: the CLI shows the field's flag
    (`--hidden`), a checkpoint loader the file and field (`model_config.hidden_size`).

    `detail` may name other fields as `{field}`, rendered the same way.
    """

    def __init__(self, field: str, detail: str) -> None:
        self.field, self.detail = field, detail
        super().__init__(self.render(lambda name: name))

    def render(self, name_of: Callable[[str], str]) -> str:
        names = re.findall(r"{(\w+)}", self.detail)
        detail = self.detail
        for name in names:
            detail = detail.replace("{" + name + "}", name_of(name))
        return f"{name_of(self.field)}: {detail}"


def _shown(value: Any) -> str:
    """A value from a file, short and printable, for an error message."""
    text = repr(value)
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text if len(text) <= 40 else text[:37] + "…"


def _type_error(hint: Any, value: Any) -> str | None:
    """What `value` should have been for the annotation `hint`, or None when it fits."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return None if value in args else "one of " + ", ".join(map(str, args))
    if hint is bool:
        return None if isinstance(value, bool) else "true or false"
    if hint is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "an integer"
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else "a number"
    if hint is str:
        return None if isinstance(value, str) else "a string"
    if origin is tuple:
        element = args[0]
        if not isinstance(value, list | tuple) or any(_type_error(element, v) for v in value):
            return f"a list of {'integers' if element is int else 'strings'}"
        return None
    if origin is dict or hint is dict:
        return None if isinstance(value, dict) else "an object"
    return None


def _from_dict(cls: type, values: Any, what: str) -> Any:
    """`cls(**values)` for values read from JSON (a checkpoint, a file): the keys must be
    its fields and each value of the field's type, or one line names the field."""
    if not isinstance(values, dict):
        raise UserError(f"{what}: expected an object of settings, got {_shown(values)}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(map(str, values)) - names)
    if unknown:
        raise UserError(f"{what}: unknown setting(s) {', '.join(map(_shown, unknown))}")
    hints = typing.get_type_hints(cls)
    for name, value in values.items():
        expected = _type_error(hints[name], value)
        if expected:
            raise UserError(f"{what}: field {name!r} expected {expected}, got {_shown(value)}")
    return cls(**values)


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a language model: embedding → recurrent stack (or window MLP) → decoder.

    `cell` is one of rnn, gru, lstm (recurrent) or ffnn (the fixed-window baseline,
    which concatenates the last `context` embeddings and feeds them to an MLP of
    `layers` tanh layers of width `hidden`).

    `nonlinearity`: φ of the plain RNN, s_t = φ(W s_{t−1} + U x_t + b): tanh or relu.

    `start`: how a text is read from the zero state — after `<bos>` (rnn-tui's own
    models, trained so), or from its first token (models trained without `<bos>`, such
    as PyTorch's `word_language_model`; only `rnn-tui import` writes those).
    """

    cell: CellType = "lstm"
    vocab_size: int = 0
    embedding_dim: int = 64
    hidden_size: int = 256
    num_layers: int = 2
    dropout: float = 0.0
    tie_weights: bool = False
    context: int = 8
    softmax: str = "full"
    cutoffs: tuple[int, ...] = ()
    start: Literal["bos", "zero"] = "bos"
    nonlinearity: Literal["tanh", "relu"] = "tanh"

    def adaptive_cutoffs(self) -> list[int]:
        """Adaptive-softmax cluster edges: as given, or 2,000 and 10,000 (those below the vocab)."""
        if self.cutoffs:
            return list(self.cutoffs)
        edges = [c for c in (2000, 10000) if c < self.vocab_size - 1]
        return edges or [max(1, self.vocab_size // 2)]

    def validate(self) -> None:
        if self.softmax not in ("full", "adaptive"):
            raise SettingError("softmax", f"expected full or adaptive, got {self.softmax!r}")
        if self.softmax == "adaptive":
            if self.cell == "ffnn" or self.tie_weights:
                raise SettingError(
                    "softmax", "adaptive needs a recurrent cell and no {tie_weights}"
                )
            edges = list(self.cutoffs)
            if edges and (edges != sorted(set(edges)) or edges[0] < 1):
                raise SettingError("cutoffs", f"expected increasing positive sizes, got {edges}")
            if edges and self.vocab_size > 1 and edges[-1] >= self.vocab_size:
                raise SettingError(
                    "cutoffs",
                    f"the last cutoff {edges[-1]} must be below the vocabulary size "
                    f"{self.vocab_size}",
                )
        if self.nonlinearity not in ("tanh", "relu"):
            raise SettingError("nonlinearity", f"expected tanh or relu, got {self.nonlinearity!r}")
        if self.nonlinearity == "relu" and self.cell != "rnn":
            raise SettingError("nonlinearity", "relu is the plain RNN's only ({cell} rnn)")
        if self.start not in ("bos", "zero"):
            raise SettingError("start", f"expected bos or zero, got {self.start!r}")
        if self.cell not in CELL_TYPES:
            raise SettingError(
                "cell", f"expected one of {', '.join(CELL_TYPES)}, got {self.cell!r}"
            )
        for name, value in (
            ("embedding_dim", self.embedding_dim),
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
            ("context", self.context),
        ):
            if value < 1:
                raise SettingError(name, f"expected a positive integer, got {value}")
        if not 0.0 <= self.dropout < 1.0:
            raise SettingError("dropout", f"expected a value in [0, 1), got {self.dropout}")
        if self.tie_weights and self.cell == "ffnn":
            raise SettingError("tie_weights", "only recurrent cells support weight tying")
        if self.tie_weights and self.embedding_dim != self.hidden_size:
            raise SettingError(
                "tie_weights",
                "needs {embedding_dim} equal to {hidden_size} "
                f"(got {self.embedding_dim} and {self.hidden_size})",
            )

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["cutoffs"] = list(self.cutoffs)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        values = {**values}
        if "cutoffs" in values:
            values["cutoffs"] = tuple(values["cutoffs"])
        return _from_dict(cls, values, "model config")


@dataclass(frozen=True)
class DataConfig:
    """Where the text came from and how it was cut into tokens and splits."""

    source: str = "shakespeare"
    tokenizer: TokenizerKind = "char"
    val_fraction: float = 0.1
    split: Literal["tail", "blocks"] = "tail"
    seed: int = 0
    min_freq: int = 1
    max_vocab: int = 0
    content_sha256: str = ""  # of a text file's bytes ("" for the bundled plays)

    def validate(self) -> None:
        if self.tokenizer not in ("char", "word"):
            raise SettingError("tokenizer", f"expected char or word, got {self.tokenizer!r}")
        if not 0.0 < self.val_fraction < 1.0:
            raise SettingError(
                "val_fraction", f"expected a value in (0, 1), got {self.val_fraction}"
            )
        if self.split not in ("tail", "blocks"):
            raise SettingError("split", f"expected tail or blocks, got {self.split!r}")
        if self.min_freq < 1:
            raise SettingError("min_freq", f"expected a positive integer, got {self.min_freq}")
        if self.max_vocab < 0:
            raise SettingError("max_vocab", f"expected 0 (no limit) or more, got {self.max_vocab}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        return _from_dict(cls, values, "data config")


@dataclass(frozen=True)
class TrainConfig:
    """How a model is optimised. Budgets: training stops at whichever comes first."""

    batch_size: int = 32
    bptt: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    clip: float = 1.0
    steps: int = 0
    epochs: float = 0.0
    minutes: float = 0.0
    eval_every: int = 200
    log_every: int = 50
    seed: int = 0
    device: str = "auto"
    precision: str = "fp32"
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        for name, value in (
            ("batch_size", self.batch_size),
            ("bptt", self.bptt),
            ("eval_every", self.eval_every),
            ("log_every", self.log_every),
        ):
            if value < 1:
                raise SettingError(name, f"expected a positive integer, got {value}")
        for name, value in (
            ("lr", self.lr),
            ("weight_decay", self.weight_decay),
            ("clip", self.clip),
            ("epochs", self.epochs),
            ("minutes", self.minutes),
        ):
            if not math.isfinite(value):
                raise SettingError(name, f"expected a finite number, got {value}")
        if not 0 < self.lr <= 10:
            raise SettingError(
                "lr", f"expected a learning rate above 0 and at most 10, got {self.lr}"
            )
        if self.weight_decay < 0:
            raise SettingError("weight_decay", f"expected 0 or more, got {self.weight_decay}")
        if not 0 <= self.seed < 2**32:
            raise SettingError("seed", f"expected 0 to {2**32 - 1}, got {self.seed}")
        if self.warmup_steps < 0:
            raise SettingError("warmup_steps", f"expected 0 or more, got {self.warmup_steps}")
        if self.clip < 0:
            raise SettingError("clip", f"expected 0 (off) or a positive norm, got {self.clip}")
        if self.steps < 0 or self.epochs < 0 or self.minutes < 0:
            raise SettingError("steps", "budgets ({steps}, {epochs}, {minutes}) cannot be negative")
        if self.steps == 0 and self.epochs == 0 and self.minutes == 0:
            raise SettingError(
                "steps", "no budget: give at least one of {steps}, {epochs} or {minutes}"
            )
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise SettingError("device", f"expected auto, cpu or cuda, got {self.device!r}")
        if self.precision not in ("fp32", "bf16", "fp16"):
            raise SettingError("precision", f"expected fp32, bf16 or fp16, got {self.precision!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        return _from_dict(cls, values, "training config")


AttentionKind = Literal["none", "dot", "general", "additive"]
ATTENTION_KINDS: tuple[str, ...] = ("none", "dot", "general", "additive")


@dataclass(frozen=True)
class TranslatorConfig:
    """Shape of an encoder–decoder: embeddings → encoder → bridge → attentive decoder.

    The encoder has `num_layers` layers of `hidden_size` units per direction; the
    decoder's hidden size is the width of an encoder state, `hidden_size · D`
    (D = 2 when bidirectional), so dot-product scores need no extra projection.

    `plain`: the course's encoder–decoder with nothing between its two networks — the
    decoder starts from the encoder's final state itself (no bridge layer) and its
    output layer reads s_t (no combine layer): p_t = softmax(W_o s_t + b_o). Needs
    attention none (g2p-en's model is one).
    """

    cell: str = "gru"
    source_vocab_size: int = 0
    target_vocab_size: int = 0
    embedding_dim: int = 64
    hidden_size: int = 128
    num_layers: int = 1
    bidirectional: bool = False
    attention: AttentionKind = "additive"
    self_attention: bool = False
    reverse_source: bool = False
    dropout: float = 0.0
    plain: bool = False

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def state_size(self) -> int:
        """Width of an encoder state and of the decoder's hidden state."""
        return self.hidden_size * self.directions

    def validate(self) -> None:
        if self.cell not in ("rnn", "gru", "lstm"):
            raise SettingError("cell", f"expected rnn, gru or lstm, got {self.cell!r}")
        if self.attention not in ATTENTION_KINDS:
            raise SettingError(
                "attention", f"expected one of {', '.join(ATTENTION_KINDS)}, got {self.attention!r}"
            )
        for name, value in (
            ("embedding_dim", self.embedding_dim),
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
        ):
            if value < 1:
                raise SettingError(name, f"expected a positive integer, got {value}")
        if not 0.0 <= self.dropout < 1.0:
            raise SettingError("dropout", f"expected a value in [0, 1), got {self.dropout}")
        if self.plain and (self.attention != "none" or self.self_attention):
            raise SettingError(
                "plain", "needs {attention} none and no {self_attention} (it has no combine layer)"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        return _from_dict(cls, values, "translator config")


@dataclass(frozen=True)
class PairsConfig:
    """Where sentence pairs came from, how they were filtered, normalised and split.

    `source` is `dates` (the generator: `size` training pairs and `held_out`
    unseen ones) or a tab-separated file (`val_fraction` held out, seeded).
    """

    source: str = "dates"
    size: int = 50_000
    held_out: int = 2_000
    val_fraction: float = 0.1
    reverse_pairs: bool = False
    max_len: int = 0
    prefix_filter: tuple[str, ...] = ()
    source_tokenizer: TokenizerKind = "char"
    target_tokenizer: TokenizerKind = "char"
    lowercase: bool = False
    strip_accents: bool = False
    seed: int = 0

    def validate(self) -> None:
        for name, kind in (
            ("source_tokenizer", self.source_tokenizer),
            ("target_tokenizer", self.target_tokenizer),
        ):
            if kind not in ("char", "word"):
                raise SettingError(name, f"expected char or word, got {kind!r}")
        if self.size < 1 or self.held_out < 1:
            raise SettingError("size", "expected positive integers for {size} and {held_out}")
        if not 0.0 < self.val_fraction < 1.0:
            raise SettingError(
                "val_fraction", f"expected a value in (0, 1), got {self.val_fraction}"
            )
        if self.max_len < 0:
            raise SettingError("max_len", f"expected 0 (no limit) or more, got {self.max_len}")

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["prefix_filter"] = list(self.prefix_filter)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        values = {**values}
        if "prefix_filter" in values:
            values["prefix_filter"] = tuple(values["prefix_filter"])
        return _from_dict(cls, values, "pairs config")


def describe_translator(config: TranslatorConfig) -> str:
    """e.g. "gru 1×128, bidirectional, attention additive, self-attention, reversed source"."""
    parts = [f"{config.cell} {config.num_layers}×{config.hidden_size}"]
    if config.bidirectional:
        parts.append("bidirectional")
    parts.append(
        "plain (no bridge, no combine)" if config.plain else f"attention {config.attention}"
    )
    if config.self_attention:
        parts.append("self-attention")
    if config.reverse_source:
        parts.append("reversed source")
    return ", ".join(parts)
