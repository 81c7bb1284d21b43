"""Chapter 14: self-attention over the encoder's states."""

from __future__ import annotations

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import AlongLive
from rnn_tui.session.lessons.structure import Chapter, Exercise

SOURCE = "le samedi 9 mai 2018"
MODEL = "dates-gru-self-attention"
SHOWN = 4  # the largest weights listed


class SelfAttentionLive(AlongLive):
    """The bundled date translator with a self-attention layer; → moves the query
    position i along the source."""

    DEFAULT_SOURCE = SOURCE
    READING = "encoding"

    def __init__(self) -> None:
        from rnn_tui.session.lessons.models import bundled_translator

        self.translator = bundled_translator(MODEL)
        self.read(SOURCE)

    def read(self, source: str) -> None:
        self.encoded = self.translator.encode_text(source)  # a refused source changes nothing
        self.source = source
        self.labels = self.translator.source_labels(self.encoded.source_ids)
        self.at = 0

    def states(self):  # the recurrent states the layer reads: h_j, (S, H)
        import numpy as np

        parts = [self.encoded.forward]
        if self.encoded.backward is not None:
            parts.append(self.encoded.backward)
        return np.concatenate(parts, axis=-1).astype(np.float64)

    def projections(self):
        """(Q, K, V) = (H W_Qᵀ, H W_Kᵀ, H W_Vᵀ), one row per source position."""
        t = self.translator.tensors
        h = self.states()
        return tuple(
            h @ t[f"self_attention.{name}.weight"].astype("float64").T
            for name in ("query", "key", "value")
        )

    def weights(self) -> list[float]:
        """α_ij over j for the shown query i, as the engine computed them."""
        assert self.encoded.self_attention is not None
        return [float(a) for a in self.encoded.self_attention[self.at]]

    def own_weight(self) -> float:
        return self.weights()[self.at]

    def looks_elsewhere(self) -> bool:
        """Whether the shown query's largest weight is on a position other than its own."""
        weights = self.weights()
        return max(range(len(weights)), key=weights.__getitem__) != self.at

    def panel(self) -> list[str]:
        import numpy as np

        q, k, v = self.projections()
        d = q.shape[-1]
        scores = q[self.at] @ k.T / np.sqrt(d)
        alpha = np.asarray(self.weights())
        top = np.argsort(-alpha, kind="stable")[:SHOWN]
        lines = [
            f"source: {self.source!r}; query position i = {self.at + 1} of {len(self.labels)}: "
            f"{self.labels[self.at]!r}",
            f"q_i = W_Q h_i, k_j = W_K h_j, v_j = W_V h_j: {d} numbers each; "
            f"‖q_i‖ = {np.linalg.norm(q[self.at]):.3f}",
            f"scores q_i·k_j / √{d}, softmax over j; the {SHOWN} largest weights:",
        ]
        lines += [
            f"  j = {j + 1:2d} {self.labels[j]!r:7} q·k/√d = {scores[j]:+8.4f}  α = {alpha[j]:.4f}"
            for j in top
        ]
        mixed = alpha @ v
        lines.append(
            f"m_i = h_i + Σ_j α_ij v_j: ‖h_i‖ = {np.linalg.norm(self.states()[self.at]):.3f}, "
            f"‖Σ_j α_ij v_j‖ = {np.linalg.norm(mixed):.3f}, "
            f"‖m_i‖ = {np.linalg.norm(self.encoded.memory[self.at]):.3f}"
        )
        return lines

    def length(self) -> int:
        return len(self.labels)


CHAPTER = Chapter(
    number=14,
    title=title(14),
    text=[
        "Attention lets the decoder look at every encoder state. Self-attention lets",
        "each source position look at every other one. From the recurrent states h_j,",
        "three projections make a query, a key and a value per position,",
        "    q_i = W_Q h_i,   k_j = W_K h_j,   v_j = W_V h_j,",
        "and position i weighs every j by how well its key answers i's query:",
        "    α_ij = softmax_j(q_i·k_j / √d),   m_i = h_i + Σ_j α_ij v_j.",
        "The √d keeps the dot products from growing with the width d. The sum is added",
        "to h_i (a residual), so each m_i keeps its own state and mixes in what other",
        "positions hold. A transformer is built from this step alone, with no",
        "recurrence; here it sits on top of a GRU encoder of dates.",
    ],
    keys="→/← moves the query position i, t encodes a date of your own",
    open_live=SelfAttentionLive,
    exercises=[
        Exercise(
            "own",
            "What weight α_ii does position i give to itself?",
            "Find j = i among the weights, or add them up: they sum to 1.",
            expected=lambda live: live.own_weight(),  # type: ignore[attr-defined]
        ),
        Exercise(
            "elsewhere",
            "Find a query position whose largest weight is on another position, not itself.",
            "Step (→) through the digits and the separators.",
            reached=lambda live: live.looks_elsewhere(),  # type: ignore[attr-defined]
        ),
    ],
)
