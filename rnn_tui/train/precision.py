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
import functools
from typing import Any

import torch
from torch import Tensor

from rnn_tui.errors import UserError
from rnn_tui.train.adamw import AdamW

PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "fp16")
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def _probe_module(layer: str) -> torch.nn.Module:
    if layer == "ffnn":
        return torch.nn.Linear(8, 8)
    return {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[layer](8, 8)


@functools.cache
def _runs_under_autocast(name: str, device_type: str, device: str, layer: str) -> str:
    """'' if one forward and backward pass of `layer` runs under autocast to `name` on
    `device`, else the library's reason (first line)."""
    module = _probe_module(layer).to(device)
    inputs = torch.randn(2, 3, 8, device=device, requires_grad=True)
    try:
        with torch.autocast(device_type, dtype=_DTYPES[name]):
            outputs = module(inputs)
        outputs = outputs[0] if isinstance(outputs, tuple) else outputs
        outputs.float().sum().backward()
    except RuntimeError as error:
        message = str(error).strip() or type(error).__name__
        return message.splitlines()[0].split(". ")[0].rstrip(".")
    return ""


def check_precision_supported(name: str, device: torch.device, layers: tuple[str, ...]) -> None:
    """Refuse, in one line, a precision whose kernels this device lacks for these layers.

    oneDNN builds bf16 LSTM kernels only on CPUs with AVX-512 (an AVX2-only CPU
    fails with "could not create a primitive descriptor"); the GRU and the tanh RNN
    run everywhere. The check runs one tiny forward and backward pass of each layer
    type, so it says what this machine can do rather than guessing from its name.
    """
    if name == "fp32" or name not in _DTYPES:
        return
    for layer in dict.fromkeys(layers):
        reason = _runs_under_autocast(name, device.type, str(device), layer)
        if reason:
            where = "this CPU" if device.type == "cpu" else f"device {device}"
            raise UserError(
                f"--precision {name}: {where} cannot run {LAYER_NAMES.get(layer, layer)} in {name} "
                f"(torch: {reason[:160]}); use --precision fp32"
                + (" or a CPU with AVX-512" if device.type == "cpu" else "")
            )


LAYER_NAMES = {"lstm": "an LSTM", "gru": "a GRU", "rnn": "an RNN"}


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

    def unscale(self, optimizer: AdamW) -> None:
        """Gradients back to their true size, so clipping and the recorded norm are real."""
        if self.scaler:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer: AdamW) -> None:
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
