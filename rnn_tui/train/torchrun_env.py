"""What torchrun tells a process through its environment; read without importing torch,
so the command line can ask before any heavy import."""

from __future__ import annotations

import os

TORCHRUN_VARIABLES = ("RANK", "LOCAL_RANK", "WORLD_SIZE")


def launched_by_torchrun() -> bool:
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def process_rank() -> int:
    """This process's RANK under torchrun, 0 otherwise."""
    return int(os.environ["RANK"]) if launched_by_torchrun() else 0
