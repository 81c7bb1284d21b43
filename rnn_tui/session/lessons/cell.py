"""Chapter 4: inside the RNN cell, s_t = φ(W s_{t−1} + U x_t + b), one unit's numbers."""

from __future__ import annotations

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import ReadingLive
from rnn_tui.session.lessons.structure import Chapter, Exercise

TEXT = "Now is the winter of our discontent"


class CellLive(ReadingLive):
    """The first layer of the bundled character RNN, one unit j at the current step."""

    def __init__(self) -> None:
        super().__init__("shakespeare-rnn", TEXT, 4)

    def parts(self) -> tuple[float, float, float]:
        """(W s_{t−1})[j], (U x_t)[j], b[j] for this step, b = b_u + b_w."""
        s, j = self.session, self.unit
        cell = self.model.cells[0]
        previous = s.trace_at(s.position - 1).layers[0].h if s.position > 0 else None
        recurrent = float(cell.w[j] @ previous) if previous is not None else 0.0
        x = self.model.embedding[s.tokens[-1]]
        return recurrent, float(cell.u[j] @ x), float(cell.b_u[j] + cell.b_w[j])

    def state(self) -> float:
        """s_t[j] as the engine computed it."""
        return float(self.session.current.layers[0].h[self.unit])

    def panel(self) -> list[str]:
        recurrent, given, bias = self.parts()
        token = self.model.tokenizer.token_text(self.session.tokens[-1])
        size = self.model.config.hidden_size
        return [
            f"unit j = {self.unit} of {size}, layer 1, step t = {self.session.position}, "
            f"reading x_t = {token!r}",
            f"(W s_t−1)[j] = {recurrent:+.4f}    the state before, through W",
            f"(U x_t)[j]   = {given:+.4f}    this character, through U",
            f"b[j]         = {bias:+.4f}    the bias",
            "a_t[j] = (W s_t−1)[j] + (U x_t)[j] + b[j] = ?",
            "s_t[j] = tanh(a_t[j]) = ?",
        ]


def _saturated(live: CellLive) -> bool:
    return abs(live.state()) > 0.95


CHAPTER = Chapter(
    number=4,
    title=title(4),
    text=[
        "One step of a plain RNN is s_t = φ(W s_t−1 + U x_t + b). Three things meet in",
        "every unit: the previous state s_t−1 through the recurrent matrix W (what the",
        "network remembers), the current input x_t through the input matrix U (what it",
        "reads now) and a bias b. Their sum a_t is squashed by φ = tanh into (−1, 1), and",
        "that is the new state, handed to the next step and to the output layer V.",
        "The same U, W and b serve at every step. Where |a| is large, tanh is flat:",
        "the unit is saturated, its slope 1 − s² is near 0, and it passes little",
        "gradient back in time. Below (Live) are unit j's three parts at this step.",
    ],
    keys="→ reads the next character, ← steps back, t reads your text, v picks a unit",
    open_live=CellLive,
    exercises=[
        Exercise(
            "state",
            "Compute this step's s_t[j] = tanh(a_t[j]) from the three parts shown.",
            "Add the three numbers to get a_t[j], then take tanh (to three decimals).",
            expected=lambda live: live.state(),  # type: ignore[attr-defined]
        ),
        Exercise(
            "slope",
            "How steep is φ here: what is tanh's slope 1 − s_t[j]² at this step?",
            "Square your s_t[j] and take it from 1.",
            expected=lambda live: 1.0 - live.state() ** 2,  # type: ignore[attr-defined]
        ),
        Exercise(
            "saturate",
            "Find a saturated unit: make |s_t[j]| exceed 0.95 (step, or pick units with v).",
            "Large parts of one sign saturate a unit; try other units and other letters.",
            reached=_saturated,  # type: ignore[arg-type]
        ),
    ],
)
