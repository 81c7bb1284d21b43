"""Line plots of runs' series (textual-plotext), one colour per run (one line marker per
run under NO_COLOR), with a legend."""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual_plotext import PlotextPlot

from rnn_tui.session.watching import Series

RUN_COLOURS = ("cyan", "orange", "magenta", "green", "red", "blue")  # plotext's names
RICH_NAMES = {"orange": "orange1"}  # the same colours where Rich draws them (the table)
# Under NO_COLOR the runs' colours all turn grey: their lines are drawn with these instead.
RUN_LINE_MARKERS = ("braille", "dot", "+", "o", "*", "=")


def rich_colour(run: int) -> str:
    colour = RUN_COLOURS[run % len(RUN_COLOURS)]
    return RICH_NAMES.get(colour, colour)


class Curves(PlotextPlot):
    """Each curve is (label, run index, series, marker); x is the step, or with `x_of`
    (one map per run) the minutes of training at that step;
    the marker "x" draws separate points, any other a line.
    `log_y` plots log10 of the values (plotext's own log scale re-applies itself on
    every redraw)."""

    def show(
        self,
        title: str,
        curves: Sequence[tuple[str, int, Series, str]],
        threshold: float | None = None,
        log_y: bool = False,
        x_label: str = "step",
        x_of: list[dict[int, float]] | None = None,
    ) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(f"log10 {title}" if log_y else title)  # plotext drops a title too wide
        plt.xlabel(x_label)
        drawn = False
        self.legend: list[tuple[str, str]] = []  # (label, colour) of each curve drawn
        for label, run, series, marker in curves:
            points = [
                (x_of[run].get(step, math.nan) if x_of is not None else step,
                 math.log10(value) if log_y else value)
                for step, value in zip(series.steps, series.values, strict=True)
                if value == value and (value > 0 or not log_y)  # NaN, and ≤ 0 on a log axis
            ]  # fmt: skip
            points = [(x, y) for x, y in points if x == x]
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            colour = RUN_COLOURS[run % len(RUN_COLOURS)]
            draw = plt.scatter if marker == "x" else plt.plot  # points (evaluations) unjoined
            if marker != "x" and self.app.no_color:
                marker = RUN_LINE_MARKERS[run % len(RUN_LINE_MARKERS)]
            draw(xs, ys, label=label, color=colour, marker=marker)
            self.legend.append((label, colour))
            drawn = True
        if threshold is not None and drawn:  # its meaning is said in the title
            plt.horizontal_line(math.log10(threshold) if log_y else threshold, color="red")
        self.refresh()
