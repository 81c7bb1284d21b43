"""Chapter 12: attention — the query, a score per encoder state, softmax, the weighted sum."""

from __future__ import annotations

from rnn_tui.session.lessons import Chapter, Exercise

SOURCE = "le samedi 9 mai 2018"
SHOWN = 4  # the largest scores listed


class AttentionLive:
    """The bundled dates translator (additive attention), decoding greedily; → moves to
    the next output token."""

    def __init__(self) -> None:
        from rnn_tui.session.lessons.models import bundled_translator

        self.translator = bundled_translator("dates-bigru-additive")
        self.read(SOURCE)

    def read(self, source: str) -> None:
        from rnn_tui.engine import translation_search as search

        self.source = source
        self.encoded = self.translator.encode_text(source)
        self.output, self.steps = search.greedy(self.translator, self.encoded, max_len=40)
        self.t = 0

    def weights(self) -> list[float]:
        step = self.steps[self.t]
        assert step.weights is not None
        return [float(w) for w in step.weights[0]]

    def panel(self) -> list[str]:
        import numpy as np

        step = self.steps[self.t]
        assert step.scores is not None
        scores = step.scores[0].astype(np.float64)
        labels = self.translator.source_labels(self.encoded.source_ids)
        written = self.translator.target_tokenizer.token_text(self.output.tokens[self.t])
        top = np.argsort(-scores, kind="stable")[:SHOWN]
        lines = [
            f"source ({len(labels)} tokens read by the encoder): {self.source}",
            f"output step t = {self.t}, writing {written!r}; query s_t with ‖s_t‖ = "
            f"{np.linalg.norm(step.query[0]):.3f}",
            f"scores e_tj = vᵀ tanh(W_q s_t + W_k m_j + b_k), the {SHOWN} largest:",
        ]
        lines += [f"  j = {j:2d} {labels[j]!r:6} e = {scores[j]:+8.4f}" for j in top]
        spread = float(np.exp(scores - scores.max()).sum())
        lines += [
            f"Σ_j exp(e_tj − max e) over all {len(labels)} = {spread:.4f};  "
            "α_tj = exp(e_tj − max e) / Σ",
            f"context c_t = Σ_j α_tj m_j, ‖c_t‖ = {np.linalg.norm(step.context[0]):.3f}",
        ]
        return lines

    def step(self) -> bool:
        if self.t + 1 >= len(self.steps):
            return False
        self.t += 1
        return True

    def back(self) -> bool:
        if self.t == 0:
            return False
        self.t -= 1
        return True

    def type_text(self, text: str) -> str:
        self.read(text.strip() or SOURCE)
        return f"translating {self.source!r}"

    def set_value(self, text: str) -> str:
        return "this chapter has no values to set; t gives a new source"


CHAPTER = Chapter(
    number=12,
    title="Attention",
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
        "translator shows it plainly: writing the year, it looks at the year.",
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
            "spread",
            "Find a step where attention is spread out: no α above 0.4.",
            "Look at the separators the translator writes, such as a 0 it adds.",
            reached=lambda live: max(live.weights()) < 0.4,  # type: ignore[attr-defined]
        ),
    ],
)
