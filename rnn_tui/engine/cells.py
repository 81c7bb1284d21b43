"""Recurrent cells in NumPy that return every intermediate of a step.

Weights use PyTorch's names and layouts (`weight_ih_l{k}` is (G·H, In),
`weight_hh_l{k}` is (G·H, H), gates stacked in PyTorch's order), so a
checkpoint written from `torch.nn.RNN/GRU/LSTM` loads here unchanged.
All functions accept leading batch dimensions: `x` is (…, In), `h` is (…, H).

Each step takes `gx = W_ih x_t + b_ih`, the input's share of every gate, from
`input_projection`; a whole sequence can be projected in one matrix product
before the recurrence runs (as cuDNN does), and a token's projection can be
looked up instead of computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from rnn_tui.engine.functions import sigmoid


@dataclass(frozen=True)
class CellTrace:
    """One layer at one step: new states, gate values and their pre-activations."""

    h: np.ndarray
    c: np.ndarray | None = None
    gates: dict[str, np.ndarray] = field(default_factory=dict)
    pre: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class CellWeights:
    """W_ih (G·H, In), W_hh (G·H, H), b_ih and b_hh (G·H,) of one layer."""

    w_ih: np.ndarray
    w_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray

    @property
    def hidden_size(self) -> int:
        return self.w_hh.shape[1]

    @cached_property
    def lstm_activation_scale(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, 1 − a) per gate slot, stacked i, f, g, o: a = ½ for σ, 1 for g (see lstm_step)."""
        scale = np.full(self.w_hh.shape[0], 0.5, dtype=self.w_hh.dtype)
        scale[2 * self.hidden_size : 3 * self.hidden_size] = 1.0
        return scale, 1.0 - scale


def input_projection(p: CellWeights, x: np.ndarray) -> np.ndarray:
    """gx = W_ih x + b_ih, shape (…, G·H)."""
    return x @ p.w_ih.T + p.b_ih


def rnn_step(p: CellWeights, gx: np.ndarray, h: np.ndarray) -> CellTrace:
    """Elman RNN:  a_t = W x_t + b_W + U s_{t-1} + b_U,   s_t = tanh(a_t).

    (The seed notation `s_t = tanh(W s_{t-1} + U x_t + b)` names the matrices the
    other way round; PyTorch calls the input matrix `weight_ih` and the
    recurrent one `weight_hh`.)
    """
    a = gx + h @ p.w_hh.T + p.b_hh
    s = np.tanh(a)
    return CellTrace(h=s, gates={}, pre={"a": a})


def gru_step(p: CellWeights, gx: np.ndarray, h: np.ndarray) -> CellTrace:
    """GRU (PyTorch's formulation):

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))  candidate
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    """
    size = p.hidden_size
    gh = h @ p.w_hh.T
    gh += p.b_hh
    pre_rz = gx[..., : 2 * size] + gh[..., : 2 * size]
    rz = sigmoid(pre_rz)
    r, z = rz[..., :size], rz[..., size:]
    hn = gh[..., 2 * size :]
    pre_n = r * hn
    pre_n += gx[..., 2 * size :]
    n = np.tanh(pre_n)
    h_new = h - n
    h_new *= z
    h_new += n  # (1 − z) ⊙ n + z ⊙ h written as n + z ⊙ (h − n)
    return CellTrace(
        h=h_new,
        gates={"r": r, "z": z, "n": n},
        pre={"r": pre_rz[..., :size], "z": pre_rz[..., size:], "n": pre_n, "hn": hn},
    )


def lstm_step(p: CellWeights, gx: np.ndarray, h: np.ndarray, c: np.ndarray) -> CellTrace:
    """LSTM (gates stacked i, f, g, o as in PyTorch):

    i_t = σ(W_i·[h_{t-1}, x_t] + b_i)      input gate
    f_t = σ(W_f·[h_{t-1}, x_t] + b_f)      forget gate
    g_t = tanh(W_g·[h_{t-1}, x_t] + b_g)   candidate
    o_t = σ(W_o·[h_{t-1}, x_t] + b_o)      output gate
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)
    """
    size = p.hidden_size
    pre = h @ p.w_hh.T + gx
    pre += p.b_hh
    # All four activations in one pass: a·tanh(a·x) + (1 − a) is σ(x) where a = ½
    # (σ(x) = ½·tanh(½x) + ½) and tanh(x) where a = 1 (the g slot).
    scale, offset = p.lstm_activation_scale
    act = pre * scale
    np.tanh(act, out=act)
    act *= scale
    act += offset
    i, f = act[..., :size], act[..., size : 2 * size]
    g, o = act[..., 2 * size : 3 * size], act[..., 3 * size :]
    c_new = f * c
    c_new += i * g
    h_new = np.tanh(c_new)
    h_new *= o
    return CellTrace(
        h=h_new,
        c=c_new,
        gates={"i": i, "f": f, "g": g, "o": o},
        pre={
            "i": pre[..., :size],
            "f": pre[..., size : 2 * size],
            "g": pre[..., 2 * size : 3 * size],
            "o": pre[..., 3 * size :],
        },
    )


GATE_COUNT = {"rnn": 1, "gru": 3, "lstm": 4}


def cell_step(
    cell: str, p: CellWeights, gx: np.ndarray, h: np.ndarray, c: np.ndarray | None
) -> CellTrace:
    """One step of the named cell (`c` is used by the LSTM only)."""
    if cell == "lstm":
        assert c is not None
        return lstm_step(p, gx, h, c)
    if cell == "gru":
        return gru_step(p, gx, h)
    return rnn_step(p, gx, h)
