"""Decoding a translator: greedy, sampled and beam search over its decoder steps.

Each function takes the encoder's trace (`Translator.encode`) and calls
`Translator.step` for a batch of K hypotheses at a time; beam search advances
all its live hypotheses in one step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rnn_tui.data.vocab import EOS_ID, SPECIALS
from rnn_tui.engine.functions import best_first
from rnn_tui.engine.translator import DecoderStep, EncoderTrace, Translator
from rnn_tui.errors import UserError

MAX_BEAM = 100  # hypotheses kept per step; K·V candidates are scored at each
MAX_OUTPUT_TOKENS = 1000


@dataclass(frozen=True)
class Hypothesis:
    tokens: tuple[int, ...]  # emitted ids (with the final <eos> when finished)
    log_prob: float
    finished: bool
    parent: int = -1  # index in the previous beam step's `live`
    attention: tuple[np.ndarray, ...] = ()  # per emitted token, (S,)

    def score(self, alpha: float) -> float:
        """Length-normalised log-probability: log p / |y|^α."""
        return self.log_prob / max(1, len(self.tokens)) ** alpha


@dataclass
class BeamStep:
    """The beam after one step: live hypotheses and those that finished at this step."""

    live: list[Hypothesis] = field(default_factory=list)
    finished: list[Hypothesis] = field(default_factory=list)


@dataclass
class BeamResult:
    hypotheses: list[Hypothesis]  # ended by <eos> first, then cut off; each best first
    steps: list[BeamStep]
    alpha: float


def _decode(
    translator: Translator,
    encoded: EncoderTrace,
    max_len: int,
    choose: Callable[[int, DecoderStep], int],
    overrides: dict[int, np.ndarray] | None = None,
) -> tuple[list[int], float, list[DecoderStep]]:
    """Step one hypothesis until `<eos>` or `max_len` tokens, taking `choose(t, step)` at
    each step t (attention replaced at the steps in `overrides`): the tokens, their summed
    log p, and every step."""
    tokens, state = translator.start(encoded)
    emitted: list[int] = []
    steps: list[DecoderStep] = []
    log_prob = 0.0
    overrides = overrides or {}
    for t in range(max_len):
        step = translator.step(tokens, state, encoded, overrides.get(t))
        steps.append(step)
        token = choose(t, step)
        log_prob += float(step.log_probs[0, token])
        emitted.append(token)
        if token == EOS_ID:
            break
        tokens, state = np.asarray([token]), step.state
    return emitted, log_prob, steps


def greedy(
    translator: Translator,
    encoded: EncoderTrace,
    max_len: int = 100,
    prefix: Sequence[int] = (),
    overrides: dict[int, np.ndarray] | None = None,
) -> tuple[Hypothesis, list[DecoderStep]]:
    """The most probable token at each step until `<eos>` or `max_len` tokens; the first
    tokens are `prefix` (forced), and at each step t in `overrides` the attention weights
    are replaced (what-if)."""

    def choose(t: int, step: DecoderStep) -> int:
        return int(prefix[t]) if t < len(prefix) else int(step.log_probs[0].argmax())

    emitted, log_prob, steps = _decode(translator, encoded, max_len, choose, overrides)
    attention = tuple(s.weights[0] for s in steps) if steps[0].weights is not None else ()
    finished = emitted[-1] == EOS_ID
    return Hypothesis(tuple(emitted), log_prob, finished, attention=attention), steps


def sample(
    translator: Translator,
    encoded: EncoderTrace,
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
    max_len: int = 100,
) -> Hypothesis:
    """Draw each token from softmax(z/T) restricted to the top k, specials other than
    `<eos>` excluded (same seed, same output)."""
    from rnn_tui.engine.sampling import check_sampling, sample_token

    check_sampling(temperature, top_k)
    rng = np.random.default_rng(seed)
    excluded = [i for i in range(len(SPECIALS)) if i != EOS_ID]

    def choose(_: int, step: DecoderStep) -> int:
        logits = step.logits[0].astype(np.float64)
        logits[excluded] = -np.inf
        return sample_token(logits, rng, temperature, top_k)

    emitted, log_prob, _ = _decode(translator, encoded, max_len, choose)
    return Hypothesis(tuple(emitted), log_prob, emitted[-1] == EOS_ID)


def beam_search(
    translator: Translator,
    encoded: EncoderTrace,
    width: int = 5,
    alpha: float = 0.6,
    max_len: int = 100,
) -> BeamResult:
    """Keep the `width` most probable prefixes at every step.

    Candidates are ranked by cumulative log-probability. A candidate ending in
    `<eos>` among the top `width` finishes; the search stops when `width`
    hypotheses have finished (or none is live, or `max_len` is reached, where
    the live ones finish unended). Finished hypotheses are ranked by
    log p / |y|^α (α = 0: no length normalisation).
    """
    if not 1 <= width <= MAX_BEAM:
        raise UserError(f"--beam: expected a width of 1 to {MAX_BEAM}, got {width}")
    if not 1 <= max_len <= MAX_OUTPUT_TOKENS:
        raise UserError(f"--max-len: expected 1 to {MAX_OUTPUT_TOKENS}, got {max_len}")
    tokens, state = translator.start(encoded)
    live = [Hypothesis((), 0.0, False)]
    finished: list[Hypothesis] = []
    steps: list[BeamStep] = []
    for _ in range(max_len):
        step = translator.step(tokens, state, encoded)
        totals = np.asarray([h.log_prob for h in live])[:, None] + step.log_probs
        # Each live hypothesis has one `<eos>` candidate, so `width` that go on are
        # among the best width + len(live).
        order = best_first(totals, width + len(live))
        beam = BeamStep()
        rows: list[int] = []
        for rank, flat in enumerate(order):
            parent, token = divmod(int(flat), totals.shape[1])
            source = live[parent]
            attention = source.attention
            if step.weights is not None:
                attention = (*attention, step.weights[parent])
            candidate = Hypothesis(
                (*source.tokens, token), float(totals[parent, token]), token == EOS_ID,
                parent, attention,
            )  # fmt: skip
            if token == EOS_ID:
                if rank < width:
                    beam.finished.append(candidate)
                continue
            beam.live.append(candidate)
            rows.append(parent)
            if len(beam.live) == width:
                break
        steps.append(beam)
        finished.extend(beam.finished)
        live = beam.live
        if len(finished) >= width or not live:
            break
        tokens = np.asarray([h.tokens[-1] for h in live])
        state = step.state.select(np.asarray(rows))
    else:
        finished.extend(live)  # out of length: they end unfinished
    ranked = sorted(finished, key=lambda h: (not h.finished, -h.score(alpha)))
    return BeamResult(ranked, steps, alpha)
