"""Chapter 2: unfolding in time — inputs, states, outputs per step, the same U, W, V."""

from __future__ import annotations

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import ReadingLive
from rnn_tui.session.lessons.structure import Chapter, Exercise

TEXT = "To be, or not to be, that is the question"
COLUMNS = 5


class UnfoldLive(ReadingLive):
    def __init__(self) -> None:
        super().__init__("shakespeare-rnn", TEXT, 5)

    def matrices(self) -> dict[str, tuple[int, ...]]:
        """The shapes of U, W (layer 1) and V."""
        cell = self.model.cells[0]
        return {"U": cell.u.shape, "W": cell.w.shape, "V": self.model.decoder_w.shape}

    def parameters(self) -> int:
        return sum(rows * columns for rows, columns in self.matrices().values())

    def panel(self) -> list[str]:
        s = self.session
        text_of = self.model.tokenizer.token_text
        first = max(0, s.position - COLUMNS + 1)
        steps = range(first, s.position + 1)
        traces = [s.trace_at(t) for t in steps]
        cell = "  ".join

        def row(name: str, values: list[str]) -> str:
            return f"{name:<7}" + cell(f"{v:>7}" for v in values)

        shapes = ", ".join(f"{n} {r}×{c}" for n, (r, c) in self.matrices().items())
        return [
            row("t", [str(t) for t in steps]),
            row("x_t", [repr(text_of(s.tokens[t])) for t in steps]),
            row(f"s_t[{self.unit}]", [f"{tr.layers[0].h[self.unit]:+.3f}" for tr in traces]),
            row("ŷ_t", [repr(text_of(int(tr.probs.argmax()))) for tr in traces]),
            f"U, W (layer 1) and V: {shapes}.",
            f"Every step t = 0 … {s.position} multiplied by these same three arrays.",
        ]


CHAPTER = Chapter(
    number=2,
    title=title(2),
    text=[
        "A recurrent network is one cell used again and again. At step t it reads an",
        "input x_t (here one character), combines it with its own previous state",
        "s_t−1 into a new state, s_t = φ(W s_t−1 + U x_t + b), and from that state gives",
        "an output, ŷ_t = softmax(V s_t): the probabilities of the next character.",
        "Drawn with a loop, that is a single box. Unfolded, it is a chain of copies, one",
        "per step, each passing its state to the next. The copies are not different",
        "networks: U, W and V are the same three matrices at every step, so the number",
        "of parameters does not grow with the length of the text. Below (Live) are the",
        "last steps side by side.",
    ],
    keys="→ reads the next character, ← steps back, t reads your text, v picks a unit",
    open_live=UnfoldLive,
    exercises=[
        Exercise(
            "count",
            "How many numbers do U, W and V hold together (their shapes are shown)?",
            "Rows × columns for each, then add the three.",
            expected=lambda live: float(live.parameters()),  # type: ignore[attr-defined]
        ),
        Exercise(
            "long",
            "Unfold the network over 30 steps: read until t reaches 30.",
            "Keep pressing →, or press t and give a longer text.",
            reached=lambda live: live.session.position >= 30,  # type: ignore[attr-defined]
        ),
    ],
)
