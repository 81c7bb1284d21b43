"""Choosing the torch device from `--device auto|cpu|cuda[:N]`."""

from __future__ import annotations

import numpy as np
import torch

from rnn_tui.errors import UserError


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(
            f"--device {name}: CUDA is not available on this machine (try --device cpu)"
        )
    return torch.device(name)


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    threads = torch.get_num_threads()
    return f"cpu ({threads} thread{'' if threads == 1 else 's'})"


def to_device(array: np.ndarray, device: torch.device | str) -> torch.Tensor:
    """A whole data split goes to the device once (pinned and asynchronous on a GPU), so
    training steps transfer no batches."""
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if torch.device(device).type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor
