"""Chapter 5: a bidirectional encoder's two directions, and reading the source reversed."""

from __future__ import annotations

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import AlongLive
from rnn_tui.session.lessons.structure import Chapter, Exercise, StillMeasuring, measured_once

SOURCE = "le samedi 9 mai 2018"
BIDIRECTIONAL = "dates-bigru-additive"
FORWARD, REVERSED = "dates-gru-plain", "dates-gru-plain-reversed"
MEASURED_PAIRS = 300  # held-out pairs each of the two plain translators decodes


class DirectionsLive(AlongLive):
    """The bundled bidirectional date encoder at one source position j (→/← move j), and
    two plain translators, one reading forward and one reversed, scored on held-out pairs
    by `measure()` (seconds: the held-out dates are generated, 600 greedy decodes)."""

    DEFAULT_SOURCE = SOURCE
    READING = "encoding"

    def __init__(self) -> None:
        from rnn_tui.session.lessons.models import bundled_translator

        self.translator = bundled_translator(BIDIRECTIONAL)
        self.scores: dict[str, float] = {}  # exact match by translator, once measured
        self.read(SOURCE)

    def measure(self) -> None:
        from rnn_tui.session.lessons.models import (
            bundled_translator,
            exact_match_by_length,
            held_out_pairs,
        )

        def exact_match(name: str) -> float:
            plain = bundled_translator(name)
            [(right, total)] = exact_match_by_length(
                plain, held_out_pairs(plain, MEASURED_PAIRS), ()
            )
            return right / total

        self.scores = {
            name: measured_once(f"{name}: exact match", lambda name=name: exact_match(name))
            for name in (FORWARD, REVERSED)
        }

    def read(self, source: str) -> None:
        self.encoded = self.translator.encode_text(source)  # a refused source changes nothing
        self.source = source
        self.labels = self.translator.source_labels(self.encoded.source_ids)
        self.at = len(self.labels) // 2

    def norms(self) -> tuple[float, float]:
        """(‖→h_j‖, ‖←h_j‖) at the shown position."""
        import numpy as np

        assert self.encoded.backward is not None
        forward = self.encoded.forward[self.at].astype(np.float64)
        backward = self.encoded.backward[self.at].astype(np.float64)
        return float(np.linalg.norm(forward)), float(np.linalg.norm(backward))

    def gain(self) -> float:
        """Exact match reading reversed minus reading forward (a share, not a percent)."""
        if not self.scores:
            raise StillMeasuring
        return self.scores[REVERSED] - self.scores[FORWARD]

    def panel(self) -> list[str]:
        import numpy as np

        assert self.encoded.backward is not None
        forward, backward = self.norms()
        seen = "".join(self.labels[: self.at + 1])
        ahead = "".join(self.labels[self.at :])
        a, b = self.encoded.forward[self.at], self.encoded.backward[self.at]
        cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
        size = self.translator.config.hidden_size
        lines = [
            f"source: {self.source!r}; position j = {self.at + 1} of {len(self.labels)}: "
            f"{self.labels[self.at]!r}",
            f"→h_j has read {seen!r}: ‖→h_j‖ = {forward:.4f}",
            f"←h_j has read {ahead!r} from the end: ‖←h_j‖ = {backward:.4f}",
            f"m_j = [→h_j; ←h_j]: {2 * size} numbers; cos(→h_j, ←h_j) = {cosine:+.4f}",
            f"Reading the source reversed: two plain GRU translators, the same training "
            f"(1,000 steps), greedy exact match on {MEASURED_PAIRS} held-out dates, "
            "measured now:",
        ]
        if not self.scores:
            return [*lines, f"  measuring… (greedy decoding of 2 × {MEASURED_PAIRS} dates)"]
        return [
            *lines,
            f"  read forward  ({FORWARD}): {self.scores[FORWARD]:.1%}",
            f"  read reversed ({REVERSED}): {self.scores[REVERSED]:.1%}",
        ]

    def length(self) -> int:
        return len(self.labels)


CHAPTER = Chapter(
    number=5,
    title=title(5),
    text=[
        "An RNN's state at position j has read only x_1 … x_j. A bidirectional encoder",
        "runs a second RNN from the end, so each position has two states:",
        "    →h_j = φ(→W →h_{j−1} + →U x_j + →b),   ←h_j = φ(←W ←h_{j+1} + ←U x_j + ←b)",
        "and keeps both, m_j = [→h_j; ←h_j]: the left context and the right one. Without",
        "attention the decoder starts from the last state only, so what the encoder read",
        "last is freshest and what it read first has passed through every step since.",
        "Reading the source reversed (Sutskever et al.) brings a source's first words",
        "next to the decoder's first outputs. Whether that helps depends on where each",
        "output's information sits in the source: ISO dates start with the year, which",
        "most written dates put at the end. The two scores below are measured, not told.",
    ],
    keys="→/← moves j along the source, t encodes a date of your own",
    open_live=DirectionsLive,
    exercises=[
        Exercise(
            "backward",
            "What is ‖←h_j‖, the backward state's length, at this position?",
            "The backward RNN's state at j has read from the end of the source back to j.",
            expected=lambda live: live.norms()[1],  # type: ignore[attr-defined]
        ),
        Exercise(
            "first",
            "Move to the first source character: the one place where →h_j has read one "
            "character and ←h_j all of them.",
            "Press ← until j = 1.",
            reached=lambda live: live.at == 0,  # type: ignore[attr-defined]
        ),
        Exercise(
            "reversed",
            "By how much does reading reversed change exact match here (reversed − forward, "
            "as a share: 0.1 for ten points)?",
            "Subtract the forward figure from the reversed one and divide by 100.",
            expected=lambda live: live.gain(),  # type: ignore[attr-defined]
        ),
    ],
)
