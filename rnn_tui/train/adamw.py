"""AdamW (Loshchilov & Hutter: Adam with decoupled weight decay), written out.

For each parameter θ with gradient g, at its step t = 1, 2, …, learning rate η,
weight decay λ and moments m, v (zero at first):

    θ ← θ − η λ θ
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    θ ← θ − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)

the update torch.optim.AdamW makes, in the same order. Where PyTorch has its fused
kernel for the parameters' device (CPU and CUDA), one call of that kernel
(`torch._fused_adamw_`, the one torch.optim.AdamW(fused=True) calls) makes the update
for all of them: 6.5 times faster than the update below, tensor by tensor, for a
3.3-million-parameter LSTM on a CPU. It is written here because every torch.optim
optimiser imports torch._dynamo (PyTorch's compiler) when it is built and at every
step, and that import took 2.4 s of a training run's start-up, for a compiler this
project never uses (both figures: bench/train_startup.py, docs/benchmarks.md).

The state is torch's: `state_dict()` and `load_state_dict()` read and write the
dictionary torch.optim.AdamW does (per parameter index: `step`, `exp_avg`,
`exp_avg_sq`; the groups with their parameters as indices), so runs saved before this
class existed resume with it. The gradient scaler of `--precision fp16`
(torch.amp.GradScaler) works with it as with torch's fused AdamW: it unscales the
gradients in `param_groups`, then hands `step()` the tensor saying whether they were
finite, and the fused kernel skips the update on the device if not (no wait for the
GPU); the update written out is called by the scaler only when they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

GROUP_SETTINGS = ("lr", "betas", "eps", "weight_decay")
FUSED_DEVICES = {"cpu", "cuda"}  # where torch has a fused AdamW kernel


class AdamW:
    """AdamW over parameter groups (lists of tensors, or dicts with "params" and any of
    lr, betas, eps, weight_decay), with torch's defaults: β = (0.9, 0.999), ε = 1e-8,
    λ = 0.01. `fused`: use PyTorch's fused kernel (None: where there is one)."""

    def __init__(
        self,
        groups: Iterable[dict[str, Any]] | Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        fused: bool | None = None,
    ) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        given = list(groups)
        if given and isinstance(given[0], Tensor):
            given = [{"params": given}]
        self.param_groups: list[dict[str, Any]] = []
        for group in given:
            params = list(group["params"])
            self.param_groups.append(defaults | dict(group) | {"params": params})
        self.state: dict[Tensor, dict[str, Tensor]] = {}
        devices = {p.device.type for p in self.parameters()}
        if fused is None:
            fused = hasattr(torch, "_fused_adamw_") and devices <= FUSED_DEVICES
        self.fused = fused
        # torch.amp.GradScaler sets `found_inf` (and `grad_scale`) for the next step() when
        # this is true, instead of reading the flag on the host and skipping step() itself.
        self._step_supports_amp_scaling = fused

    def parameters(self) -> list[Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            states = [self.state_of(p) for p in params]
            for state in states:
                state["step"] += 1
            if self.fused and params:
                self.fused_update(group, params, states)
            else:
                for p, state in zip(params, states, strict=True):
                    self.update(group, p, state)

    def state_of(self, p: Tensor) -> dict[str, Tensor]:
        """p's moments m, v and step count t (kept on p's device, as torch does)."""
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {
                "step": torch.zeros((), dtype=torch.float32, device=p.device),
                "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format),
            }
        return state

    @staticmethod
    def update(group: dict[str, Any], p: Tensor, state: dict[str, Tensor]) -> None:
        """The update of the module docstring, for one parameter."""
        lr, (beta1, beta2) = group["lr"], group["betas"]
        t = float(state["step"])
        m, v, g = state["exp_avg"], state["exp_avg_sq"], p.grad
        p.mul_(1 - lr * group["weight_decay"])
        m.lerp_(g, 1 - beta1)
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        denominator = (v.sqrt() / (1 - beta2**t) ** 0.5).add_(group["eps"])
        p.addcdiv_(m, denominator, value=-lr / (1 - beta1**t))

    def fused_update(
        self, group: dict[str, Any], params: list[Tensor], states: list[dict[str, Tensor]]
    ) -> None:
        """The same update for all of `params` in one call of PyTorch's kernel, which
        leaves them as they were where the gradient scaler found a non-finite gradient."""
        beta1, beta2 = group["betas"]
        found_inf: Tensor | None = getattr(self, "found_inf", None)
        steps = [state["step"] for state in states]
        torch._fused_adamw_(
            params,
            [p.grad for p in params],
            [state["exp_avg"] for state in states],
            [state["exp_avg_sq"] for state in states],
            [],
            steps,
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            amsgrad=False,
            maximize=False,
            grad_scale=getattr(self, "grad_scale", None),
            found_inf=found_inf,
        )
        if found_inf is not None:  # a skipped update is not a step
            torch._foreach_sub_(steps, [found_inf.to(steps[0].device)] * len(steps))

    def state_dict(self) -> dict[str, Any]:
        """torch.optim's layout: state by parameter index, groups with indices."""
        index = {id(p): i for i, p in enumerate(self.parameters())}
        groups = []
        for group in self.param_groups:
            described = {key: value for key, value in group.items() if key != "params"}
            groups.append(described | {"params": [index[id(p)] for p in group["params"]]})
        state = {index[id(p)]: dict(values) for p, values in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, saved: dict[str, Any]) -> None:
        """Take a state saved by `state_dict` here or by torch.optim.AdamW (whose groups
        carry more settings, all at the values AdamW is used with here). A state that does
        not fit these parameters (group sizes, an index, a shape) is a ValueError or
        KeyError, and nothing is changed."""
        groups = saved["param_groups"]
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError("the saved optimiser state has groups of other sizes")
        by_index = dict(enumerate(self.parameters()))
        state = {}
        for index, values in saved["state"].items():
            p = by_index[int(index)]
            step = torch.as_tensor(values["step"], dtype=torch.float32)
            if step.numel() != 1:  # (a file keeps the count as one number or a 1-vector)
                raise ValueError(f"optimizer.{index}.step: {step.numel()} numbers, expected 1")
            moments = {key: torch.as_tensor(values[key]) for key in ("exp_avg", "exp_avg_sq")}
            for key, moment in moments.items():
                if moment.shape != p.shape:
                    shapes = f"shape {tuple(moment.shape)}, expected {tuple(p.shape)}"
                    raise ValueError(f"optimizer.{index}.{key}: {shapes}")
            state[p] = {"step": step.reshape(()).to(p.device).clone()} | {
                key: moment.detach().to(p.device, p.dtype).clone()
                for key, moment in moments.items()
            }
        for group, stored in zip(self.param_groups, groups, strict=True):
            for key in GROUP_SETTINGS:
                if key in stored:
                    group[key] = tuple(stored[key]) if key == "betas" else stored[key]
        self.state = state
