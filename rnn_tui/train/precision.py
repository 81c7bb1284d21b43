"""`--precision fp32|bf16|fp16`: autocast for the forward pass, a gradient scaler for fp16.

The weights, the optimiser state and every checkpoint stay float32; autocast runs
the matrix products (and cuDNN's fused RNN kernels on a GPU) in the lower
precision. fp16's narrow exponent makes small gradients underflow, so its loss is
multiplied by a scale S before backward and the gradients divided by S before
clipping and the step; steps whose gradients overflow are skipped and S shrinks.
bf16 keeps float32's exponent and needs no scaling.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
from torch import Tensor

from rnn_tui.errors import UserError

PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "fp16")
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


class Precision:
    def __init__(self, name: str, device: torch.device) -> None:
        if name not in PRECISIONS:
            raise UserError(f"--precision: expected one of {', '.join(PRECISIONS)}, got {name!r}")
        if name == "fp16" and device.type != "cuda":
            raise UserError(
                "--precision fp16: needs a CUDA device (the CPU's fused LSTM has no fp16 "
                "kernel); use --precision bf16 on the CPU"
            )
        self.name = name
        self.device = device
        self.scaler = torch.amp.GradScaler(device.type) if name == "fp16" else None

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.name == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=_DTYPES[self.name])

    def backward(self, loss: Tensor) -> None:
        (self.scaler.scale(loss) if self.scaler else loss).backward()

    def unscale(self, optimizer: torch.optim.Optimizer) -> None:
        """Gradients back to their true size, so clipping and the recorded norm are real."""
        if self.scaler:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        if self.scaler:
            self.scaler.step(optimizer)
            self.scaler.update()
        else:
            optimizer.step()

    def state(self) -> dict[str, Any]:
        return self.scaler.state_dict() if self.scaler else {}

    def restore(self, state: dict[str, Any]) -> None:
        if self.scaler and state:
            self.scaler.load_state_dict(state)
