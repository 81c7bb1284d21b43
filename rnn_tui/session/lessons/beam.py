"""Chapter 13: beam search against greedy decoding, with the bundled en→fr translator."""

from __future__ import annotations

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import setting
from rnn_tui.session.lessons.structure import Chapter, Exercise

SOURCE = "i am very tired ."
MAX_LEN = 30


class BeamLive:
    def __init__(self) -> None:
        from rnn_tui.session.lessons.models import bundled_translator

        self.translator = bundled_translator("en-fr-gru-additive")
        self.source, self.width, self.alpha = SOURCE, 3, 0.6
        self.shown = 1  # beam steps on screen
        self.search()

    def search(self, source: str | None = None) -> None:
        """Greedy and beam search on `source` (default: the one shown), which becomes the
        one shown; a source the encoder refuses (UserError) changes nothing."""
        from rnn_tui.engine import translation_search as search

        encoded = self.translator.encode_text(self.source if source is None else source)
        if source is not None:
            self.source = source
        self.greedy, _ = search.greedy(self.translator, encoded, max_len=MAX_LEN)
        self.beam = search.beam_search(self.translator, encoded, self.width, self.alpha, MAX_LEN)
        self.shown = min(self.shown, len(self.beam.steps))

    def text(self, tokens: tuple[int, ...]) -> str:
        return self.translator.target_text(tokens) or "(nothing yet)"

    def top_score(self) -> float:
        return self.beam.steps[self.shown - 1].live[0].score(self.alpha)

    def beam_wins(self) -> bool:
        best = self.beam.hypotheses[0]
        return best.tokens != self.greedy.tokens and best.log_prob > self.greedy.log_prob + 1e-6

    def panel(self) -> list[str]:
        step = self.beam.steps[self.shown - 1]
        lines = [
            f"source: {self.source}   B = {self.width}, α = {self.alpha:g}",
            f"greedy:  {self.text(self.greedy.tokens)}   log p = {self.greedy.log_prob:+.4f}",
            f"beam step {self.shown} of {len(self.beam.steps)}: the prefixes kept, by summed log p",
        ]
        for h in step.live:
            lines.append(f"  {self.text(h.tokens):40} {h.log_prob:+.4f}")
        for h in step.finished:
            lines.append(f"  ✓ {self.text(h.tokens):38} {h.log_prob:+.4f}  (ended)")
        best = self.beam.hypotheses[0]
        lines.append(
            f"beam's answer (best log p / |y|^α): {self.text(best.tokens)}   "
            f"log p = {best.log_prob:+.4f}"
        )
        lines.append("top prefix's score log p / |y|^α = ?")
        return lines

    def step(self) -> bool:
        if self.shown >= len(self.beam.steps):
            return False
        self.shown += 1
        return True

    def back(self) -> bool:
        if self.shown <= 1:
            return False
        self.shown -= 1
        return True

    def type_text(self, text: str) -> str:
        self.search(text.strip() or SOURCE)
        self.shown = 1
        return f"translating {self.source!r}"

    def set_value(self, text: str) -> str:
        """`B=5` (beam width) or `alpha=0.6` (length normalisation)."""
        parsed = setting(text, {"B": (0.0, 20.0), "alpha": (-1e-9, 2.0)})
        if isinstance(parsed, str):
            return parsed
        name, number = parsed
        if name == "B":
            if number != int(number):
                return "B is a whole number of hypotheses"
            self.width = int(number)
        else:
            self.alpha = number
        self.search()
        return f"{name} = {number:g}"


CHAPTER = Chapter(
    number=13,
    title=title(13),
    text=[
        "A translator gives p(y_t | y_<t, x) one token at a time. Greedy decoding takes",
        "the likeliest token at each step, but the likeliest sentence need not start with",
        "the likeliest word. Beam search keeps the B best prefixes instead, ranked by",
        "their summed log-probability Σ log p(y_t | y_<t, x); each step extends every",
        "prefix by every token and keeps the B best of all of them. A prefix ending in",
        "<eos> is finished. Summed log p favours short sentences (each token adds a",
        "negative term), so finished ones are compared by log p / |y|^α: α = 0 ranks by",
        "probability alone, α = 1 by probability per token. B = 1 is greedy decoding.",
    ],
    keys="→/← steps through the beam, t translates your sentence, v sets B=… or alpha=…",
    open_live=BeamLive,
    exercises=[
        Exercise(
            "score",
            "What is the top prefix's length-normalised score, log p / |y|^α, at this step?",
            "|y| is the prefix's number of tokens (words and punctuation) so far.",
            expected=lambda live: live.top_score(),  # type: ignore[attr-defined]
        ),
        Exercise(
            "wins",
            "Find a sentence where beam search finds a more probable translation than greedy.",
            "Try sentences with a choice early on: 'they are busy now .'",
            reached=lambda live: live.beam_wins(),  # type: ignore[attr-defined]
        ),
    ],
)
