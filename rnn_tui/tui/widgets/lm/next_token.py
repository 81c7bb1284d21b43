"""Top-k bars of the next-token distribution, with entropy and running perplexity."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from rnn_tui.session.display import token_label
from rnn_tui.session.lm import Prediction

BAR_WIDTH = 14


class NextTokenBars(Static):
    DEFAULT_CSS = "NextTokenBars { height: 9; }"  # 8 bars and the entropy line

    predictions: list[Prediction] = []

    def show(
        self, predictions: list[Prediction], entropy: float, perplexity: float, chosen: int | None
    ) -> None:
        self.predictions = predictions
        label_width = max((len(token_label(p.text)) for p in predictions), default=1)
        text = Text(no_wrap=True, overflow="crop")
        for prediction in predictions:
            cells = round(prediction.probability * BAR_WIDTH * 8)
            bar = "█" * (cells // 8) + (" ▏▎▍▌▋▊▉"[cells % 8] if cells % 8 else "")
            style = "bold reverse" if prediction.token == chosen else "bold"
            text.append(token_label(prediction.text).rjust(label_width), style=style)
            text.append(" " + bar.ljust(BAR_WIDTH), style="green")
            text.append(f" {prediction.probability:.3f}\n")
        text.append(f"entropy {entropy:.2f} nats · ppl {perplexity:.2f}", style="dim")
        self.update(text, layout=False)
