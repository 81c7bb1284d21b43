"""Scoring a translator on held-out pairs, and checking its attention against known alignments.

Alignment (dates only): the writer knows which source characters hold the day,
the month and the year, and the ISO target puts them at fixed places
(`YYYY-MM-DD`). For each target character of a field, the attention argmax
over the source should fall inside that field's span; the distance is 0 there
and otherwise the number of characters to the nearest end of the span.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rnn_tui.data.dates import FIELDS, TARGET_SPANS
from rnn_tui.data.pairs import Pair
from rnn_tui.engine.translator import Translator
from rnn_tui.translation_metrics import corpus_scores, exact_match, hypothesis_pieces, pieces_text


@dataclass(frozen=True)
class DecodingScores:
    method: str
    exact_match: float
    bleu: float
    chrf: float
    hypotheses: list[str]

    def figures(self) -> dict[str, float]:
        return {"exact_match": self.exact_match, "bleu": self.bleu, "chrf": self.chrf}


def score_decoding(
    translator: Translator, pairs: list[Pair], beam: int, alpha: float, max_len: int
) -> DecodingScores:
    """Translate every source (greedy when `beam` is 1) and score against the targets."""
    tokenizer = translator.target_tokenizer
    pieces: list[list[str]] = []
    for pair in pairs:
        encoded = translator.encode(translator.source_ids(pair.source))
        if beam <= 1:
            tokens = translator.greedy_from(encoded, max_len)[0].tokens
        else:
            tokens = translator.beam_search_from(encoded, beam, alpha, max_len).hypotheses[0].tokens
        pieces.append(hypothesis_pieces(tokenizer, tokens))
    references = [p.target for p in pairs]
    texts = [pieces_text(p, tokenizer.kind) for p in pieces]
    scores = corpus_scores(texts, references)
    return DecodingScores(
        method="greedy" if beam <= 1 else f"beam {beam}",
        exact_match=exact_match(pieces, references, tokenizer.kind),
        bleu=scores["bleu"],
        chrf=scores["chrf"],
        hypotheses=texts,
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


def attention_alignment(translator: Translator, pairs: Iterable[Pair]) -> list[FieldAlignment]:
    """Where greedy decoding's attention argmax lands for each date field, over exact outputs."""
    distances: dict[str, list[int]] = {name: [] for name in FIELDS}
    for pair in pairs:
        if pair.spans is None:
            continue
        ids = translator.source_ids(pair.source)
        hypothesis, steps = translator.greedy_from(translator.encode(ids), max_len=12)
        if translator.target_text(hypothesis.tokens) != pair.target or steps[0].weights is None:
            continue
        length = len(ids) - 1
        for name in FIELDS:
            start, end = TARGET_SPANS[name]
            for t in range(start, end):
                position = int(np.argmax(steps[t].weights[0]))
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
