"""Choosing the next token from a distribution, and generating text with a model."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnn_tui.engine.lm import LanguageModel, State, StepTrace
from rnn_tui.errors import UserError

MIN_TEMPERATURE, MAX_TEMPERATURE = 1e-2, 1e2  # z/T stays finite in float64 for any logits


def check_sampling(temperature: float, top_k: int) -> None:
    if not temperature > 0:
        raise UserError(f"--temperature: expected a value above 0, got {temperature}")
    if not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
        lowest, highest = MIN_TEMPERATURE, MAX_TEMPERATURE
        raise UserError(f"--temperature: expected {lowest:g} to {highest:g}, got {temperature:g}")
    if top_k < 0:
        raise UserError(f"--top-k: expected 0 (all tokens) or more, got {top_k}")


def sampling_distribution(
    logits: np.ndarray, temperature: float = 1.0, top_k: int = 0
) -> np.ndarray:
    """The distribution a sample is drawn from, in float64.

    1. scale:  z / T   (T < 1 sharpens, T > 1 flattens)
    2. top-k:  keep the k largest logits, the rest get probability 0
    3. normalise with softmax
    """
    scaled = logits.astype(np.float64) / temperature
    if 0 < top_k < len(scaled):
        threshold = np.partition(scaled, -top_k)[-top_k]
        scaled = np.where(scaled < threshold, -np.inf, scaled)
    scaled -= scaled.max()
    weights = np.exp(scaled)
    return weights / weights.sum()


def draw(probs: np.ndarray, rng: np.random.Generator) -> int:
    """Inverse-CDF draw of one index from `probs` with one uniform number."""
    cumulative = np.cumsum(probs)
    index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    return min(index, len(probs) - 1)


def sample_token(
    logits: np.ndarray, rng: np.random.Generator, temperature: float = 1.0, top_k: int = 0
) -> int:
    return draw(sampling_distribution(logits, temperature, top_k), rng)


def read_prompt(model: LanguageModel, prompt: str) -> tuple[State, StepTrace, list[int]]:
    """Read the prompt from the zero state (after `<bos>`, for models trained with one);
    return the state, the last trace and the prompt ids."""
    ids = model.tokenizer.encode(prompt)
    state = model.initial_state()
    for token in model.opening(ids):
        trace = model.step(token, state)
        state = trace.state
    return state, trace, ids


def generate(
    model: LanguageModel,
    prompt: str,
    length: int,
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
) -> Iterator[int]:
    """Yield `length` sampled token ids continuing `prompt` (same seed → same text).

    The model's `never_chosen` ids are never emitted: their logits are masked first.
    """
    check_sampling(temperature, top_k)
    rng = np.random.default_rng(seed)
    _, trace, _ = read_prompt(model, prompt)
    for _ in range(length):
        token = sample_token(model.choosable_logits(trace.logits), rng, temperature, top_k)
        yield token
        trace = model.step(token, trace.state)
