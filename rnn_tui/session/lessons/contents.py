"""The lessons' table of contents: each chapter's number, title, exercise count and
the module that defines it, so that the chapter list (`rnn-tui lesson`, `--list`) is
drawn without importing the chapters, and opening one imports only its own module."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnn_tui.session.lessons.structure import Chapter


@dataclass(frozen=True)
class Entry:
    number: int
    title: str
    exercises: int  # how many the chapter has (tests hold the chapters to it)
    defined_in: str  # "module:NAME" under rnn_tui.session.lessons


CONTENTS: tuple[Entry, ...] = (
    Entry(1, "Why recurrence", 2, "recurrence:CHAPTER"),
    Entry(2, "Unfolding in time", 2, "unfolding:CHAPTER"),
    Entry(3, "The language-model loss", 3, "loss:CHAPTER"),
    Entry(4, "Inside the RNN cell", 3, "cell:CHAPTER"),
    Entry(5, "Two directions, and reading backwards", 3, "directions:CHAPTER"),
    Entry(6, "The context vector", 3, "context:CHAPTER"),
    Entry(7, "Training through time: vanishing and exploding gradients", 3, "flow:CHAPTER"),
    Entry(8, "The two-step derivation of ∂E/∂u", 2, "two_step:CHAPTER"),
    Entry(9, "The LSTM's forget gate", 4, "gates:FORGET"),
    Entry(10, "The LSTM's input gate", 4, "gates:INPUT"),
    Entry(11, "The LSTM's output gate", 4, "gates:OUTPUT"),
    Entry(12, "Attention", 4, "attention:CHAPTER"),
    Entry(13, "Beam search", 2, "beam:CHAPTER"),
    Entry(14, "Self-attention", 2, "self_attention:CHAPTER"),
)


def entry(number: int) -> Entry | None:
    return next((e for e in CONTENTS if e.number == number), None)


def title(number: int) -> str:
    """Chapter `number`'s title; the chapter modules take theirs from here."""
    found = entry(number)
    assert found is not None, number
    return found.title


def load(found: Entry) -> Chapter:
    """The chapter itself (imports its module: its models and maths load on first use)."""
    module, name = found.defined_in.split(":")
    chapter: Chapter = getattr(importlib.import_module(f"rnn_tui.session.lessons.{module}"), name)
    return chapter
