"""Bars of the distribution the next token is chosen from, named, with the model's raw p."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from rnn_tui.session.display import token_label
from rnn_tui.session.lm import NextTokens, Prediction
from rnn_tui.tui.widgets.title import longest_fitting

BAR_WIDTH = 14


class NextTokenBars(Static):
    DEFAULT_CSS = """
    NextTokenBars { height: 10; text-wrap: nowrap; text-overflow: ellipsis; }
    """  # caption, up to 8 bars, entropy line

    predictions: list[Prediction] = []

    shown: NextTokens | None = None
    chosen: int | None = None

    def on_resize(self) -> None:
        if self.shown is not None:
            self.show(self.shown, self.chosen)

    def show(self, shown: NextTokens, chosen: int | None) -> None:
        """Bars for `shown`, `chosen` highlighted; the summary line splits at its " · "
        when the widget is too narrow for it (in the compare view's columns)."""
        self.shown, self.chosen = shown, chosen
        self.predictions = shown.predictions
        labels = [token_label(p.text) for p in shown.predictions]
        label_width = max((len(label) for label in labels), default=1)
        width = self.content_region.width
        text = Text(no_wrap=True, overflow="crop")
        text.append(longest_fitting(shown.captions, width) + "\n", style="dim")
        bar_width = bar_cells(width, label_width)
        for prediction, label in zip(shown.predictions, labels, strict=True):
            cells = round(prediction.probability * bar_width * 8)
            bar = "█" * (cells // 8) + (" ▏▎▍▌▋▊▉"[cells % 8] if cells % 8 else "")
            style = "bold reverse" if prediction.token == chosen else "bold"
            text.append(label.rjust(label_width), style=style)
            text.append(" " + bar.ljust(bar_width), style="green")
            text.append(f" {prediction.probability:.3f}")
            raw = "" if prediction.raw is None else f"{prediction.raw:.3f}"
            if raw and raw != f"{prediction.probability:.3f}":  # only where it reads differently
                text.append(f" {raw}", style="dim")
            text.append("\n")
        summary = (
            shown.summary.replace(" · ", "\n") if 0 < width < len(shown.summary) else shown.summary
        )
        text.append(summary, style="dim")
        self.update(text, layout=False)


def bar_cells(width: int, label_width: int) -> int:
    """Cells for a bar of p = 1: BAR_WIDTH, or fewer (at least 3) where the widget is too
    narrow for the label, the bar and p (` 0.123`) side by side (compare columns at 60)."""
    if width <= 0:
        return BAR_WIDTH
    return max(3, min(BAR_WIDTH, width - label_width - len(" ") - len(" 0.000")))
