"""`resume.safetensors`: everything beyond the model needed to continue a run exactly.

    optimizer.{group}.{param}.{key}   AdamW moments and step counts, by parameter order
    rng.rank{r}.torch (.cuda)         each rank's random-generator states (dropout draws)
    carried.{i}, position             the task's data position and carried hidden state
    metadata: optimizer param_groups, trainer counters (step, elapsed, best loss)

Written atomically next to `last.safetensors` at every periodic save, so a run
killed at any moment resumes from its last save, step for step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnn_tui.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from rnn_tui.errors import UserError
from rnn_tui.train.adamw import AdamW

RESUME_FILE = "resume.safetensors"


def optimizer_tensors(optimizer: AdamW) -> tuple[dict[str, np.ndarray], list[dict]]:
    state = optimizer.state_dict()
    tensors = {}
    for index, values in state["state"].items():
        for key, value in values.items():
            tensors[f"optimizer.{index}.{key}"] = value.detach().cpu().numpy()
    return tensors, state["param_groups"]


def restore_optimizer(optimizer: AdamW, tensors: dict[str, np.ndarray], groups: list[dict]) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        if name.startswith("optimizer."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = torch.from_numpy(value.copy())
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def save_resume_state(
    path: Path,
    optimizer: AdamW,
    task_tensors: dict[str, torch.Tensor],
    counters: dict[str, Any],
) -> None:
    tensors, groups = optimizer_tensors(optimizer)
    tensors.update({name: value.numpy() for name, value in task_tensors.items()})
    meta = {"param_groups": json.loads(json.dumps(groups)), "counters": counters}
    save_checkpoint(path, Checkpoint(kind="resume", tensors=tensors, meta=meta))


def load_resume_state(path: Path) -> Checkpoint:
    return load_checkpoint(path, expected_kind="resume")


def rank_rng_states(device: torch.device) -> dict[str, torch.Tensor]:
    """This process's generator states: the CPU's, and its GPU's when it trains on one."""
    states = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        states["cuda"] = torch.cuda.get_rng_state(device)
    return states


def restore_rng(tensors: dict[str, np.ndarray], rank: int, device: torch.device) -> None:
    """Rank `rank`'s saved generator states (runs saved before ranks existed: `rng.torch`)."""
    cpu = tensors.get(f"rng.rank{rank}.torch", tensors.get("rng.torch"))
    if cpu is None:
        saved = sum(1 for name in tensors if name.endswith(".torch"))
        raise UserError(
            f"--resume: the run was saved by {saved} process(es) and has no generator state "
            f"for rank {rank}; resume with at most {saved} processes"
        )
    torch.set_rng_state(torch.from_numpy(cpu.copy()))
    cuda = tensors.get(f"rng.rank{rank}.cuda")
    if cuda is not None and device.type == "cuda":
        torch.cuda.set_rng_state(torch.from_numpy(cuda.copy()), device)
