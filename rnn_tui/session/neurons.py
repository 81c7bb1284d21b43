"""Explorer state for the neuron view, without any UI: one unit's activation over a text."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.probing import (
    Activations,
    Clamp,
    UnitScore,
    WhatIf,
    rank_units,
    read_activations,
    regex_mask,
    top_contexts,
    what_if,
)
from rnn_tui.errors import UserError

CORPUS_SLICE_TOKENS = 5_000
# Characters of text the view reads: every layer's h (and c) is kept for each token,
# 20 MB for the bundled 2×256 LSTM at this length, read in 0.4 s (100,000 characters:
# 8.5 s and a 1 GB process, measured on the 2-core EPYC).
MAX_TEXT_CHARACTERS = 5_000

MAX_CLAMP = 100.0  # the most |value| a what-if clamps a unit to (h itself lies in −1…1)


def checked_clamp(value: float) -> float:
    """`value` if a unit can be clamped to it, else a UserError: NaN and infinities made
    every probability NaN, and 1e30 every one 0."""
    if not (math.isfinite(value) and abs(value) <= MAX_CLAMP):
        raise UserError(
            f"what-if: expected a value from −{MAX_CLAMP:g} to {MAX_CLAMP:g} "
            f"(h lies in −1…1), got {value:g}"
        )
    return value


@dataclass(frozen=True)
class Selection:
    """Which state the neuron view shows: `kind` ('h' or 'c') of `unit` in `layer`."""

    layer: int
    unit: int
    kind: str


@dataclass(frozen=True)
class Context:
    value: float
    text: str
    offset: int  # where the peak token starts inside `text`


class NeuronSession:
    def __init__(self, model: LanguageModel, text: str) -> None:
        self.model = model
        self.layer = model.config.num_layers - 1
        self.unit = 0
        self.kind = "h"
        self.cursor = 0
        self.text = ""
        self.activations: Activations | None = None
        self._corpus: tuple[str, Activations] | None = None  # the last corpus read, reused
        self.set_text(text)

    @property
    def selection(self) -> Selection:
        return Selection(self.layer, self.unit, self.kind)

    def set_text(self, text: str, activations: Activations | None = None) -> None:
        """Read `text` (its first MAX_TEXT_CHARACTERS), or show `activations` already read
        from it (by `read_activations`, in a worker)."""
        self.text = text[:MAX_TEXT_CHARACTERS]
        if activations is None:
            activations = read_activations(self.model, self.text)
        self.activations = activations
        self.cursor = min(self.cursor, len(self.activations.tokens) - 1)

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("h", "c") if self.model.config.cell == "lstm" else ("h",)

    def values(self) -> np.ndarray:
        """The chosen unit's activation after each token of the text, (T,)."""
        assert self.activations is not None
        return self.activations.values(self.layer, self.kind)[:, self.unit]

    def value_at_cursor(self) -> float:
        return float(self.values()[self.cursor])

    def scale(self) -> float:
        """±1 for h (tanh-bounded); the largest |c| for the cell state."""
        return 1.0 if self.kind == "h" else float(max(1.0, np.abs(self.values()).max()))

    def move_unit(self, delta: int) -> None:
        self.unit = (self.unit + delta) % self.model.config.hidden_size

    def move_layer(self, delta: int) -> None:
        self.layer = (self.layer + delta) % self.model.config.num_layers

    def toggle_kind(self) -> None:
        kinds = self.kinds
        self.kind = kinds[(kinds.index(self.kind) + 1) % len(kinds)]

    def move_cursor(self, delta: int) -> None:
        assert self.activations is not None
        self.cursor = int(np.clip(self.cursor + delta, 0, len(self.activations.tokens) - 1))

    def choose(self, score: UnitScore) -> None:
        self.layer, self.unit, self.kind = score.layer, score.unit, score.kind

    # --- heavier work (the UI runs these in workers) ---------------------------------
    def find_units(self, pattern: str, top: int = 8) -> list[UnitScore]:
        assert self.activations is not None
        inside = regex_mask(self.text, self.activations.offsets, pattern)
        return rank_units(self.activations, inside, self.kinds, top)

    def top_contexts(
        self,
        corpus_text: str,
        selection: Selection | None = None,
        count: int = 5,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Context]:
        """The `count` places in `corpus_text` where the selected unit is largest.

        The corpus is read once; later units and layers reuse its activations. Pass the
        `selection` taken when the work was asked for: a worker that reads the session's
        current unit when it finishes could label one unit's contexts with another's name.
        """
        chosen = selection or self.selection
        corpus = self._corpus
        if corpus is None or corpus[0] != corpus_text:
            corpus = (corpus_text, read_activations(self.model, corpus_text, progress))
            self._corpus = corpus
        found = top_contexts(corpus[1], corpus_text, chosen.layer, chosen.unit, chosen.kind, count)
        return [Context(value, text, offset) for value, text, offset in found]

    def what_if(self, value: float, length: int = 60) -> WhatIf:
        """Clamp the chosen unit to `value` from the cursor's token on, then continue."""
        assert self.activations is not None
        clamp = Clamp(self.layer, self.unit, value, self.kind)
        return what_if(self.model, self.activations.tokens, clamp, self.cursor + 1, length)


def corpus_slice(model: LanguageModel, tokens: int = CORPUS_SLICE_TOKENS) -> str | None:
    """The start of the model's own validation text, or None when that corpus is not here."""
    from rnn_tui.config import DataConfig
    from rnn_tui.data.corpus import checked_source, validation_start

    try:
        config = DataConfig.from_dict(model.meta.get("data_config", {}))
        checked_source(config, "the model")  # only the file it was trained on, unchanged
        ids = validation_start(config, model.tokenizer, tokens)
    except (UserError, OSError, TypeError, ValueError):
        return None
    return model.tokenizer.decode([int(i) for i in ids])
