"""This decoder step's raw attention scores e_tj and softmax weights α_tj, per source token."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from rnn_tui.session.display import token_label
from rnn_tui.session.translator import ScoreRow

BAR_WIDTH = 10


class ScoreTable(Static):
    DEFAULT_CSS = "ScoreTable { height: auto; }"

    rows: list[ScoreRow] = []

    def show(self, rows: list[ScoreRow], empty: str) -> None:
        self.rows = rows
        if not rows:
            self.update(Text(empty, style="dim"))
            return
        label_width = max(len(token_label(r.token)) for r in rows)
        best = max(rows, key=lambda r: r.weight).position
        text = Text(no_wrap=True, overflow="crop")
        text.append(f"{'x_j'.rjust(label_width)}   e_tj    α_tj\n", style="dim")
        for row in rows:
            cells = round(row.weight * BAR_WIDTH * 8)
            bar = "█" * (cells // 8) + (" ▏▎▍▌▋▊▉"[cells % 8] if cells % 8 else "")
            style = "bold reverse" if row.position == best else "bold"
            text.append(token_label(row.token).rjust(label_width), style=style)
            text.append(f" {row.score:+7.2f} {row.weight:6.3f} ")
            text.append(bar + "\n", style="green")
        self.update(text)
