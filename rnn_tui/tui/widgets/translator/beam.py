"""Beam search at the decoder's current step: live and finished hypotheses, best first."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from rnn_tui.engine.translator import BeamStep


class BeamTable(Static):
    DEFAULT_CSS = "BeamTable { height: auto; }"

    step: BeamStep | None = None

    def show(
        self, step: BeamStep | None, text_of: Callable[[tuple[int, ...]], str], empty: str
    ) -> None:
        self.step = step
        if step is None:
            self.update(Text(empty, style="dim"))
            return
        table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 1))
        table.add_column("#", justify="right", style="dim")
        table.add_column("from", justify="right", style="dim")
        table.add_column("log p", justify="right")
        table.add_column("hypothesis", overflow="ellipsis", no_wrap=True)
        entries = [(h, "live") for h in step.live] + [(h, "done") for h in step.finished]
        entries.sort(key=lambda e: -e[0].log_prob)
        for rank, (hypothesis, status) in enumerate(entries, start=1):
            words = text_of(hypothesis.tokens) + (" ■" if status == "done" else "")
            table.add_row(str(rank), str(hypothesis.parent), f"{hypothesis.log_prob:.3f}", words)
        self.update(table)
