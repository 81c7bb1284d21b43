"""The trainer's arithmetic against formulas written out here: the learning-rate
schedule, truncated-BPTT windows and the carried state, and the clipped AdamW update."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_tui.config import DataConfig, TrainConfig
from rnn_tui.train.distributed import World
from rnn_tui.train.reporting import SilentReporter
from rnn_tui.train.run_lm import build_task
from rnn_tui.train.trainer import Trainer, scheduled_lr

MODEL = {"cell": "lstm", "hidden_size": 16, "embedding_dim": 8, "num_layers": 1}


def tiny_task(text_file: Path, **train: float):
    config = TrainConfig(batch_size=4, bptt=8, lr=1e-2, warmup_steps=0, eval_every=1000,
                         log_every=1000, device="cpu", **train)  # fmt: skip
    data = DataConfig(source=str(text_file), tokenizer="char")
    task = build_task(data, MODEL, config, World(), torch.device("cpu"))
    return task, config


@pytest.mark.parametrize(
    ("step", "fraction", "factor"),
    [(0, 0.0, 1 / 4), (3, 0.0, 4 / 4), (4, 0.0, 1.0), (50, 0.5, 0.55), (99, 1.0, 0.1),
     (120, 1.7, 0.1), (60, 0.25, 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 4)))],
)  # fmt: skip
def test_learning_rate_warms_up_then_follows_a_cosine_to_a_tenth(
    step: int, fraction: float, factor: float
) -> None:
    """Warm-up lr·(t+1)/W for t < W; then lr·(0.1 + 0.9·½(1 + cos πf)), f the fraction of
    the budget spent: from lr down to the floor 0.1·lr, never to 0."""
    config = TrainConfig(lr=3e-3, warmup_steps=4, steps=100)
    assert scheduled_lr(config, step, fraction) == pytest.approx(3e-3 * factor)


def test_bptt_windows_follow_the_stream_and_carry_the_state(repetitive_text_file: Path) -> None:
    """Window k of row r reads stream[r·L + k·T … +T] and predicts the next token of each;
    the state that ends window k starts window k+1, detached; the first starts at zero."""
    task, config = tiny_task(repetitive_text_file, steps=3)
    ids = np.asarray(task.corpus.train)
    length = len(ids) // config.batch_size
    seen: list[tuple[torch.Tensor, object, torch.Tensor]] = []
    returned: list[object] = []
    real = task.trainable

    def recording(inputs, state, targets):
        seen.append((inputs.clone(), state, targets.clone()))
        loss, new_state = real(inputs, state, targets)
        returned.append(new_state)
        return loss, new_state

    task.trainable = recording
    for _ in range(3):
        task.training_loss()
    T = config.bptt
    for k, (inputs, state, targets) in enumerate(seen):
        for r in range(config.batch_size):
            row = ids[r * length : (r + 1) * length]
            assert inputs[r].tolist() == row[k * T : (k + 1) * T].tolist()
            assert targets[r].tolist() == row[k * T + 1 : (k + 1) * T + 1].tolist()
        if k == 0:
            assert all(float(part.abs().sum()) == 0 for part in state)
        else:
            for carried, ended in zip(state, returned[k - 1], strict=True):
                assert not carried.requires_grad
                assert torch.equal(carried, ended.detach())
    assert task.position == 3 * T


@pytest.mark.parametrize("clip", [0.02, 0.0])
def test_an_update_is_adamw_on_the_clipped_gradient(repetitive_text_file: Path, tmp_path: Path,
                                                    clip: float) -> None:  # fmt: skip
    """Two trainer steps equal two AdamW steps written out on the same windows, with the
    gradient scaled by min(1, c/‖g‖) first (c = 0: no clipping), at the scheduled rates."""
    task, config = tiny_task(repetitive_text_file, steps=2, clip=clip, weight_decay=0.01)
    reference = copy.deepcopy(task.model)
    rows = task.rows.clone()
    Trainer(task, config, tmp_path, SilentReporter(), {}, torch.device("cpu")).run()

    # AdamW written out in float64 (β = (0.9, 0.99), ε = 1e-8), weight decay 0.01 on the
    # matrices but the embedding's, for each parameter θ with gradient g at step t:
    # θ ← θ(1 − ηλ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
    # θ ← θ − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
    parameters = dict(reference.named_parameters())
    theta = {n: p.detach().double().numpy().copy() for n, p in parameters.items()}
    m = {n: np.zeros_like(x) for n, x in theta.items()}
    v = {n: np.zeros_like(x) for n, x in theta.items()}
    decay = {n: 0.01 if p.ndim >= 2 and "embedding" not in n else 0.0
             for n, p in parameters.items()}  # fmt: skip
    beta1, beta2 = 0.9, 0.99
    state = reference.initial_state(config.batch_size, "cpu")
    norms = []
    for step in range(2):
        inputs, targets = rows[:, step * 8 : step * 8 + 8], rows[:, step * 8 + 1 : step * 8 + 9]
        logits, state = reference(inputs, state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        reference.zero_grad()
        loss.backward()
        state = tuple(s.detach() for s in state)
        norm = math.sqrt(sum(float((p.grad**2).sum()) for p in reference.parameters()))
        norms.append(norm)
        scale = min(1.0, clip / (norm + 1e-6)) if clip else 1.0
        lr = config.lr * (0.1 + 0.45 * (1 + math.cos(math.pi * step / 2)))
        t = step + 1
        for name, p in parameters.items():
            g = p.grad.double().numpy() * scale
            theta[name] *= 1 - lr * decay[name]
            m[name] = beta1 * m[name] + (1 - beta1) * g
            v[name] = beta2 * v[name] + (1 - beta2) * g * g
            m_hat, v_hat = m[name] / (1 - beta1**t), v[name] / (1 - beta2**t)
            theta[name] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
            with torch.no_grad():
                p.copy_(torch.from_numpy(theta[name]))
    if clip:
        assert min(norms) > 5 * clip  # the clip really bites
    for (name, trained), expected in zip(
        task.model.named_parameters(), reference.parameters(), strict=True
    ):
        torch.testing.assert_close(trained, expected, atol=2e-6, rtol=1e-5, msg=name)
