"""The cell equations for one unit, written out with one step's real numbers.

Pure functions from traces to lines of text; the equation panel only shows them.
Notation is the course's: s_t = φ(W s_{t−1} + U x_t + b), with W the recurrent
matrix (PyTorch's `weight_hh`), U the input matrix (`weight_ih`) and V the output
matrix; gated cells write h for the state and give each gate its own W, U, b.

Every line is an equation that holds as printed: recomputing its right-hand side
from the printed numbers and rounding to the printed result's last digit gives
the printed result. Factors get as many decimals as that needs (a forget gate of
0.998 beside a cell state of −411 needs six); the result keeps three where float32
allows.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rnn_tui.engine.cells import CellTrace

RESULT_DECIMALS = 3
MOST_DECIMALS = 9


class Printed:
    """Numbers written with a given number of decimals, and their values as written."""

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals

    def signed(self, value: float) -> tuple[str, float]:
        text = f"{float(value):+.{self.decimals}f}"
        return text, float(text)

    def plain(self, value: float) -> tuple[str, float]:
        text = f"{float(value):.{self.decimals}f}"
        return text, float(text)


# A line's left side at a given number of decimals: (text, its value from the printed numbers).
LeftSide = Callable[[Printed], tuple[str, float]]


def holding(left: LeftSide, result: float, signed: bool = True) -> str:
    """`left = result`, with the fewest decimals for which the printed left side, evaluated,
    rounds to the printed result."""
    line = ""
    for result_decimals in range(RESULT_DECIMALS, MOST_DECIMALS + 1):
        form = f"{'+' if signed else ''}.{result_decimals}f"
        shown = format(float(result), form)
        for decimals in range(result_decimals, MOST_DECIMALS + 1):
            text, value = left(Printed(decimals))
            line = f"{text} = {shown}"
            if format(value, form) == shown:
                return line
    return line


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


ACTIVATIONS = {"σ": _sigmoid, "tanh": math.tanh, "relu": lambda x: max(x, 0.0)}


def activation_line(head: str, name: str, pre: float, after: float) -> str:
    """`head = σ(pre) = after` (or tanh, relu)."""
    function = ACTIVATIONS[name]

    def left(p: Printed) -> tuple[str, float]:
        text, value = p.signed(pre)
        return f"{head} = {name}({text})", function(value)

    return holding(left, after, signed=name != "σ")


def lstm_lines(unit: int, now: CellTrace, c_previous: np.ndarray, short: bool) -> list[str]:
    j = unit
    g, pre = now.gates, now.pre
    assert now.c is not None
    c_prev = float(c_previous[j])

    def cell_state(p: Printed) -> tuple[str, float]:
        (f, fv), (c, cv) = p.plain(g["f"][j]), p.signed(c_prev)
        (i, iv), (gg, gv) = p.plain(g["i"][j]), p.signed(g["g"][j])
        head = f"c_t[{j}] =" if short else f"c_t[{j}] = f ⊙ c_t-1 + i ⊙ g ="
        return f"{head} {f}×{c} + {i}×{gg}", fv * cv + iv * gv

    def hidden(p: Printed) -> tuple[str, float]:
        (o, ov), (c, cv) = p.plain(g["o"][j]), p.signed(now.c[j])
        head = f"h_t[{j}] =" if short else f"h_t[{j}] = o ⊙ tanh(c_t) ="
        return f"{head} {o}×tanh({c})", ov * math.tanh(cv)

    gate = "{k}_t[{j}]" if short else "{k}_t[{j}] = {f}(W_{k} h_t-1 + U_{k} x_t + b_{k})[{j}]"
    return [
        activation_line(gate.format(k="i", j=j, f="σ"), "σ", pre["i"][j], g["i"][j]),
        activation_line(gate.format(k="f", j=j, f="σ"), "σ", pre["f"][j], g["f"][j]),
        activation_line(gate.format(k="g", j=j, f="tanh"), "tanh", pre["g"][j], g["g"][j]),
        activation_line(gate.format(k="o", j=j, f="σ"), "σ", pre["o"][j], g["o"][j]),
        holding(cell_state, now.c[j]),
        holding(hidden, now.h[j]),
    ]


def gru_lines(unit: int, now: CellTrace, h_previous: np.ndarray, short: bool) -> list[str]:
    j = unit
    g, pre = now.gates, now.pre
    h_prev = float(h_previous[j])
    input_part = float(pre["n"][j] - g["r"][j] * pre["hn"][j])

    def candidate(p: Printed) -> tuple[str, float]:
        (u, uv), (r, rv), (w, wv) = p.signed(input_part), p.plain(g["r"][j]), p.signed(pre["hn"][j])
        head = f"n_t[{j}]"
        if not short:
            head += f" = tanh(U_n x_t + b_n + r ⊙ (W_n h_t-1 + b_hn))[{j}]"
        return f"{head} = tanh({u} + {r}×{w})", math.tanh(uv + rv * wv)

    def hidden(p: Printed) -> tuple[str, float]:
        (keep, kv), (n, nv) = p.plain(1 - g["z"][j]), p.signed(g["n"][j])
        (z, zv), (h, hv) = p.plain(g["z"][j]), p.signed(h_prev)
        head = f"h_t[{j}] =" if short else f"h_t[{j}] = (1 − z) ⊙ n + z ⊙ h_t-1 ="
        return f"{head} {keep}×{n} + {z}×{h}", kv * nv + zv * hv

    gate = "{k}_t[{j}]" if short else "{k}_t[{j}] = σ(W_{k} h_t-1 + U_{k} x_t + b_{k})[{j}]"
    return [
        activation_line(gate.format(k="r", j=j), "σ", pre["r"][j], g["r"][j]),
        activation_line(gate.format(k="z", j=j), "σ", pre["z"][j], g["z"][j]),
        holding(candidate, g["n"][j]),
        holding(hidden, now.h[j]),
    ]


def rnn_lines(unit: int, now: CellTrace, nonlinearity: str = "tanh") -> list[str]:
    j = unit
    return [
        f"s_t = {nonlinearity}(W s_t-1 + U x_t + b)",
        activation_line(f"s_t[{j}]", nonlinearity, now.pre["a"][j], now.h[j]),
    ]


def window_lines(unit: int, now: CellTrace, short: bool) -> list[str]:
    j = unit
    return [
        "a = tanh(U [E w_t-K+1; …; E w_t] + b)" + ("" if short else "  (only the last K tokens)"),
        activation_line(f"a[{j}]", "tanh", now.pre["a"][j], now.h[j]),
    ]


def unit_equations(
    cell: str,
    unit: int,
    now: CellTrace,
    previous: CellTrace | None,
    short: bool = False,
    nonlinearity: str = "tanh",
) -> list[str]:
    """Lines for `unit` of one layer at this step; `previous` is the same layer one step earlier.
    `short` leaves out each line's symbolic middle (`i_t[3] = σ(+0.5) = 0.622`), for narrow
    panels; `nonlinearity` is the plain RNN's φ."""
    size = now.h.shape[-1]
    if cell == "lstm":
        c_prev = previous.c if previous is not None and previous.c is not None else np.zeros(size)
        return lstm_lines(unit, now, c_prev, short)
    if cell == "gru":
        h_prev = previous.h if previous is not None else np.zeros(size)
        return gru_lines(unit, now, h_prev, short)
    if cell == "rnn":
        return rnn_lines(unit, now, nonlinearity)
    return window_lines(unit, now, short)
