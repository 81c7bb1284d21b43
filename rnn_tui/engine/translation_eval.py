"""Scoring a translator on held-out pairs, and checking its attention against known alignments.

Alignment (dates only): the writer knows which source characters hold the day,
the month and the year, and the ISO target puts them at fixed places
(`YYYY-MM-DD`). For each target character of a field, the attention argmax
over the source should fall inside that field's span; the distance is 0 there
and otherwise the number of characters to the nearest end of the span.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnn_tui.data.dates import FIELDS, TARGET_SPANS
from rnn_tui.data.pairs import Pair
from rnn_tui.engine.translation_search import Hypothesis, beam_search, greedy
from rnn_tui.engine.translator import Translator
from rnn_tui.translation_metrics import corpus_scores, exact_match, hypothesis_pieces, pieces_text


@dataclass(frozen=True)
class DecodingScores:
    method: str
    exact_match: float
    bleu: float
    chrf: float
    hypotheses: list[str]
    decoded: list[Hypothesis]  # one per pair, with its attention when the model has one

    def figures(self) -> dict[str, float]:
        return {"exact_match": self.exact_match, "bleu": self.bleu, "chrf": self.chrf}


def score_decoding(
    translator: Translator,
    pairs: list[Pair],
    beam: int,
    alpha: float,
    max_len: int,
    progress: Callable[[int, int], None] | None = None,
) -> DecodingScores:
    """Translate every source (greedy when `beam` is 1) and score against the targets;
    `progress(pairs translated, pairs)` after each."""
    tokenizer = translator.target_tokenizer
    pieces: list[list[str]] = []
    decoded: list[Hypothesis] = []
    for done, pair in enumerate(pairs, start=1):
        encoded = translator.encode(translator.source_ids(pair.source))
        if beam <= 1:
            hypothesis = greedy(translator, encoded, max_len)[0]
        else:
            hypothesis = beam_search(translator, encoded, beam, alpha, max_len).hypotheses[0]
        decoded.append(hypothesis)
        pieces.append(hypothesis_pieces(tokenizer, hypothesis.tokens))
        if progress is not None:
            progress(done, len(pairs))
    references = [p.target for p in pairs]
    texts = [pieces_text(p, tokenizer.kind) for p in pieces]
    scores = corpus_scores(texts, references)
    return DecodingScores(
        method="greedy" if beam <= 1 else f"beam {beam}",
        exact_match=exact_match(pieces, references, tokenizer.kind),
        bleu=scores["bleu"],
        chrf=scores["chrf"],
        hypotheses=texts,
        decoded=decoded,
    )


@dataclass(frozen=True)
class FieldAlignment:
    field: str
    characters: int
    inside: float  # share of target characters whose attention argmax is inside the span
    mean_distance: float  # characters from the span, 0 when inside


def _distance(position: int, span: tuple[int, int]) -> int:
    start, end = span
    if start <= position < end:
        return 0
    return start - position if position < start else position - (end - 1)


def reading_to_text_position(position: int, source_length: int, reversed_source: bool) -> int:
    """Map an encoder position back to a character offset in the source text."""
    if position >= source_length:  # the trailing <eos>
        return source_length
    return source_length - 1 - position if reversed_source else position


def attention_alignment(
    translator: Translator, pairs: list[Pair], decoded: list[Hypothesis]
) -> list[FieldAlignment]:
    """Where the attention argmax lands for each date field, over the exact outputs in
    `decoded` (one hypothesis per pair, e.g. `score_decoding(...).decoded`)."""
    distances: dict[str, list[int]] = {name: [] for name in FIELDS}
    for pair, hypothesis in zip(pairs, decoded, strict=True):
        if pair.spans is None or not hypothesis.attention:
            continue
        if translator.target_text(hypothesis.tokens) != pair.target:
            continue
        length = len(translator.source_ids(pair.source)) - 1
        for name in FIELDS:
            start, end = TARGET_SPANS[name]
            for t in range(start, end):
                position = int(np.argmax(hypothesis.attention[t]))
                text_position = reading_to_text_position(
                    position, length, translator.config.reverse_source
                )
                distances[name].append(_distance(text_position, pair.spans[name]))
    out = []
    for name in FIELDS:
        values = np.asarray(distances[name], dtype=np.float64)
        out.append(
            FieldAlignment(
                name,
                len(values),
                float((values == 0).mean()) if len(values) else 0.0,
                float(values.mean()) if len(values) else 0.0,
            )
        )
    return out
