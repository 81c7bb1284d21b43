"""Chapters 9–11: the LSTM's forget, input and output gates, one unit's numbers.

f_t = σ(W_f h_t−1 + U_f x_t + b_f)        i_t = σ(W_i h_t−1 + U_i x_t + b_i)
g_t = tanh(W_g h_t−1 + U_g x_t + b_g)      o_t = σ(W_o h_t−1 + U_o x_t + b_o)
c_t = f_t ⊙ c_t−1 + i_t ⊙ g_t              h_t = o_t ⊙ tanh(c_t)
"""

from __future__ import annotations

import math

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import ReadingLive
from rnn_tui.session.lessons.structure import Chapter, Exercise

TEXT = "ROMEO:\nBut, soft! what light through yonder window breaks?"
PROBE = " "  # the gates are probed as detectors of this pattern (a regex): the spaces
PROBE_NAME = "spaces"
SELECTIVE = 0.8  # |2·AUC − 1|: AUC above 0.9 or below 0.1
LISTED = 3  # the most selective units the panel names
SLOT = {"i": 0, "f": 1, "g": 2, "o": 3}  # PyTorch's stacking of the gates' rows


class GateLive(ReadingLive):
    """The bundled LSTM's first layer, one unit j and one gate at the current step."""

    def __init__(self, gate: str) -> None:
        super().__init__("shakespeare-lstm", TEXT, 7)
        self.gate = gate

    def now(self, name: str) -> float:
        return float(self.session.current.layers[0].gates[name][self.unit])

    def cell(self, back: int = 0) -> float:
        """c_t[j] (back = 1: c_t−1[j], 0 before the first step)."""
        s = self.session
        if s.position - back < 0:
            return 0.0
        c = s.trace_at(s.position - back).layers[0].c
        return float(c[self.unit]) if c is not None else 0.0

    def parts(self) -> tuple[float, float, float]:
        """(W_k h_t−1)[j], (U_k x_t)[j], b_k[j] of this gate k."""
        s, j = self.session, self.unit
        weights = self.model.cells[0]
        row = SLOT[self.gate] * self.model.config.hidden_size + j
        previous = s.trace_at(s.position - 1).layers[0].h if s.position > 0 else None
        recurrent = float(weights.w[row] @ previous) if previous is not None else 0.0
        given = float(weights.u[row] @ self.model.embedding[s.tokens[-1]])
        return recurrent, given, float(weights.b_u[row] + weights.b_w[row])

    def gate_aucs(self):
        """Each unit's ROC AUC (`units`' probing) with its gate's value at each character
        read since `<bos>` as a detector of the PROBE's matches; None until the text read
        has characters both inside and outside a match."""
        import numpy as np

        from rnn_tui.engine.probing import regex_mask, token_offsets, unit_auc
        from rnn_tui.errors import UserError

        s = self.session
        steps = range(max(1, s.position + 1 - s.keep_traces), s.position + 1)
        text = self.model.tokenizer.decode(s.tokens[steps.start :])
        values = np.stack([s.trace_at(t).layers[0].gates[self.gate] for t in steps])
        inside = regex_mask(text, token_offsets(self.model, text)[2], PROBE)
        try:
            return unit_auc(values, inside)
        except UserError:  # every character inside, or none
            return None

    def selective(self) -> bool:
        aucs = self.gate_aucs()
        return aucs is not None and abs(2 * float(aucs[self.unit]) - 1) >= SELECTIVE

    def panel(self) -> list[str]:
        k = self.gate
        recurrent, given, bias = self.parts()
        token = self.model.tokenizer.token_text(self.session.tokens[-1])
        lines = [
            f"unit j = {self.unit}, layer 1, step t = {self.session.position}, "
            f"reading x_t = {token!r}",
            f"(W_{k} h_t−1)[j] = {recurrent:+.4f}   (U_{k} x_t)[j] = {given:+.4f}   "
            f"b_{k}[j] = {bias:+.4f}",
            f"{k}_t[j] = σ(their sum) = ?",
        ]
        if k == "f":
            lines.append(f"c_t−1[j] = {self.cell(1):+.4f}: f_t[j]·c_t−1[j] is what is kept")
        elif k == "i":
            lines.append(f"g_t[j] = {self.now('g'):+.4f}: i_t[j]·g_t[j] is what is written")
        else:
            lines.append(f"c_t[j] = {self.cell():+.4f}: h_t[j] = o_t[j]·tanh(c_t[j]) is shown")
        aucs = self.gate_aucs()
        if aucs is None:
            lines.append(f"probe: read {PROBE_NAME} and other characters to rank the units")
        else:
            best = sorted(range(len(aucs)), key=lambda u: -abs(2 * aucs[u] - 1))[:LISTED]
            named = ", ".join(f"{u} ({aucs[u]:.2f})" for u in best)
            lines.append(
                f"probe: {k}_t as a detector of {PROBE_NAME} so far, AUC of unit j = "
                f"{aucs[self.unit]:.3f}; most selective: {named}"
            )
        return lines


def _chapter(number: int, gate: str, text: list[str], effect: Exercise, reach: Exercise) -> Chapter:
    probe = Exercise(
        "probe",
        f"Watch a unit whose {gate} gate tells {PROBE_NAME} from other characters: AUC "
        f"above {0.5 + SELECTIVE / 2:g} or below {0.5 - SELECTIVE / 2:g} over the text read.",
        "The probe line names the most selective units; pick one with v, then step and "
        "watch its gate at each space.",
        reached=lambda live: live.selective(),  # type: ignore[attr-defined]
    )
    return Chapter(
        number=number,
        title=title(number),
        text=text,
        keys="→ reads the next character, ← steps back, t reads your text, v picks a unit",
        open_live=lambda: GateLive(gate),
        exercises=[
            Exercise(
                "gate",
                f"Compute {gate}_t[j] = σ(sum of the three parts) for this step.",
                "σ(a) = 1 / (1 + e^−a); add the three parts first.",
                expected=lambda live: live.now(gate),  # type: ignore[attr-defined]
            ),
            effect,
            reach,
            probe,
        ],
    )


FORGET = _chapter(
    9,
    "f",
    [
        "The forget gate decides, unit by unit, how much of the cell state to keep:",
        "    f_t = σ(W_f h_t−1 + U_f x_t + b_f),   c_t = f_t ⊙ c_t−1 + i_t ⊙ g_t.",
        "σ gives a number between 0 and 1 for every unit. Near 1 the old memory c_t−1",
        "passes on almost whole; near 0 it is wiped, and the unit starts afresh from",
        "what the input gate writes. It reads the same two things as every gate: the",
        "previous output h_t−1 and the current input x_t. Because c_t−1 reaches c_t",
        "through a product with f_t and not through a squashing function, a gradient can",
        "travel back many steps when f stays near 1: the LSTM's answer to vanishing.",
    ],
    Exercise(
        "kept",
        "How much of the old cell state does unit j keep: what is f_t[j]·c_t−1[j]?",
        "Multiply your f_t[j] by the c_t−1[j] shown.",
        expected=lambda live: live.now("f") * live.cell(1),  # type: ignore[attr-defined]
    ),
    Exercise(
        "shut",
        "Find a forget gate nearly shut: f_t[j] < 0.2 (step on, or pick units with v).",
        "Units that reset at a line break or a space are common; try v and other units.",
        reached=lambda live: live.now("f") < 0.2,  # type: ignore[attr-defined]
    ),
)

INPUT = _chapter(
    10,
    "i",
    [
        "The input gate decides how much new content enters the cell state:",
        "    i_t = σ(W_i h_t−1 + U_i x_t + b_i),   g_t = tanh(W_g h_t−1 + U_g x_t + b_g),",
        "    c_t = f_t ⊙ c_t−1 + i_t ⊙ g_t.",
        "g_t is the candidate, a value in (−1, 1) proposed from this input and the last",
        "output; i_t, between 0 and 1, is how much of it is written. Together with the",
        "forget gate this makes an update: keep a share of the old, add a share of the",
        "new. An input gate near 0 leaves the memory as the forget gate left it.",
    ],
    Exercise(
        "written",
        "What does unit j write into its cell this step: i_t[j]·g_t[j]?",
        "Multiply your i_t[j] by the g_t[j] shown.",
        expected=lambda live: live.now("i") * live.now("g"),  # type: ignore[attr-defined]
    ),
    Exercise(
        "closed",
        "Find an input gate nearly closed: i_t[j] < 0.1 (the cell keeps what it had).",
        "Try other units with v, and other characters.",
        reached=lambda live: live.now("i") < 0.1,  # type: ignore[attr-defined]
    ),
)

OUTPUT = _chapter(
    11,
    "o",
    [
        "The output gate decides how much of the cell state is shown:",
        "    o_t = σ(W_o h_t−1 + U_o x_t + b_o),   h_t = o_t ⊙ tanh(c_t).",
        "The cell state c_t is the LSTM's memory; h_t is what the rest of the network",
        "sees: the next layer, the output layer V, and every gate at the next step. A",
        "unit can hold something in c_t with its output gate near 0, hidden until a later",
        "input opens the gate. tanh keeps what is shown in (−1, 1) whatever c_t holds.",
    ],
    Exercise(
        "shown",
        "What does unit j show: h_t[j] = o_t[j]·tanh(c_t[j])?",
        "Take tanh of the c_t[j] shown and multiply by your o_t[j].",
        expected=lambda live: live.now("o") * math.tanh(live.cell()),  # type: ignore[attr-defined]
    ),
    Exercise(
        "hidden",
        "Find a unit that hides its memory: o_t[j] < 0.1 while |c_t[j]| > 0.5.",
        "Look for a large c_t[j] first; then watch its output gate.",
        reached=lambda live: live.now("o") < 0.1 and abs(live.cell()) > 0.5,  # type: ignore[attr-defined]
    ),
)
