"""Recurrent cells in NumPy that return every intermediate of a step.

Notation is the course's: s_t = φ(W s_{t−1} + U x_t + b), W the recurrent
matrix, U the input matrix. `CellWeights` is where that meets PyTorch's names,
once: U = `weight_ih_l{k}` (G·H, In), W = `weight_hh_l{k}` (G·H, H), and
b = `bias_ih_l{k}` + `bias_hh_l{k}` (kept apart as b_u and b_w, because the
GRU's candidate adds b_w inside its reset gate). Gates are stacked in PyTorch's
order (LSTM i, f, g, o; GRU r, z, n), so a checkpoint written from
`torch.nn.RNN/GRU/LSTM` loads here unchanged. All functions accept leading
batch dimensions: `x` is (…, In), `h` is (…, H).

Each step takes `gx = U x_t + b_u`, the input's share of every gate, from
`input_projection`; a whole sequence can be projected in one matrix product
before the recurrence runs (as cuDNN does), and a token's projection can be
looked up instead of computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from rnn_tui.engine.functions import several_rows, sigmoid


@dataclass(frozen=True)
class CellTrace:
    """One layer at one step: new states, gate values and their pre-activations."""

    h: np.ndarray
    c: np.ndarray | None = None
    gates: dict[str, np.ndarray] = field(default_factory=dict)
    pre: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class CellWeights:
    """One layer's weights: U input (G·H, In), W recurrent (G·H, H), biases (G·H,)."""

    u: np.ndarray  # PyTorch's weight_ih
    w: np.ndarray  # PyTorch's weight_hh
    b_u: np.ndarray  # bias_ih
    b_w: np.ndarray  # bias_hh
    nonlinearity: str = "tanh"  # φ of the plain RNN: tanh or relu (nn.RNN's nonlinearity)

    @property
    def hidden_size(self) -> int:
        return self.w.shape[1]

    @cached_property
    def w_t(self) -> np.ndarray:
        """Wᵀ stored row-major, (H, G·H), for batches of states (`several_rows`)."""
        return np.ascontiguousarray(self.w.T)

    def recurrent(self, h: np.ndarray) -> np.ndarray:
        """W s_{t−1} for each state: h Wᵀ, shape (…, G·H)."""
        return h @ (self.w_t if several_rows(h) else self.w.T)

    @cached_property
    def lstm_activation_scale(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, 1 − a) per gate slot, stacked i, f, g, o: a = ½ for σ, 1 for g (see lstm_step)."""
        scale = np.full(self.w.shape[0], 0.5, dtype=self.w.dtype)
        scale[2 * self.hidden_size : 3 * self.hidden_size] = 1.0
        return scale, 1.0 - scale


def input_projection(p: CellWeights, x: np.ndarray) -> np.ndarray:
    """gx = U x + b_u, shape (…, G·H)."""
    return x @ p.u.T + p.b_u


def rnn_step(p: CellWeights, gx: np.ndarray, h: np.ndarray) -> CellTrace:
    """Elman RNN:  a_t = W s_{t-1} + U x_t + b,   s_t = φ(a_t)   (b = b_u + b_w),
    φ = tanh, or relu(a) = max(a, 0)."""
    a = gx + p.recurrent(h) + p.b_w
    s = np.tanh(a) if p.nonlinearity == "tanh" else np.maximum(a, 0)
    return CellTrace(h=s, gates={}, pre={"a": a})


def gru_step(p: CellWeights, gx: np.ndarray, h: np.ndarray) -> CellTrace:
    """GRU (PyTorch's formulation):

    r_t = σ(W_r h_{t-1} + U_r x_t + b_r)                    reset gate
    z_t = σ(W_z h_{t-1} + U_z x_t + b_z)                    update gate
    n_t = tanh(U_n x_t + b_un + r_t ⊙ (W_n h_{t-1} + b_wn))   candidate
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    """
    size = p.hidden_size
    gh = p.recurrent(h)
    gh += p.b_w
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

    i_t = σ(W_i h_{t-1} + U_i x_t + b_i)      input gate
    f_t = σ(W_f h_{t-1} + U_f x_t + b_f)      forget gate
    g_t = tanh(W_g h_{t-1} + U_g x_t + b_g)   candidate
    o_t = σ(W_o h_{t-1} + U_o x_t + b_o)      output gate
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)
    """
    size = p.hidden_size
    pre = p.recurrent(h) + gx
    pre += p.b_w
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
