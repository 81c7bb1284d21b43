"""This step's gate values for the chosen layer: the chosen unit, the mean over units, and
how the units are spread (a histogram, with the shares of saturated units).

σ gates live in (0, 1): "shut" counts units below 0.1, "open" above 0.9. tanh
candidates live in (−1, 1): the two counts are below −0.9 and above +0.9.
"""

from __future__ import annotations

import numpy as np
from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from rnn_tui.engine.cells import CellTrace

GATE_NAMES = {
    "i": "i in",
    "f": "f forget",
    "g": "g cand",
    "o": "o out",
    "r": "r reset",
    "z": "z update",
    "n": "n cand",
}
SIGNED_GATES = ("g", "n")  # tanh candidates; the others are σ gates
_LEVELS = " ▁▂▃▄▅▆▇█"
HISTOGRAM_BINS = 10
SATURATION = 0.9


def histogram(values: np.ndarray, low: float, high: float, bins: int = HISTOGRAM_BINS) -> str:
    """Counts of `values` in `bins` equal bins over [low, high], as block heights
    (the tallest bin is a full block; an empty bin is blank)."""
    if values.size == 0:
        return " " * bins
    counts, _ = np.histogram(np.clip(values, low, high), bins=bins, range=(low, high))
    top = counts.max()
    steps = len(_LEVELS) - 1
    return "".join(_LEVELS[0 if c == 0 else max(1, round(c / top * steps))] for c in counts)


def saturated_shares(values: np.ndarray, signed: bool) -> tuple[float, float]:
    """Shares of units (low end, high end): σ below 0.1 / above 0.9; tanh below −0.9 / above 0.9."""
    if values.size == 0:
        return 0.0, 0.0
    low = -SATURATION if signed else 1 - SATURATION
    return float(np.mean(values < low)), float(np.mean(values > SATURATION))


class GatePanel(Widget):
    """Drawn at its width as it is when painted: full gate names and the mean column from
    43 cells, initials without the mean below."""

    DEFAULT_CSS = "GatePanel { height: auto; text-wrap: nowrap; }"  # heading + up to 4 gates

    unit_values: dict[str, float] = {}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.trace: CellTrace | None = None
        self.unit = 0

    def show(self, trace: CellTrace, unit: int) -> None:
        self.trace, self.unit = trace, unit
        self.unit_values = {name: float(values[unit]) for name, values in trace.gates.items()}
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        trace, unit = self.trace, self.unit
        if trace is None:
            return Text()
        if not trace.gates:
            pre = trace.pre.get("a")
            text = Text("no gates: s_t = tanh(a_t)", style="dim", no_wrap=True, overflow="crop")
            if pre is not None:  # one number a line: at 80 columns the panel is 33 wide
                text.append(f"\na_t[{unit}] = {pre[unit]:+.3f}")
                text.append(f"\nmean |a_t| = {np.abs(pre).mean():.3f}")
            return text
        wide = self.size.width >= 43
        name_width = 8 if wide else 2
        text = Text(no_wrap=True, overflow="crop")
        heading = f"{'gate' if wide else '':<{name_width}} {'unit ' + str(unit):>7} "
        heading += f"{'mean':>5} " if wide else ""
        text.append(heading + f"{'low→high':^{HISTOGRAM_BINS}} shut open\n", style="dim")
        for name, values in trace.gates.items():
            signed = name in SIGNED_GATES
            low, high = (-1.0, 1.0) if signed else (0.0, 1.0)
            unit_value = f"{values[unit]:+.3f}" if signed else f"{values[unit]:.3f}"
            mean = f"{values.mean():+.2f}" if signed else f"{values.mean():.2f}"
            shut, open_ = saturated_shares(values, signed)
            text.append(f"{GATE_NAMES.get(name, name)[:name_width]:<{name_width}} ", style="bold")
            text.append(f"{unit_value:>7} " + (f"{mean:>5} " if wide else ""))
            text.append(histogram(values, low, high), style="cyan on grey11")
            text.append(f" {shut:>4.0%} {open_:>4.0%}\n")
        text.rstrip()
        return text
