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

ViewT = TypeVar("ViewT", bound=Screen)


async def until(pilot: Pilot, condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Run the app until `condition()` holds, then until its workers and messages settle."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s and it never happened")
        await pilot.pause(0.02)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def first_view(pilot: Pilot, kind: type[ViewT]) -> ViewT:
    """The view the explorer opens on its first model, once that model has loaded."""
    await until(pilot, lambda: isinstance(pilot.app.screen, kind))
    return pilot.app.screen  # type: ignore[return-value]
