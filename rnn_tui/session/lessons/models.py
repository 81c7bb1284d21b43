"""The bundled models the lessons read (NumPy engine, no torch)."""

from __future__ import annotations

from pathlib import Path

from rnn_tui.bundled import bundled_models, lesson_models
from rnn_tui.data.pairs import Pair, held_out_dates
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.loading import load_language_model, load_translator
from rnn_tui.engine.translator import Translator
from rnn_tui.errors import UserError

MAX_OUTPUT = 40  # tokens: a date's ISO form is 10 characters


def bundled_path(stem: str) -> Path:
    for path in [*bundled_models(), *lesson_models()]:
        if path.stem == stem:
            return path
    raise UserError(f"the lesson needs the bundled model {stem}, which this install lacks")


def bundled_language_model(stem: str) -> LanguageModel:
    return load_language_model(bundled_path(stem))


def bundled_translator(stem: str) -> Translator:
    return load_translator(bundled_path(stem))


def held_out_pairs(translator: Translator, count: int) -> list[Pair]:
    """The first `count` held-out dates the translator was scored on in training."""
    return held_out_dates(translator.meta.get("pairs_config") or {}, count)


def greedy_output(translator: Translator, source: str) -> str:
    """The translator's greedy translation of `source`."""
    from rnn_tui.engine.translation_search import greedy

    hypothesis, _ = greedy(translator, translator.encode_text(source), max_len=MAX_OUTPUT)
    return translator.target_text(hypothesis.tokens)


def length_bucket(length: int, bounds: tuple[int, ...]) -> int:
    """0 for a source of ≤ bounds[0] characters, 1 for ≤ bounds[1], …, len(bounds) for
    one longer than the last bound."""
    return next((k for k, b in enumerate(bounds) if length <= b), len(bounds))


def exact_match_by_length(
    translator: Translator, pairs: list[Pair], bounds: tuple[int, ...]
) -> list[tuple[int, int]]:
    """(right, pairs) per source-length bucket (`length_bucket`); right = greedy output
    equal to the target."""
    counts = [[0, 0] for _ in range(len(bounds) + 1)]
    for pair in pairs:
        bucket = length_bucket(len(pair.source), bounds)
        counts[bucket][1] += 1
        counts[bucket][0] += greedy_output(translator, pair.source) == pair.target
    return [(right, total) for right, total in counts]
