"""Looking at single units of a language model, and changing them.

Reading: `read_activations` runs the model over a text from `<bos>` and keeps
every layer's h (and c for the LSTM) after each token.

Finding units by pattern: positions are marked inside (a regex match covers
the token) or outside. A unit's score is the ROC AUC of its activation as a
detector of "inside":

    AUC = P(a_i > a_o) + ½ P(a_i = a_o),   i ~ inside positions, o ~ outside positions

computed from ranks (Mann–Whitney U / (n_in · n_out)). AUC = 1: the unit is
higher at every inside position than at any outside one; 0.5: no relation;
0: lower everywhere inside (an inverted detector — tanh units are symmetric, so
these are reported too). Units are ranked by selectivity |2·AUC − 1|, ties
broken by the difference of mean activations inside and outside.

What-if (clamping): from step `start` on, unit u of layer l is forced to a value
v inside the forward pass — for h: h_t^{(l)}[u] = v before it feeds layer l+1
and step t+1; for the LSTM's c: c_t^{(l)}[u] = v and h_t^{(l)}[u] = o_t[u]·tanh(v).
The next-token distribution is computed from the clamped states.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from rnn_tui.data.vocab import BOS_ID, EOS
from rnn_tui.engine.cells import CellTrace, cell_step, input_projection
from rnn_tui.engine.functions import softmax
from rnn_tui.engine.lm import LanguageModel, State, StepTrace
from rnn_tui.errors import UserError

PROGRESS_EVERY = 250  # tokens between progress reports
MATCH_TIMEOUT_S = 5.0  # a regular expression gets this long on the text it marks


@dataclass(frozen=True)
class Activations:
    """A text read by a model: its tokens, where they sit, and every unit after each one."""

    tokens: list[int]
    pieces: list[str]
    offsets: list[tuple[int, int]]  # character span of each token in the text
    h: np.ndarray  # (L, T, H)
    c: np.ndarray | None  # (L, T, H) for the LSTM

    def values(self, layer: int, kind: str = "h") -> np.ndarray:
        """(T, H) activations of one layer's h or c."""
        if kind == "c":
            if self.c is None:
                raise UserError("--state c: only an LSTM has a cell state")
            return self.c[layer]
        return self.h[layer]


def token_offsets(
    model: LanguageModel, text: str
) -> tuple[list[int], list[str], list[tuple[int, int]]]:
    """Tokens of `text` with their character spans (a `lines` model's `<eos>` spans the
    newline it stands for)."""
    tokenizer = model.tokenizer
    pieces = tokenizer.split(tokenizer.kind, text)
    offsets, cursor = [], 0
    for piece in pieces:
        written = "\n" if tokenizer.kind == "lines" and piece == EOS else piece
        start = text.index(written, cursor)
        offsets.append((start, start + len(written)))
        cursor = start + len(written)
    return [tokenizer.vocab.id_of(p) for p in pieces], pieces, offsets


def read_activations(
    model: LanguageModel, text: str, progress: Callable[[int, int], None] | None = None
) -> Activations:
    """Every layer's h_t (and c_t) after each token of `text`, equal bit for bit to those
    `step` gives (the explorer's views show both); `progress(tokens read, tokens)` is
    called every `PROGRESS_EVERY` tokens."""
    if not model.is_recurrent:
        raise UserError("unit probing needs a recurrent model (rnn, gru or lstm), not ffnn")
    tokens, pieces, offsets = token_offsets(model, text)
    if not tokens:
        raise UserError("the text is empty: nothing to read")
    state = model.initial_state((1,))  # one row, read `PROGRESS_EVERY` tokens at a time
    if model.reads_bos:
        state = model.read_layers(np.asarray([[BOS_ID]]), state, inputs_per_step=True)[1]
    hs, cs = [], []
    for start in range(0, len(tokens), PROGRESS_EVERY):
        if progress is not None and start > 0:
            progress(start, len(tokens))
        chunk = np.asarray([tokens[start : start + PROGRESS_EVERY]])
        layers, state = model.read_layers(chunk, state, inputs_per_step=True)
        hs.append(np.stack([s[0] for s, _ in layers]))  # (layers, T, H) of row 0
        if model.config.cell == "lstm":
            cs.append(np.stack([c[0] for _, c in layers if c is not None]))
    h = np.concatenate(hs, axis=1)
    c = np.concatenate(cs, axis=1) if cs else None
    return Activations(tokens, pieces, offsets, h, c)


def compile_pattern(pattern: str) -> Any:
    """`pattern` compiled by the `regex` package in its `re`-compatible mode, or a
    UserError naming it."""
    import regex

    try:
        return regex.compile(pattern, flags=regex.VERSION0)
    except regex.error as error:
        raise UserError(f"{pattern!r}: not a valid regular expression ({error})") from None


def regex_mask(text: str, offsets: list[tuple[int, int]], pattern: str) -> np.ndarray:
    """True for each token that lies inside a match of `pattern` (a match may span tokens).

    The `regex` package's matcher, unlike `re`'s, lets go of the GIL while it works and
    stops after MATCH_TIMEOUT_S: a pattern like (a|aa)+$ tries exponentially many ways,
    and under `re` it froze the explorer, whose UI thread waited for the GIL behind the
    search."""
    compiled = compile_pattern(pattern)
    covered = np.zeros(len(text) + 1, dtype=bool)
    try:
        for match in compiled.finditer(text, concurrent=True, timeout=MATCH_TIMEOUT_S):
            covered[match.start() : match.end()] = True
    except TimeoutError:
        raise UserError(
            f"{pattern!r}: still matching after {MATCH_TIMEOUT_S:.0f} s on {len(text):,} "
            "characters; nested repetition such as (a|aa)+ backtracks exponentially: simplify it"
        ) from None
    return np.asarray([bool(covered[start:end].all()) for start, end in offsets])


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1…n along axis 0, ties sharing their average rank: a run of equal values at
    sorted positions s…e (0-based) each gets (s + e)/2 + 1, the mean of ranks s+1 … e+1."""
    columns = np.ascontiguousarray(values.T)  # (H, T): each unit's values side by side
    n = columns.shape[-1]
    order = np.argsort(columns, axis=-1)  # any order within a tie: all get the same rank
    ordered = np.take_along_axis(columns, order, axis=-1)
    position = np.arange(n)
    differs = ordered[:, 1:] != ordered[:, :-1]  # (NaN differs from NaN: each its own run)
    edge = np.ones((columns.shape[0], 1), dtype=bool)
    starts_run = np.concatenate([edge, differs], axis=-1)
    ends_run = np.concatenate([differs, edge], axis=-1)
    run_start = np.maximum.accumulate(np.where(starts_run, position, 0), axis=-1)
    run_end = np.minimum.accumulate(np.where(ends_run, position, n)[:, ::-1], axis=-1)[:, ::-1]
    ranks = np.empty(columns.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, (run_start + run_end) / 2.0 + 1.0, axis=-1)
    return ranks.T


def unit_auc(values: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """ROC AUC per unit of `values` (T, H) as a detector of `inside` (T,)."""
    n_in, n_out = int(inside.sum()), int((~inside).sum())
    if n_in == 0 or n_out == 0:
        raise UserError(
            f"the pattern marks {n_in} of {len(inside)} tokens; it must mark some tokens, not all"
        )
    ranks = average_ranks(values.astype(np.float64))
    u = ranks[inside].sum(axis=0) - n_in * (n_in + 1) / 2.0
    return u / (n_in * n_out)


@dataclass(frozen=True)
class UnitScore:
    layer: int
    kind: str
    unit: int
    auc: float
    mean_inside: float
    mean_outside: float

    @property
    def selectivity(self) -> float:
        return abs(2.0 * self.auc - 1.0)

    @property
    def direction(self) -> str:
        return "higher inside" if self.auc >= 0.5 else "lower inside"


def rank_units(
    activations: Activations, inside: np.ndarray, kinds: tuple[str, ...] = ("h",), top: int = 10
) -> list[UnitScore]:
    """The `top` units (over every layer and the requested states) by selectivity."""
    scores: list[UnitScore] = []
    for layer in range(activations.h.shape[0]):
        for kind in kinds:
            values = activations.values(layer, kind)
            aucs = unit_auc(values, inside)
            inside_means = values[inside].mean(axis=0)
            outside_means = values[~inside].mean(axis=0)
            for unit in range(values.shape[1]):
                scores.append(
                    UnitScore(
                        layer, kind, unit, float(aucs[unit]),
                        float(inside_means[unit]), float(outside_means[unit]),
                    )
                )  # fmt: skip
    scores.sort(key=lambda s: (-s.selectivity, -abs(s.mean_inside - s.mean_outside)))
    return scores[:top]


def top_contexts(
    activations: Activations, text: str, layer: int, unit: int, kind: str = "h",
    count: int = 5, width: int = 24,
) -> list[tuple[float, str, int]]:  # fmt: skip
    """The `count` positions where the unit is highest: (value, surrounding text, offset)."""
    values = activations.values(layer, kind)[:, unit]
    chosen: list[int] = []
    for index in np.argsort(-values, kind="stable"):
        start = activations.offsets[int(index)][0]
        if all(abs(start - activations.offsets[c][0]) > width // 2 for c in chosen):
            chosen.append(int(index))
        if len(chosen) == count:
            break
    out = []
    for index in chosen:
        start, end = activations.offsets[index]
        left = max(0, start - width)
        out.append((float(values[index]), text[left : end + width // 2], start - left))
    return out


# --- what-if ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Clamp:
    layer: int
    unit: int
    value: float
    kind: str = "h"  # "h" or "c"


def _clamped_trace(trace: CellTrace, clamp: Clamp) -> CellTrace:
    h = np.array(trace.h, copy=True)
    if clamp.kind == "c":
        if trace.c is None:
            raise UserError("clamping c: only an LSTM has a cell state")
        c = np.array(trace.c, copy=True)
        c[..., clamp.unit] = clamp.value
        h[..., clamp.unit] = trace.gates["o"][..., clamp.unit] * np.tanh(clamp.value)
        return replace(trace, h=h, c=c)
    h[..., clamp.unit] = clamp.value
    return replace(trace, h=h)


def clamped_step(model: LanguageModel, token: int, state: State, clamp: Clamp | None) -> StepTrace:
    """`model.step` with the clamp applied inside the forward pass (None: an ordinary step)."""
    if clamp is None:
        return model.step(token, state)
    if not 0 <= clamp.layer < len(model.cells) or not 0 <= clamp.unit < model.config.hidden_size:
        raise UserError(f"clamp: no unit {clamp.unit} in layer {clamp.layer + 1}")
    traces: list[CellTrace] = []
    new_state = []
    for k, (weights, (h, c)) in enumerate(zip(model.cells, state, strict=True)):
        x = model.embedding[token] if k == 0 else traces[-1].h
        trace = cell_step(model.config.cell, weights, input_projection(weights, x), h, c)
        if k == clamp.layer:
            trace = _clamped_trace(trace, clamp)
        traces.append(trace)
        new_state.append((trace.h, trace.c))
    logits = model.output_logits(traces[-1].h)
    return StepTrace(int(token), tuple(traces), logits, softmax(logits), tuple(new_state))


@dataclass(frozen=True)
class WhatIf:
    """The same prompt read and continued greedily with and without a clamp."""

    plain_probs: np.ndarray
    clamped_probs: np.ndarray
    plain_continuation: list[int]
    clamped_continuation: list[int]


def what_if(
    model: LanguageModel, prompt_tokens: list[int], clamp: Clamp, start: int, length: int = 80
) -> WhatIf:
    """Read `<bos>` + prompt, clamping from token index `start` on (0 = from `<bos>`), then
    continue greedily for `length` tokens with the clamp held."""
    runs = []
    for active in (None, clamp):
        state = model.initial_state()
        trace = None
        for index, token in enumerate(model.opening(prompt_tokens)):
            trace = clamped_step(model, token, state, active if index >= start else None)
            state = trace.state
        assert trace is not None
        probs = trace.probs
        continuation = []
        for _ in range(length):
            token = int(np.argmax(model.choosable_logits(trace.logits)))
            continuation.append(token)
            trace = clamped_step(model, token, trace.state, active)
        runs.append((probs, continuation))
    return WhatIf(runs[0][0], runs[1][0], runs[0][1], runs[1][1])
