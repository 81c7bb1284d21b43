"""Stepping the NumPy engine through a text numbered by another framework's vocabulary."""

from __future__ import annotations

from collections.abc import Sequence

from rnn_tui.engine.lm import LanguageModel, StepTrace


def steps_in_model_order(
    engine: LanguageModel, words: Sequence[str], ids: Sequence[int]
) -> tuple[list[StepTrace], list[int]]:
    """The engine reading `ids` (the other model's ids of `words`) from the zero state:
    each step's trace, and the engine's id of each of the other model's words, so that
    `trace.logits[ours]` lines up with the other model's logits."""
    ours = [engine.tokenizer.vocab.id_of(w) for w in words]
    state, traces = engine.initial_state(), []
    for token in ids:
        trace = engine.step(ours[token], state)
        state = trace.state
        traces.append(trace)
    return traces, ours
