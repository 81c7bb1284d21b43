"""This step's gate values for the chosen layer: the chosen unit, the mean, all units."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widgets import Static

from rnn_tui.engine.cells import CellTrace

GATE_NAMES = {
    "i": "i in",
    "f": "f fgt",
    "g": "g cand",
    "o": "o out",
    "r": "r rst",
    "z": "z upd",
    "n": "n cand",
}
_LEVELS = " ▁▂▃▄▅▆▇█"


def spark(values: np.ndarray, width: int, low: float, high: float) -> str:
    """Units binned to `width` columns (mean per bin), drawn as block heights."""
    if values.size == 0:
        return ""
    bins = np.array_split(values, min(width, values.size))
    means = np.array([b.mean() for b in bins])
    scaled = np.clip((means - low) / (high - low), 0, 1)
    return "".join(_LEVELS[round(v * (len(_LEVELS) - 1))] for v in scaled)


class GatePanel(Static):
    DEFAULT_CSS = "GatePanel { height: 4; }"  # at most four gates (LSTM)

    unit_values: dict[str, float] = {}

    def show(self, trace: CellTrace, unit: int, spark_width: int = 12) -> None:
        self.unit_values = {name: float(values[unit]) for name, values in trace.gates.items()}
        if not trace.gates:
            pre = trace.pre.get("a")
            text = Text("no gates: s_t = tanh(a_t)\n", style="dim")
            if pre is not None:
                text.append(f"a_t[{unit}] = {pre[unit]:+.3f}   mean |a| = {np.abs(pre).mean():.3f}")
            self.update(text, layout=False)
            return
        text = Text(no_wrap=True, overflow="crop")
        for name, values in trace.gates.items():
            signed = name in ("g", "n")
            low, high = (-1.0, 1.0) if signed else (0.0, 1.0)
            unit_value = f"{values[unit]:+.3f}" if signed else f" {values[unit]:.3f}"
            mean = f"{values.mean():+.2f}" if signed else f" {values.mean():.2f}"
            text.append(f"{GATE_NAMES.get(name, name):<6} {unit_value} {mean} ")
            text.append(spark(values, spark_width, low, high) + "\n", style="cyan")
        text.rstrip()
        self.update(text, layout=False)
