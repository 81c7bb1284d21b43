"""Top-k bars of the next-token distribution, with entropy and running perplexity."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from rnn_tui.session.display import token_label
from rnn_tui.session.lm import Prediction

BAR_WIDTH = 14


class NextTokenBars(Static):
    DEFAULT_CSS = "NextTokenBars { height: auto; }"

    predictions: list[Prediction] = []

    def show(
        self, predictions: list[Prediction], entropy: float, perplexity: float, chosen: int | None
    ) -> None:
        self.predictions = predictions
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        for prediction in predictions:
            cells = round(prediction.probability * BAR_WIDTH * 8)
            bar = "█" * (cells // 8) + (" ▏▎▍▌▋▊▉"[cells % 8] if cells % 8 else "")
            style = "bold reverse" if prediction.token == chosen else "bold"
            table.add_row(
                Text(token_label(prediction.text), style=style),
                Text(bar.ljust(BAR_WIDTH), style="green"),
                f"{prediction.probability:.3f}",
            )
        summary = Text(f"entropy {entropy:.2f} nats · ppl {perplexity:.2f}", style="dim")
        self.update(Group(table, summary))
