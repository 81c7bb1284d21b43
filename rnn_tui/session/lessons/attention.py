"""Chapter 12: attention — the query, a score per encoder state, softmax, the weighted sum."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import AlongLive
from rnn_tui.session.lessons.structure import Chapter, Exercise, StillMeasuring, measured_once

if TYPE_CHECKING:
    from rnn_tui.data.pairs import Pair

SOURCE = "le samedi 9 mai 2018"
SHOWN = 4  # the largest scores listed
WITHOUT, WITH = "dates-gru-plain", "dates-gru-additive"  # the same training, ± attention
MEASURED_PAIRS = 300  # held-out pairs each decodes
LENGTH_BOUNDS = (12, 18, 24)  # source characters: ≤ 12, 13–18, 19–24, > 24


def bucket_names() -> list[str]:
    lows = [1, *(b + 1 for b in LENGTH_BOUNDS)]
    names = [f"{low}–{high}" for low, high in zip(lows, LENGTH_BOUNDS, strict=False)]
    return [*names, f">{LENGTH_BOUNDS[-1]}"]


@dataclass(frozen=True)
class BucketScore:
    """Greedy decoding of the held-out pairs whose source length falls in one bucket."""

    right: int  # outputs equal to the target
    pairs: int
    bleu: float  # corpus BLEU of the bucket's outputs against its targets (0–100)


def measured_by_length(name: str) -> list[BucketScore]:
    """Exact match and BLEU per source-length bucket for bundled translator `name`, on
    its first MEASURED_PAIRS held-out pairs, decoded greedily."""
    from rnn_tui.engine.translation_eval import score_decoding
    from rnn_tui.session.lessons.models import (
        MAX_OUTPUT,
        bundled_translator,
        held_out_pairs,
        length_bucket,
    )

    translator = bundled_translator(name)
    buckets: list[list[Pair]] = [[] for _ in range(len(LENGTH_BOUNDS) + 1)]
    for pair in held_out_pairs(translator, MEASURED_PAIRS):
        buckets[length_bucket(len(pair.source), LENGTH_BOUNDS)].append(pair)
    scores = []
    for bucket in buckets:
        if not bucket:
            scores.append(BucketScore(0, 0, float("nan")))
            continue
        decoded = score_decoding(translator, bucket, 1, 0.0, MAX_OUTPUT)
        right = round(decoded.exact_match * len(bucket))
        scores.append(BucketScore(right, len(bucket), decoded.bleu))
    return scores


class AttentionLive(AlongLive):
    """The bundled dates translator (additive attention), decoding greedily; → moves to
    the next output token. `measure()` scores two translators, with and without
    attention, on held-out dates (seconds: 600 greedy decodes)."""

    DEFAULT_SOURCE = SOURCE
    READING = "translating"

    def __init__(self) -> None:
        from rnn_tui.session.lessons.models import bundled_translator

        self.translator = bundled_translator("dates-bigru-additive")
        self.bottleneck: dict[str, list[BucketScore]] = {}  # by translator, once measured
        self.read(SOURCE)

    def measure(self) -> None:
        self.bottleneck = {
            name: measured_once(f"{name}: by length", lambda name=name: measured_by_length(name))
            for name in (WITHOUT, WITH)
        }

    def gain_on_longest(self) -> float:
        """Exact match with attention minus without, on the longest sources (a share)."""
        if not self.bottleneck:
            raise StillMeasuring
        with_, without = self.bottleneck[WITH][-1], self.bottleneck[WITHOUT][-1]
        return (with_.right - without.right) / with_.pairs

    def read(self, source: str) -> None:
        from rnn_tui.engine import translation_search as search

        self.encoded = self.translator.encode_text(source)  # a refused source changes nothing
        self.source = source
        self.output, self.steps = search.greedy(self.translator, self.encoded, max_len=40)
        self.at = 0

    def weights(self) -> list[float]:
        step = self.steps[self.at]
        assert step.weights is not None
        return [float(w) for w in step.weights[0]]

    def panel(self) -> list[str]:
        import numpy as np

        step = self.steps[self.at]
        assert step.scores is not None
        scores = step.scores[0].astype(np.float64)
        labels = self.translator.source_labels(self.encoded.source_ids)
        written = self.translator.target_tokenizer.token_text(self.output.tokens[self.at])
        top = np.argsort(-scores, kind="stable")[:SHOWN]
        lines = [
            f"source ({len(labels)} tokens read by the encoder): {self.source}",
            f"output step t = {self.at}, writing {written!r}; query s_t with ‖s_t‖ = "
            f"{np.linalg.norm(step.query[0]):.3f}",
            f"scores e_tj = vᵀ tanh(W_q s_t + W_k m_j + b_k), the {SHOWN} largest:",
        ]
        lines += [f"  j = {j:2d} {labels[j]!r:6} e = {scores[j]:+8.4f}" for j in top]
        spread = float(np.exp(scores - scores.max()).sum())
        lines += [
            f"Σ_j exp(e_tj − max e) over all {len(labels)} = {spread:.4f};  "
            "α_tj = exp(e_tj − max e) / Σ",
            f"context c_t = Σ_j α_tj m_j, ‖c_t‖ = {np.linalg.norm(step.context[0]):.3f}",
            f"The bottleneck, measured now: greedy decoding of {MEASURED_PAIRS} held-out "
            "dates by source length, two GRU translators trained alike:",
            f"  {'characters':<20}" + "".join(f"{name:>9}" for name in bucket_names()),
        ]
        if not self.bottleneck:
            return [*lines, f"  measuring… (greedy decoding of 2 × {MEASURED_PAIRS} dates)"]
        for name, label in ((WITHOUT, "no attention"), (WITH, "attention")):
            buckets = self.bottleneck[name]
            exact = "".join(
                f"{b.right / b.pairs:>9.1%}" if b.pairs else f"{'—':>9}" for b in buckets
            )
            bleu = "".join(f"{b.bleu:>9.1f}" if b.pairs else f"{'—':>9}" for b in buckets)
            lines += [f"  {label + ', exact':<20}{exact}", f"  {label + ', BLEU':<20}{bleu}"]
        lines.append(f"  {'pairs':<20}" + "".join(f"{b.pairs:>9}" for b in self.bottleneck[WITH]))
        return lines

    def length(self) -> int:
        return len(self.steps)


CHAPTER = Chapter(
    number=12,
    title=title(12),
    text=[
        "Without attention, the decoder sees the source only through the context vector:",
        "one fixed-size state for the whole sentence, the bottleneck. With attention it",
        "looks back at every encoder state m_j at every output step. Its own state s_t is",
        "the query. A score e_tj says how well m_j matches it; here the score is additive,",
        "    e_tj = vᵀ tanh(W_q s_t + W_k m_j + b_k)",
        "(a dot product s_t·m_j is the simplest score). A softmax turns the scores into",
        "weights that sum to 1,",
        "    α_tj = exp(e_tj) / Σ_k exp(e_tk),",
        "and the context for this step is their weighted sum, c_t = Σ_j α_tj m_j. A date",
        "translator shows it plainly: writing the year, it looks at the year. The table",
        "below measures the bottleneck: the same translator with and without attention",
        "(exact match: the whole date right; BLEU, 0–100: how much of the output, one",
        "piece at a time and in runs of up to four pieces, is also in the target).",
    ],
    keys="→/← moves along the output, t translates a date of your own",
    open_live=AttentionLive,
    exercises=[
        Exercise(
            "alpha",
            "What is the largest attention weight α_tj at this step?",
            "For the top score, exp(e − max e) = 1: so α is 1 / Σ.",
            expected=lambda live: max(live.weights()),  # type: ignore[attr-defined]
        ),
        Exercise(
            "sharp",
            "Find an output step where one source character takes α > 0.95.",
            "Step (→) to the digits of the year or the day.",
            reached=lambda live: max(live.weights()) > 0.95,  # type: ignore[attr-defined]
        ),
        Exercise(
            "longest",
            "By how much does attention raise exact match on the longest sources "
            "(with − without, as a share: 0.1 for ten points)?",
            "Read the last column of the bottleneck table.",
            expected=lambda live: live.gain_on_longest(),  # type: ignore[attr-defined]
        ),
        Exercise(
            "spread",
            "Find a step where attention is spread out: no α above 0.4.",
            "Look at the separators the translator writes, such as a 0 it adds.",
            reached=lambda live: max(live.weights()) < 0.4,  # type: ignore[attr-defined]
        ),
    ],
)
