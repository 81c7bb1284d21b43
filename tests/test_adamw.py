"""rnn_tui.train.adamw, both ways it updates (PyTorch's fused kernel and the update written
out), against AdamW's formula in float64 NumPy, and (in the whole suite) against
torch.optim.AdamW. The quick loop leaves torch.optim out: importing it brings in
torch._dynamo, 2.4 s of a test process's time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rnn_tui.train.adamw import AdamW


def two_groups(seed: int) -> tuple[list[torch.Tensor], list[dict]]:
    """A matrix and a vector with weight decay, a bias without, and a tensor never given a
    gradient: the shapes and groups the trainer makes."""
    generator = torch.Generator().manual_seed(seed)
    tensors = [
        torch.randn(5, 3, generator=generator),
        torch.randn(7, generator=generator),
        torch.randn(4, generator=generator),
        torch.randn(2, 2, generator=generator),
    ]
    tensors = [t.requires_grad_() for t in tensors]
    groups = [
        {"params": tensors[:2], "weight_decay": 0.1},
        {"params": tensors[2:], "weight_decay": 0.0, "betas": (0.8, 0.95)},
    ]
    return tensors, groups


def give_gradients(tensors: list[torch.Tensor], step: int) -> None:
    generator = torch.Generator().manual_seed(100 + step)
    for index, tensor in enumerate(tensors):
        tensor.grad = None if index == 3 else torch.randn(tensor.shape, generator=generator)


def run(optimizer, tensors: list[torch.Tensor], steps: range) -> None:
    for step in steps:
        give_gradients(tensors, step)
        for group in optimizer.param_groups:  # a schedule, as the trainer sets it
            group["lr"] = 0.05 / (1 + step)
        optimizer.step()


def formula_steps(seed: int, steps: range) -> list[np.ndarray]:
    """two_groups(seed) after `steps` of `run`, by AdamW's formula in float64:
    θ ← θ(1 − ηλ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
    θ ← θ − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε), each tensor counting its own t."""
    tensors, groups = two_groups(seed)
    theta = [t.detach().double().numpy().copy() for t in tensors]
    m = [np.zeros_like(x) for x in theta]
    v = [np.zeros_like(x) for x in theta]
    taken = [0] * len(theta)
    settings = []  # (λ, β₁, β₂) per tensor, from its group; ε = 1e-3 as the tests give it
    for group in groups:
        beta1, beta2 = group.get("betas", (0.9, 0.99))
        settings += [(group["weight_decay"], beta1, beta2)] * len(group["params"])
    for step in steps:
        give_gradients(tensors, step)
        lr = 0.05 / (1 + step)
        for i, tensor in enumerate(tensors):
            if tensor.grad is None:
                continue
            g = tensor.grad.double().numpy()
            decay, beta1, beta2 = settings[i]
            taken[i] += 1
            t = taken[i]
            theta[i] = theta[i] * (1 - lr * decay)
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat, v_hat = m[i] / (1 - beta1**t), v[i] / (1 - beta2**t)
            theta[i] = theta[i] - lr * m_hat / (np.sqrt(v_hat) + 1e-3)
    return theta


@pytest.mark.parametrize("fused", [True, False])
def test_steps_follow_the_formula(fused: bool) -> None:
    """Six steps with a changing rate and two groups' settings: AdamW's formula, computed
    here in float64; a tensor without a gradient is left alone and gets no state."""
    tensors, groups = two_groups(0)
    optimizer = AdamW(groups, lr=0.05, betas=(0.9, 0.99), eps=1e-3, fused=fused)
    untouched = tensors[3].detach().clone()
    run(optimizer, tensors, range(6))
    for mine, expected in zip(tensors, formula_steps(0, range(6)), strict=True):
        np.testing.assert_allclose(mine.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert torch.equal(tensors[3], untouched)
    assert tensors[3] not in optimizer.state
    assert float(optimizer.state[tensors[0]]["step"]) == 6


@pytest.mark.parametrize("fused", [True, False])
def test_a_saved_state_resumes_step_for_step(fused: bool) -> None:
    """Three steps, the state saved (its groups through JSON, as resume.safetensors keeps
    them) and loaded into an optimiser made with other settings, three more steps: the
    tensors of six steps without a break, to the bit."""
    whole, whole_groups = two_groups(5)
    run(AdamW(whole_groups, lr=0.05, betas=(0.9, 0.99), fused=fused), whole, range(6))

    tensors, groups = two_groups(5)
    first = AdamW(groups, lr=0.05, betas=(0.9, 0.99), fused=fused)
    run(first, tensors, range(3))
    saved = first.state_dict()
    saved["param_groups"] = json.loads(json.dumps(saved["param_groups"]))
    plain_groups = [{"params": group["params"]} for group in groups]
    second = AdamW(plain_groups, betas=(0.5, 0.5), eps=0.1, weight_decay=0.5, fused=fused)
    second.load_state_dict(saved)
    run(second, tensors, range(3, 6))
    for resumed, expected in zip(tensors, whole, strict=True):
        assert torch.equal(resumed, expected)


@pytest.mark.slow
@pytest.mark.parametrize("fused", [True, False])
def test_steps_match_torchs_adamw(fused: bool) -> None:
    """Six steps with a changing rate: the same tensors as torch.optim.AdamW's; a tensor
    without a gradient is left alone and gets no state."""
    ours_tensors, ours_groups = two_groups(0)
    torch_tensors, torch_groups = two_groups(0)
    ours = AdamW(ours_groups, lr=0.05, betas=(0.9, 0.99), eps=1e-3, fused=fused)
    reference = torch.optim.AdamW(
        torch_groups, lr=0.05, betas=(0.9, 0.99), eps=1e-3, foreach=False, fused=False
    )
    untouched = ours_tensors[3].detach().clone()
    run(ours, ours_tensors, range(6))
    run(reference, torch_tensors, range(6))
    for mine, expected in zip(ours_tensors, torch_tensors, strict=True):
        torch.testing.assert_close(mine, expected, atol=1e-6, rtol=1e-6)
    assert torch.equal(ours_tensors[3], untouched)
    assert ours_tensors[3] not in ours.state
    assert float(ours.state[ours_tensors[0]]["step"]) == 6


@pytest.mark.slow
@pytest.mark.parametrize("fused", [True, False])
def test_a_state_saved_by_torch_continues_here_as_torch_would(fused: bool) -> None:
    """Runs saved before this class existed hold torch's optimiser state (its groups
    through JSON, as resume.safetensors keeps them): three steps in torch, then three here,
    equal six in torch. Saving and loading here gives back the same state."""
    ours_tensors, ours_groups = two_groups(1)
    torch_tensors, torch_groups = two_groups(1)
    reference = torch.optim.AdamW(torch_groups, lr=0.05, weight_decay=0.0, fused=True)
    run(reference, torch_tensors, range(3))
    for mine, theirs in zip(ours_tensors, torch_tensors, strict=True):
        mine.data.copy_(theirs.data)
    saved = reference.state_dict()
    saved["param_groups"] = json.loads(json.dumps(saved["param_groups"]))
    plain_groups = [{"params": group["params"]} for group in ours_groups]  # settings: the load's
    ours = AdamW(plain_groups, lr=1.0, betas=(0.5, 0.5), eps=0.1, weight_decay=0.5, fused=fused)
    ours.load_state_dict(saved)
    assert [g["betas"] for g in ours.param_groups] == [(0.9, 0.999), (0.8, 0.95)]
    run(ours, ours_tensors, range(3, 6))
    run(reference, torch_tensors, range(3, 6))
    for mine, expected in zip(ours_tensors, torch_tensors, strict=True):
        torch.testing.assert_close(mine, expected, atol=1e-6, rtol=1e-6)

    again = AdamW(two_groups(1)[1], fused=fused)
    again.load_state_dict(ours.state_dict())
    for (index, values), (_, expected) in zip(
        again.state_dict()["state"].items(), ours.state_dict()["state"].items(), strict=True
    ):
        assert values.keys() == expected.keys() == {"step", "exp_avg", "exp_avg_sq"}, index
        for key in values:
            assert torch.equal(values[key], expected[key]), (index, key)


@pytest.mark.parametrize("fused", [True, False])
def test_under_a_gradient_scaler_a_non_finite_gradient_skips_the_step(fused: bool) -> None:
    """`--precision fp16`'s scaler flow (scale, unscale, step, update), with an overflow at
    the second of four steps: the tensors and step counts of the three other steps taken
    without a scaler, as if the second had not happened."""

    def train(steps: list[int], scaled: bool) -> tuple[list[torch.Tensor], AdamW]:
        tensors, groups = two_groups(4)
        optimizer = AdamW(groups, lr=0.05, fused=fused)
        scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, enabled=scaled)
        for step in steps:
            generator = torch.Generator().manual_seed(step)
            loss = sum((t * torch.randn(t.shape, generator=generator)).sum() for t in tensors)
            if step == 1:
                loss = loss * float("inf")
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            scaler.step(optimizer)
            scaler.update()
        return tensors, optimizer

    scaled, optimizer = train([0, 1, 2, 3], scaled=True)
    expected, _ = train([0, 2, 3], scaled=False)
    for mine, theirs in zip(scaled, expected, strict=True):
        assert torch.isfinite(mine).all()
        torch.testing.assert_close(mine, theirs, atol=1e-6, rtol=1e-6)
    assert float(optimizer.state[scaled[0]]["step"]) == 3


def test_a_state_for_other_groups_is_refused() -> None:
    tensors, groups = two_groups(2)
    saved = AdamW(groups).state_dict()
    with pytest.raises(ValueError, match="groups of other sizes"):
        AdamW([{"params": tensors}]).load_state_dict(saved)


def test_zero_grad_drops_or_zeroes_the_gradients() -> None:
    tensors, groups = two_groups(3)
    optimizer = AdamW(groups)
    give_gradients(tensors, 0)
    optimizer.zero_grad(set_to_none=False)
    assert all(t.grad is None or not t.grad.any() for t in tensors)
    assert tensors[0].grad is not None
    optimizer.zero_grad()
    assert all(t.grad is None for t in tensors)


@pytest.mark.slow
def test_training_never_imports_torchs_compiler(repetitive_text_file: Path, tmp_path: Path) -> None:
    """The reason for this class: torch.optim imports torch._dynamo, 1.5-2.5 s of a run's
    start. A whole training run, in a process of its own, does without it."""
    from tests.conftest import tiny_training_args

    args = tiny_training_args(repetitive_text_file, tmp_path / "run", steps=4)
    probe = (
        "import sys\nfrom rnn_tui.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit as done:\n    assert not done.code\n"
        "print(sorted(m for m in sys.modules if m.startswith('torch._dynamo')))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / "run" / "best.safetensors").exists()
    assert finished.stdout.strip().splitlines()[-1] == "[]"
