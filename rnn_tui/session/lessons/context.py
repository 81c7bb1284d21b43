"""Chapter 6: the encoder–decoder without attention, and its context vector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import AlongLive
from rnn_tui.session.lessons.structure import Chapter, Exercise, measured_once

if TYPE_CHECKING:
    from rnn_tui.data.pairs import Pair

SOURCE = "le samedi 9 mai 2018"
MODEL = "dates-gru-plain"
SHOWN_UNITS = 6
SHOWN_CHOICES = 3
SHOWN_PAIRS = 3


class ContextLive(AlongLive):
    """The bundled plain date translator: its decoder starts from the encoder's last
    state and sees nothing else of the source; → moves along the output. `measure()`
    finds held-out pairs to show (a second or two: the training dates are generated to
    be left out)."""

    DEFAULT_SOURCE = SOURCE
    READING = "translating"

    def __init__(self) -> None:
        from rnn_tui.session.lessons.models import bundled_translator

        self.translator = bundled_translator(MODEL)
        self.examples: list[Pair] = []  # once found
        self.read(SOURCE)

    def measure(self) -> None:
        from rnn_tui.session.lessons.models import held_out_pairs

        self.examples = measured_once(
            f"{MODEL}: held-out pairs", lambda: held_out_pairs(self.translator, SHOWN_PAIRS)
        )

    def read(self, source: str) -> None:
        from rnn_tui.engine import translation_search as search

        self.encoded = self.translator.encode_text(source)  # a refused source changes nothing
        self.source = source
        self.output, self.steps = search.greedy(self.translator, self.encoded, max_len=40)
        self.at = 0

    def context_norm(self) -> float:
        import numpy as np

        return float(np.linalg.norm(self.encoded.context.astype(np.float64)))

    def probabilities(self) -> list[float]:
        """p(y_t = k | y_<t, c) over the target vocabulary at the shown step."""
        import numpy as np

        return np.exp(self.steps[self.at].log_probs[0].astype(np.float64)).tolist()

    def first_probability(self) -> float:
        import numpy as np

        return float(np.exp(self.steps[0].log_probs[0].astype(np.float64)).max())

    def panel(self) -> list[str]:
        import numpy as np

        c = self.encoded.context
        s0 = self.encoded.initial_state.h[-1][0]
        target = self.translator.target_tokenizer
        p = np.asarray(self.probabilities())
        top = np.argsort(-p, kind="stable")[:SHOWN_CHOICES]
        written = self.translator.target_text(self.output.tokens[: self.at])
        units = " ".join(f"{v:+.3f}" for v in c[:SHOWN_UNITS])
        lines = [
            f"source: {self.source!r}, {len(self.encoded.source_ids)} tokens read "
            f"(`<eos>` last); the encoder's last state is the context vector c",
            f"c = s_T: {len(c)} numbers, ‖c‖ = {self.context_norm():.4f}; c[0:{SHOWN_UNITS}] = "
            f"{units}",
            f"the decoder starts from s_0 = c: max |s_0 − c| = {np.abs(s0 - c).max():.1e}",
            f"output step t = {self.at + 1} of {len(self.steps)}, after {written!r}:",
        ]
        lines += [f"  p({target.token_text(int(k))!r}) = {p[k]:.4f}" for k in top]
        lines.append(f"greedy translation: {self.translator.target_text(self.output.tokens)}")
        lines.append("held-out pairs, as in training (source → target):")
        lines += [f"  {pair.source!r} → {pair.target}" for pair in self.examples]
        if not self.examples:
            lines.append("  finding them… (the training dates are generated, to be left out)")
        return lines

    def length(self) -> int:
        return len(self.steps)


CHAPTER = Chapter(
    number=6,
    title=title(6),
    text=[
        "An encoder–decoder translates in two parts. The encoder, an RNN, reads the",
        "source x_1 … x_T, s_t = φ(W s_{t−1} + U x_t + b), and keeps only its last state:",
        "    c = s_T",
        "the context vector, a fixed number of values whatever the length of the source.",
        "The decoder is a second RNN that starts from c and writes one token at a time,",
        "    y_t = softmax(V s_t),  s_t = φ(W' s_{t−1} + U' y_{t−1} + b'),",
        "feeding back the token it just wrote. It never sees the source again: all it knows",
        "of it is in c. Training shows it pairs (source, target) and minimises −log p of",
        "each target token given the reference tokens before it. This model turns dates",
        "written many ways into ISO dates; it has no attention.",
    ],
    keys="→/← moves along the output, t translates a date of your own",
    open_live=ContextLive,
    exercises=[
        Exercise(
            "norm",
            "How long is the context vector: what is ‖c‖ for this source?",
            "It is on screen: the square root of the sum of c's squared values.",
            expected=lambda live: live.context_norm(),  # type: ignore[attr-defined]
        ),
        Exercise(
            "first",
            "With what probability does the decoder write its first character?",
            "At t = 1 the decoder has only c and `<bos>`; read the top p.",
            expected=lambda live: live.first_probability(),  # type: ignore[attr-defined]
        ),
        Exercise(
            "unsure",
            "Find an output step where the decoder is unsure: no character has p > 0.6.",
            "Try dates written unusually (t): a weekday that does not match, a two-digit year.",
            reached=lambda live: max(live.probabilities()) <= 0.6,  # type: ignore[attr-defined]
        ),
    ],
)
