"""The cell equations for one unit, written out with one step's real numbers.

Pure functions from traces to lines of text; the equation panel only shows them.
Notation follows the textbook: U input weights, W recurrent weights, V output.
"""

from __future__ import annotations

import numpy as np

from rnn_tui.engine.cells import CellTrace


def _n(value: float) -> str:
    return f"{value:+.3f}"


def lstm_lines(unit: int, now: CellTrace, c_previous: np.ndarray) -> list[str]:
    j = unit
    g, pre = now.gates, now.pre
    assert now.c is not None
    c_prev = float(c_previous[j])
    lines = [
        f"i_t[{j}] = σ(W_i·[h_t-1, x_t] + b_i)[{j}] = σ({_n(pre['i'][j])}) = {g['i'][j]:.3f}",
        f"f_t[{j}] = σ(W_f·[h_t-1, x_t] + b_f)[{j}] = σ({_n(pre['f'][j])}) = {g['f'][j]:.3f}",
        f"g_t[{j}] = tanh(W_g·[h_t-1, x_t] + b_g)[{j}] = tanh({_n(pre['g'][j])}) = {_n(g['g'][j])}",
        f"o_t[{j}] = σ(W_o·[h_t-1, x_t] + b_o)[{j}] = σ({_n(pre['o'][j])}) = {g['o'][j]:.3f}",
        f"c_t[{j}] = f ⊙ c_t-1 + i ⊙ g = {g['f'][j]:.3f}×{_n(c_prev)} + "
        f"{g['i'][j]:.3f}×{_n(g['g'][j])} = {_n(now.c[j])}",
        f"h_t[{j}] = o ⊙ tanh(c_t) = {g['o'][j]:.3f}×tanh({_n(now.c[j])}) = {_n(now.h[j])}",
    ]
    return lines


def gru_lines(unit: int, now: CellTrace, h_previous: np.ndarray) -> list[str]:
    j = unit
    g, pre = now.gates, now.pre
    h_prev = float(h_previous[j])
    input_part = float(pre["n"][j] - g["r"][j] * pre["hn"][j])
    return [
        f"r_t[{j}] = σ(W_r·[h_t-1, x_t] + b_r)[{j}] = σ({_n(pre['r'][j])}) = {g['r'][j]:.3f}",
        f"z_t[{j}] = σ(W_z·[h_t-1, x_t] + b_z)[{j}] = σ({_n(pre['z'][j])}) = {g['z'][j]:.3f}",
        f"n_t[{j}] = tanh(U_n x_t + b + r ⊙ (W_n h_t-1 + b_hn))[{j}] = "
        f"tanh({_n(input_part)} + {g['r'][j]:.3f}×{_n(pre['hn'][j])}) = {_n(g['n'][j])}",
        f"h_t[{j}] = (1 − z) ⊙ n + z ⊙ h_t-1 = {1 - g['z'][j]:.3f}×{_n(g['n'][j])} + "
        f"{g['z'][j]:.3f}×{_n(h_prev)} = {_n(now.h[j])}",
    ]


def rnn_lines(unit: int, now: CellTrace) -> list[str]:
    j = unit
    return [
        "s_t = tanh(W s_t-1 + U x_t + b)",
        f"s_t[{j}] = tanh({_n(now.pre['a'][j])}) = {_n(now.h[j])}",
    ]


def window_lines(unit: int, now: CellTrace) -> list[str]:
    j = unit
    return [
        "a = tanh(W [E w_t-K+1; …; E w_t] + b)   (sees only the last K tokens)",
        f"a[{j}] = tanh({_n(now.pre['a'][j])}) = {_n(now.h[j])}",
    ]


def unit_equations(cell: str, unit: int, now: CellTrace, previous: CellTrace | None) -> list[str]:
    """Lines for `unit` of one layer at this step; `previous` is the same layer one step earlier."""
    size = now.h.shape[-1]
    if cell == "lstm":
        c_prev = previous.c if previous is not None and previous.c is not None else np.zeros(size)
        return lstm_lines(unit, now, c_prev)
    if cell == "gru":
        h_prev = previous.h if previous is not None else np.zeros(size)
        return gru_lines(unit, now, h_prev)
    if cell == "rnn":
        return rnn_lines(unit, now)
    return window_lines(unit, now)
