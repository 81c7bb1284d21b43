"""Waiting in Pilot tests for work the explorer does off the UI thread.

The first model loads in a worker started after the first frame, so at the first
`wait_for_complete()` that worker may not exist yet: a test that only waits for the
running workers races it. These helpers wait for what the test needs to see.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import WorkerCancelled

ViewT = TypeVar("ViewT", bound=Screen)


async def until(pilot: Pilot, condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Run the app until `condition()` holds, then until its workers and messages settle."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s and it never happened")
        await pilot.pause(0.02)
    await workers_settled(pilot)
    await pilot.pause()


async def workers_settled(pilot: Pilot, rounds: int = 50) -> None:
    """Until no worker runs. An exclusive worker that a newer one replaces while it is
    waited on raises WorkerCancelled (a live view does this all the time): wait again."""
    for _ in range(rounds):
        try:
            await pilot.app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue
    raise AssertionError(f"workers were replaced {rounds} times while waited on")


async def first_view(pilot: Pilot, kind: type[ViewT]) -> ViewT:
    """The view the explorer opens on its first model, once that model has loaded."""
    await until(pilot, lambda: isinstance(pilot.app.screen, kind))
    return pilot.app.screen  # type: ignore[return-value]
