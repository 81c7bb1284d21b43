"""The last few steps unrolled: boxes that share the same U (input), W (recurrent), V (output)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from rnn_tui.session.display import token_label

BOX = 9  # inner width of one step's box


def _cell(text: str, width: int = BOX) -> str:
    text = text[:width]
    return text.center(width)


class UnrolledView(Static):
    DEFAULT_CSS = "UnrolledView { height: 7; }"

    def show(self, inputs: list[str], outputs: list[str], values: list[float]) -> None:
        """inputs[k] fed at step k, outputs[k] its argmax prediction, values[k] = h_k[unit]
        (the title above names the unit and layer; a box holds only the value)."""
        n = len(inputs)
        top = "  ".join(_cell(f"ŷ {token_label(o)}") for o in outputs)
        up_v = "  ".join(_cell("↑ V") for _ in range(n))
        lid = "──".join("┌" + "─" * (BOX - 2) + "┐" for _ in range(n))
        body = "W→".join("│" + _cell(f"{v:+.3f}", BOX - 2) + "│" for v in values)  # h_t[unit]
        base = "  ".join("└" + "─" * (BOX - 2) + "┘" for _ in range(n))
        up_u = "  ".join(_cell("↑ U") for _ in range(n))
        bottom = "  ".join(_cell(f"x {token_label(i)}") for i in inputs)
        text = Text(
            "\n".join([top, up_v, lid, body, base, up_u, bottom]), no_wrap=True, overflow="crop"
        )
        self.update(text, layout=False)
