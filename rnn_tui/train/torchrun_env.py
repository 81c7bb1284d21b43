"""What torchrun tells a process through its environment; read without importing torch,
so the command line can ask before any heavy import."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

TORCHRUN_VARIABLES = ("RANK", "LOCAL_RANK", "WORLD_SIZE")


def launched_by_torchrun() -> bool:
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def process_rank() -> int:
    """This process's RANK under torchrun, 0 otherwise."""
    return int(os.environ["RANK"]) if launched_by_torchrun() else 0


def a_torchrun_worker_with_torch_distributed() -> bool:
    """Whether this process is a torchrun worker that has loaded torch.distributed."""
    return launched_by_torchrun() and "torch.distributed" in sys.modules


def exit_without_teardown(code: int) -> NoReturn:
    """Flush what was printed, then end the process without Python's teardown.

    After DistributedDataParallel has run, gloo's worker threads outlive
    `destroy_process_group` (DDP's reducer keeps the group alive) and are torn down
    with the interpreter; a rank could then abort in that teardown ("terminate called
    without an active exception", SIGABRT) after its run had finished and saved.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
