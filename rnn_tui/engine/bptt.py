"""Backpropagation through time, written out by hand in NumPy.

For a token sequence w_0 … w_T the loss is

    L = Σ_{t=0}^{T-1} L_t,   L_t = −log p(w_{t+1} | w_≤t),   p_t = softmax(z_t),  z_t = V h_t + b_V

and the backward pass runs the chain rule from the last step to the first.

Output layer (per step):
    δz_t = p_t − onehot(w_{t+1})
    ∂L/∂V += δz_t h_tᵀ,   ∂L/∂b_V += δz_t,   δh_t (top layer) += Vᵀ δz_t

Recurrence, for each layer from the top down and t = T−1 … 0 (δh carries the
gradient arriving from step t+1; δx goes to the layer below, or the embedding):

  RNN   s_t = φ(a_t),  a_t = U x_t + W s_{t−1} + b
        δa = δs ⊙ (1 − s_t²)   (φ = tanh);   δa = δs ⊙ [a_t > 0]   (φ = relu)
        ∂L/∂U += δa x_tᵀ,  ∂L/∂W += δa s_{t−1}ᵀ,  ∂L/∂b += δa
        δx_t = Uᵀ δa,   δs_{t−1} += Wᵀ δa

  LSTM  c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
        δo = δh ⊙ tanh(c_t)
        δc = δc_{t+1→t} + δh ⊙ o ⊙ (1 − tanh²(c_t))
        δi = δc ⊙ g,  δg = δc ⊙ i,  δf = δc ⊙ c_{t−1},  δc_{t−1} = δc ⊙ f
        δpre = [δi ⊙ i(1−i); δf ⊙ f(1−f); δg ⊙ (1−g²); δo ⊙ o(1−o)]
        ∂L/∂U += δpre x_tᵀ,  ∂L/∂W += δpre h_{t−1}ᵀ,  biases += δpre
        δx_t = Uᵀ δpre,   δh_{t−1} += Wᵀ δpre

  GRU   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1},  n = tanh(gx_n + r ⊙ hn),  hn = W_n h_{t−1} + b_wn
        δn = δh ⊙ (1 − z),  δz = δh ⊙ (h_{t−1} − n),  δh_{t−1} = δh ⊙ z
        δn_pre = δn ⊙ (1 − n²),  δr = δn_pre ⊙ hn,  δhn = δn_pre ⊙ r
        δgx = [δr ⊙ r(1−r); δz ⊙ z(1−z); δn_pre]    (input side, U, b_u)
        δgh = [δr ⊙ r(1−r); δz ⊙ z(1−z); δhn]       (recurrent side, W, b_w)
        δx_t = Uᵀ δgx,   δh_{t−1} += Wᵀ δgh

Embedding: ∂L/∂E[w_t] += δx_t of the first layer.

`δh_k` for the loss at one position t alone is ∂L_t/∂h_k: the gradient that
reaches step k from step t through every path. Its norm against k is the
picture of vanishing and exploding gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_tui.engine.cells import CellTrace
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.errors import UserError


@dataclass(frozen=True)
class ForwardRecord:
    """Everything the backward pass needs: per step and layer, the input and the trace."""

    inputs: np.ndarray  # (T,) token ids fed
    targets: np.ndarray  # (T,) token ids to predict
    layer_inputs: list[list[np.ndarray]]  # [layer][t] → x_t of that layer
    traces: list[list[CellTrace]]  # [layer][t]
    initial: list[tuple[np.ndarray, np.ndarray | None]]  # per layer (h_{-1}, c_{-1})
    probs: np.ndarray  # (T, V)


@dataclass(frozen=True)
class Gradients:
    """∂L/∂θ for every parameter (checkpoint names) and δh per layer and step."""

    loss: float
    losses: np.ndarray  # (T,) per-step L_t
    parameters: dict[str, np.ndarray]
    hidden: np.ndarray  # (layers, T, H): ∂L/∂h_t^{(l)} (total derivative)


def _require_recurrent(model: LanguageModel) -> None:
    if not model.is_recurrent:
        raise UserError(
            "gradients through time need a recurrent model (rnn, gru or lstm), not ffnn"
        )
    if model.adaptive:
        raise UserError(
            "gradients through time are written for the full softmax; "
            "this model uses --softmax adaptive"
        )


def forward(model: LanguageModel, tokens: np.ndarray | list[int]) -> ForwardRecord:
    """Run the model over tokens[:-1] from the zero state, predicting tokens[1:]."""
    _require_recurrent(model)
    tokens = np.asarray(tokens, dtype=np.int64)
    if len(tokens) < 2:
        raise UserError("gradients need a text of at least 2 tokens")
    inputs, targets = tokens[:-1], tokens[1:]
    state = model.initial_state()
    layers = model.config.num_layers
    layer_inputs: list[list[np.ndarray]] = [[] for _ in range(layers)]
    traces: list[list[CellTrace]] = [[] for _ in range(layers)]
    probs = []
    for token in inputs:
        step = model.step(int(token), state)
        x = model.embedding[token]
        for layer in range(layers):
            layer_inputs[layer].append(x)
            traces[layer].append(step.layers[layer])
            x = step.layers[layer].h
        probs.append(step.probs)
        state = step.state
    return ForwardRecord(
        inputs=inputs,
        targets=targets,
        layer_inputs=layer_inputs,
        traces=traces,
        initial=list(model.initial_state()),
        probs=np.stack(probs),
    )


def _previous(record: ForwardRecord, layer: int, t: int) -> tuple[np.ndarray, np.ndarray | None]:
    if t == 0:
        return record.initial[layer]
    trace = record.traces[layer][t - 1]
    return trace.h, trace.c


def backward(model: LanguageModel, record: ForwardRecord, dlogits: np.ndarray) -> Gradients:
    """Gradients for a loss whose derivative with respect to the logits is `dlogits` (T, V)."""
    cell = model.config.cell
    steps = len(record.inputs)
    size = model.config.hidden_size
    layers = model.config.num_layers
    dtype = model.dtype
    grads = {name: np.zeros_like(w, dtype=dtype) for name, w in model.weights.items()}
    tops = np.stack([trace.h for trace in record.traces[-1]])  # (T, H)
    grads["decoder.weight"] += dlogits.T @ tops
    grads["decoder.bias"] += dlogits.sum(axis=0)
    from_above = dlogits @ model.decoder_w  # (T, H): δh_t of the top layer from the output
    hidden = np.zeros((layers, steps, size), dtype=dtype)
    for layer in reversed(range(layers)):
        p = model.cells[layer]
        names = [
            f"rnn.{kind}_l{layer}" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        ]
        dw_ih, dw_hh, db_ih, db_hh = (grads[name] for name in names)
        dx_all = np.zeros((steps, p.u.shape[1]), dtype=dtype)
        dh_next = np.zeros(size, dtype=dtype)
        dc_next = np.zeros(size, dtype=dtype)
        for t in reversed(range(steps)):
            trace = record.traces[layer][t]
            h_prev, c_prev = _previous(record, layer, t)
            x = record.layer_inputs[layer][t]
            dh = from_above[t] + dh_next
            hidden[layer, t] = dh
            if cell == "lstm":
                i, f, g, o = (trace.gates[k] for k in "ifgo")
                assert trace.c is not None and c_prev is not None
                tanh_c = np.tanh(trace.c)
                do = dh * tanh_c
                dc = dc_next + dh * o * (1.0 - tanh_c**2)
                dpre = np.concatenate(
                    [
                        dc * g * i * (1 - i),
                        dc * c_prev * f * (1 - f),
                        dc * i * (1 - g**2),
                        do * o * (1 - o),
                    ]
                )
                dc_next = dc * f
                dgx = dgh = dpre
            elif cell == "gru":
                r, z, n = (trace.gates[k] for k in "rzn")
                hn = trace.pre["hn"]
                dn_pre = dh * (1 - z) * (1 - n**2)
                dr_pre = dn_pre * hn * r * (1 - r)
                dz_pre = dh * (h_prev - n) * z * (1 - z)
                dgx = np.concatenate([dr_pre, dz_pre, dn_pre])
                dgh = np.concatenate([dr_pre, dz_pre, dn_pre * r])
                dh_direct = dh * z
            else:
                slope = 1.0 - trace.h**2 if p.nonlinearity == "tanh" else trace.pre["a"] > 0
                da = dh * slope
                dgx = dgh = da
            dw_ih += np.outer(dgx, x)
            db_ih += dgx
            dw_hh += np.outer(dgh, h_prev)
            db_hh += dgh
            dx_all[t] = p.u.T @ dgx
            dh_next = p.w.T @ dgh + (dh_direct if cell == "gru" else 0.0)
        if layer > 0:
            from_above = dx_all
        else:
            np.add.at(grads["embedding.weight"], record.inputs, dx_all)
    if model.config.tie_weights:
        shared = grads["embedding.weight"] + grads["decoder.weight"]
        grads["embedding.weight"] = shared
        grads["decoder.weight"] = shared.copy()
    return Gradients(loss=0.0, losses=np.zeros(0), parameters=grads, hidden=hidden)


def cross_entropy_grad(record: ForwardRecord) -> tuple[np.ndarray, np.ndarray]:
    """Per-step losses L_t = −log p_t[w_{t+1}] and ∂L/∂z_t = p_t − onehot(w_{t+1})."""
    steps = np.arange(len(record.targets))
    picked = record.probs[steps, record.targets]
    losses = -np.log(np.maximum(picked, np.finfo(record.probs.dtype).tiny))
    dlogits = record.probs.copy()
    dlogits[steps, record.targets] -= 1.0
    return losses, dlogits


def record_gradients(model: LanguageModel, record: ForwardRecord) -> Gradients:
    """L = Σ_t L_t over a recorded forward pass and ∂L/∂θ for every parameter."""
    losses, dlogits = cross_entropy_grad(record)
    result = backward(model, record, dlogits)
    return Gradients(
        loss=float(losses.sum()), losses=losses, parameters=result.parameters, hidden=result.hidden
    )


def bptt(model: LanguageModel, tokens: np.ndarray | list[int]) -> Gradients:
    """L = Σ_t L_t over the sequence and ∂L/∂θ for every parameter."""
    return record_gradients(model, forward(model, tokens))


def record_flow(
    model: LanguageModel, record: ForwardRecord, position: int | None = None
) -> np.ndarray:
    """‖∂L_t/∂h_k‖ for k = 0 … t, per layer, from a recorded forward pass: (layers, t+1).

    Only the loss at position t (default: the last) is differentiated, so the norms
    show how much of that loss's gradient survives the trip back to each earlier step.
    """
    steps = len(record.inputs)
    t = steps - 1 if position is None else position
    if not 0 <= t < steps:
        raise UserError(f"--position: expected 0 … {steps - 1} for this text, got {position}")
    _, dlogits = cross_entropy_grad(record)
    only_t = np.zeros_like(dlogits)
    only_t[t] = dlogits[t]
    hidden = backward(model, record, only_t).hidden  # (layers, T, H)
    return np.linalg.norm(hidden[:, : t + 1], axis=-1)


def loss_gradient_flow(
    model: LanguageModel, tokens: np.ndarray | list[int], position: int | None = None
) -> np.ndarray:
    """‖∂L_t/∂h_k‖ for k = 0 … t, per layer: shape (layers, t+1). Default t: the last step."""
    return record_flow(model, forward(model, tokens), position)


def all_pairs_gradient_norms(model: LanguageModel, tokens: np.ndarray | list[int]) -> np.ndarray:
    """‖∂L_t/∂h_k‖ for every k ≤ t (zero above the diagonal): shape (layers, T, T) as [l, t, k]."""
    record = forward(model, tokens)
    steps = len(record.inputs)
    norms = np.zeros((model.config.num_layers, steps, steps))
    for t in range(steps):
        norms[:, t, : t + 1] = record_flow(model, record, t)
    return norms


def global_norm(gradients: dict[str, np.ndarray], tied: bool = False) -> float:
    """‖g‖ = sqrt(Σ_θ ‖∂L/∂θ‖²), counting a tied matrix once (as torch's clip_grad_norm_ does)."""
    names = [n for n in gradients if not (tied and n == "decoder.weight")]
    return float(np.sqrt(sum(float((gradients[n].astype(np.float64) ** 2).sum()) for n in names)))


def clipped(
    gradients: dict[str, np.ndarray], max_norm: float, tied: bool = False
) -> dict[str, np.ndarray]:
    """g ← g · min(1, max_norm / ‖g‖)  (global-norm clipping)."""
    norm = global_norm(gradients, tied)
    scale = min(1.0, max_norm / (norm + 1e-6))
    return {name: g * scale for name, g in gradients.items()}
