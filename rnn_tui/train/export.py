"""Torch module → NumPy tensors by name, for checkpoints."""

from __future__ import annotations

import numpy as np
from torch import nn


def module_tensors(module: nn.Module) -> dict[str, np.ndarray]:
    """float32 copies of every parameter and buffer, on the CPU, by state-dict name."""
    return {
        name: tensor.detach().to("cpu", copy=True).float().numpy()
        for name, tensor in module.state_dict().items()
    }
