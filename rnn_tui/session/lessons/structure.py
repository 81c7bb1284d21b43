"""What a chapter is made of: its explanation, its live view, its exercises; and the
chapter as a teacher's handout."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Live(Protocol):
    """What a chapter's live view can do; keys the chapter does not use do nothing.

    A live view with figures that take seconds (scores over held-out data) also has
    `measure()`, which computes them: the lesson screen shows the view first and runs it
    off the UI thread (`measure_later`); until it is done the panel says so and the
    figures raise StillMeasuring. It computes them through `measured_once`.
    """

    def panel(self) -> list[str]: ...
    def step(self) -> bool: ...
    def back(self) -> bool: ...
    def type_text(self, text: str) -> str: ...
    def set_value(self, text: str) -> str: ...


class StillMeasuring(Exception):
    """A figure of the live view that its `measure()` has not finished yet."""


STILL_MEASURING = "still measuring the figure to check this against: a moment…"


def measure_later(live: Live) -> Callable[[], None] | None:
    """The live view's `measure()`, for its slow figures; None if it has none."""
    return getattr(live, "measure", None)


_MEASURED: dict[str, Any] = {}  # key → figures, for the life of the process
_MEASURING: dict[str, threading.Lock] = {}  # key → held while they are computed
_MEASURING_GUARD = threading.Lock()


def measured_once(key: str, compute: Callable[[], T]) -> T:
    """`compute()` the first time `key` is asked for, its result every time after.

    The slow figures come from bundled models and fixed held-out data, so they never
    change: a chapter opened again reuses them, and one opened again while they are
    still being computed waits for that computation instead of starting a second.
    """
    with _MEASURING_GUARD:
        lock = _MEASURING.setdefault(key, threading.Lock())
    with lock:
        if key not in _MEASURED:
            _MEASURED[key] = compute()
        return _MEASURED[key]


@dataclass(frozen=True)
class Exercise:
    """`reached(live)` for a state to reach; `expected(live)` for a number to give (an
    answer counts when it equals the engine's value to the three decimals asked)."""

    key: str
    task: str
    hint: str
    reached: Callable[[Live], bool] | None = None
    expected: Callable[[Live], float] | None = None

    def ready(self, live: Live) -> bool:
        """Whether the figure to give is there to check against (not still measuring)."""
        if self.expected is None:
            return True
        try:
            self.expected(live)
        except StillMeasuring:
            return False
        return True

    def check(self, live: Live, answer: str | None = None) -> tuple[bool, str]:
        """(done?, one line saying why)."""
        if self.reached is not None:
            return (True, "reached") if self.reached(live) else (False, "not yet")
        assert self.expected is not None
        try:
            given = float((answer or "").replace("−", "-"))
        except ValueError:
            return False, f"{answer!r} is not a number"
        try:
            value = self.expected(live)
        except StillMeasuring:
            return False, STILL_MEASURING
        if abs(given - value) <= 0.0005 + 1e-9 * abs(value):
            return True, f"right: {value:.4f}"
        return False, f"not {given:g}; look again (to three decimals)"


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    text: list[str]  # the explanation, a line each
    keys: str  # which live keys the chapter uses, in words
    open_live: Callable[[], Live]
    exercises: list[Exercise] = field(default_factory=list)


def markdown(chapter: Chapter, live: Live) -> str:
    """The chapter as a handout: its text, the live numbers of this run (measured in
    full first), the exercises."""
    measure = measure_later(live)
    if measure is not None:
        measure()
    lines = [f"# Chapter {chapter.number}: {chapter.title}", "", *chapter.text, ""]
    lines += ["## Live numbers", "", "```text", *live.panel(), "```", "", "## Exercises", ""]
    lines += [f"{k}. {exercise.task}" for k, exercise in enumerate(chapter.exercises, start=1)]
    return "\n".join(lines) + "\n"
