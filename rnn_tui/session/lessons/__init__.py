"""Lessons: the course's questions answered with a live model (`rnn-tui lesson`).

A chapter is a short explanation, a live computation (a session of a real model, or
the two-step scalar network), and exercises. An exercise is either a state to reach
in the live view, checked by reading the live state, or a number to give, checked
against the value the engine computes for the state shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnn_tui.session.lessons.structure import Chapter


def chapters() -> list[Chapter]:
    """Every chapter, in course order (imports them all; the list needs only `contents`)."""
    from rnn_tui.session.lessons.contents import CONTENTS, load

    return [load(found) for found in CONTENTS]


def chapter(number: int) -> Chapter | None:
    """Chapter `number`, importing only its own module; None if there is none."""
    from rnn_tui.session.lessons.contents import entry, load

    found = entry(number)
    return None if found is None else load(found)
