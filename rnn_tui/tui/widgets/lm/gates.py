"""This step's gate values for the chosen layer: the chosen unit, the mean, all units."""

from __future__ import annotations

import numpy as np
from rich.table import Table
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
    DEFAULT_CSS = "GatePanel { height: auto; }"

    unit_values: dict[str, float] = {}

    def show(self, trace: CellTrace, unit: int, spark_width: int = 12) -> None:
        self.unit_values = {name: float(values[unit]) for name, values in trace.gates.items()}
        if not trace.gates:
            pre = trace.pre.get("a")
            text = Text("no gates: s_t = tanh(a_t)\n", style="dim")
            if pre is not None:
                text.append(f"a_t[{unit}] = {pre[unit]:+.3f}   mean |a| = {np.abs(pre).mean():.3f}")
            self.update(text)
            return
        table = Table.grid(padding=(0, 1))
        for column in ("gate", f"[{unit}]", "mean", "all units"):
            table.add_column(column, no_wrap=True)
        for name, values in trace.gates.items():
            low, high = (-1.0, 1.0) if name in ("g", "n") else (0.0, 1.0)
            table.add_row(
                GATE_NAMES.get(name, name),
                f"{values[unit]:+.3f}" if low < 0 else f"{values[unit]:.3f}",
                f"{values.mean():+.2f}" if low < 0 else f"{values.mean():.2f}",
                Text(spark(values, spark_width, low, high), style="cyan"),
            )
        self.update(table)
