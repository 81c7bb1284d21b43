"""Beam search at the decoder's current step: live and finished hypotheses, best first."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from rnn_tui.engine.translation_search import BeamStep
from rnn_tui.text_safety import visible


def beam_text(step: BeamStep, text_of: Callable[[tuple[int, ...]], str]) -> Text:
    """A heading, then one line per hypothesis, best first: rank, parent beam, log p, ■ for
    one that has ended (before its words, which a narrow panel cuts), words."""
    text = Text(" # from    log p   hypothesis\n", style="dim")
    entries = [(h, "live") for h in step.live] + [(h, "done") for h in step.finished]
    entries.sort(key=lambda e: -e[0].log_prob)
    for rank, (hypothesis, status) in enumerate(entries, start=1):
        words = visible(text_of(hypothesis.tokens), keep="")
        text.append(f"{rank:>2} {hypothesis.parent:>4} ", style="dim")
        ended = "■" if status == "done" else " "
        text.append(f"{hypothesis.log_prob:>8.3f} {ended} {words}\n")
    text.rstrip()
    return text


class BeamTable(Static):
    """Fixed columns (rank, parent beam, log p) then the hypothesis, cut at the panel's edge:
    the numbers never give way to a long hypothesis."""

    DEFAULT_CSS = "BeamTable { height: auto; text-wrap: nowrap; text-overflow: ellipsis; }"

    step: BeamStep | None = None

    def show(
        self, step: BeamStep | None, text_of: Callable[[tuple[int, ...]], str], empty: str
    ) -> None:
        self.step = step
        self.update(Text(empty, style="dim") if step is None else beam_text(step, text_of))
