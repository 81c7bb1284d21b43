"""Data-parallel training under `torchrun`: PyTorch's DistributedDataParallel, gloo or nccl.

`torchrun --nproc_per_node=N -m rnn_tui train …` starts N processes with RANK,
LOCAL_RANK and WORLD_SIZE in their environment. Each process joins one process
group, keeps a full replica of the model, reads its own 1/N of every global
batch, and DDP averages the gradients (all-reduce) before the optimiser step, so

    ∇L = (1/N) Σ_r ∇L_r,   L_r = mean loss over rank r's B/N rows

equals the gradient of one process reading the whole batch of B rows (equal
shares, mean losses). `--batch` is therefore the global batch and the learning
rate means the same thing at any N. Only rank 0 writes checkpoints, metrics and
progress. Without torchrun the world is one process and nothing here runs
collectives.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn

from rnn_tui.errors import UserError
from rnn_tui.train.run_dir import RunDirRequest
from rnn_tui.train.torchrun_env import launched_by_torchrun


@dataclass(frozen=True)
class World:
    """The processes training together; `size == 1` is plain single-process training."""

    rank: int = 0
    size: int = 1
    backend: str = ""

    @property
    def active(self) -> bool:
        return self.size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def describe(self) -> str:
        """', 2 processes (torchrun, gloo)', or '' alone."""
        return f", {self.size} processes (torchrun, {self.backend})" if self.active else ""

    def share(self, total: int, what: str) -> slice:
        """This rank's contiguous 1/size of `total` items, which must split evenly."""
        if total % self.size:
            raise UserError(
                f"{what} {total} does not split evenly over {self.size} processes "
                f"(use a multiple of {self.size})"
            )
        part = total // self.size
        return slice(self.rank * part, (self.rank + 1) * part)

    def wrap(self, module: nn.Module, device: torch.device, some_unused: bool = False) -> nn.Module:
        """The module that training calls: DDP around it when several processes train.

        `some_unused`: a step may leave parameters without gradient (an adaptive
        softmax's tail clusters when no target falls in them), which DDP must look for.
        """
        if not self.active:
            return module
        from torch.nn.parallel import DistributedDataParallel

        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids, find_unused_parameters=some_unused)

    def sum(self, tensor: Tensor) -> Tensor:
        """Σ over ranks, in place (a no-op alone)."""
        if self.active:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def agree(self, elapsed: float, stop: bool, device: torch.device) -> tuple[float, bool]:
        """Rank 0's clock and whether any rank was asked to stop, the same on every rank.

        The learning-rate schedule and the time budget read the clock, so ranks that
        read their own clocks would step with different rates or stop at different steps.
        """
        if not self.active:
            return elapsed, stop
        shared = torch.tensor(
            [elapsed if self.is_main else 0.0, float(stop)], dtype=torch.float64, device=device
        )
        self.sum(shared)
        return float(shared[0]), bool(shared[1] > 0)

    def gather(self, value: Any) -> list[Any]:
        """Every rank's `value` (any picklable object), in rank order, on every rank."""
        if not self.active:
            return [value]
        values: list[Any] = [None] * self.size
        dist.all_gather_object(values, value)
        return values

    def first(self, value: Any) -> Any:
        """Rank 0's `value` on every rank."""
        return self.gather(value)[0]


def parameter_digest(module: nn.Module) -> str:
    """SHA-256 of every parameter's bytes, in order: equal digests ⇔ identical replicas."""
    digest = hashlib.sha256()
    for parameter in module.parameters():
        digest.update(parameter.detach().to("cpu", copy=True).contiguous().numpy().tobytes())
    return digest.hexdigest()


def join_world(device_name: str) -> tuple[World, torch.device]:
    """The process group and this rank's device; alone outside torchrun.

    Under torchrun, `auto` and `cuda` mean cuda:LOCAL_RANK with nccl; the CPU uses gloo.
    """
    from rnn_tui.train.device import resolve_device

    device = resolve_device(device_name)
    if not launched_by_torchrun():
        return World(), device
    rank = int(os.environ["RANK"])
    size = int(os.environ["WORLD_SIZE"])
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if size > 1 and not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return World(rank=rank, size=size, backend=backend), device


def leave_world(world: World, together: bool = False) -> None:
    """`together`, after a run that ended normally: every rank waits at a barrier first,
    so none leaves while rank 0 is still writing its checkpoint. After an error no
    barrier: the other ranks may be inside another collective. (DDP keeps gloo's threads
    alive past this; the command line then ends the process without teardown:
    torchrun_env.exit_without_teardown.)"""
    if world.active and dist.is_initialized():
        if together:
            with contextlib.suppress(RuntimeError):  # a group already broken: just leave
                dist.barrier()
        dist.destroy_process_group()


@contextlib.contextmanager
def training_world(device_name: str) -> Iterator[tuple[World, torch.device]]:
    """Join the process group (under torchrun) for the length of a training run."""
    world, device = join_world(device_name)
    try:
        yield world, device
    except BaseException:
        leave_world(world)
        raise
    leave_world(world, together=True)


def agreed_run_dir(world: World, request: RunDirRequest) -> Path:
    """Rank 0 prepares the output directory (its timestamped default name included) and
    every rank gets the same path, or the same error."""
    outcome: tuple[str, str] = ("", "")
    if world.is_main:
        try:
            outcome = ("ok", str(request.prepare()))
        except UserError as error:
            outcome = ("error", str(error))
    status, value = world.first(outcome)
    if status == "error":
        raise UserError(value)
    return Path(value)
