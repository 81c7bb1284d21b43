"""Every key of the current view, with what it does."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

_KEY_NAMES = {
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "comma": ",",
    "full_stop": ".",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "equals_sign": "=",
    "plus": "+",
    "minus": "-",
    "question_mark": "?",
}


def key_label(keys: str) -> str:
    return " / ".join(_KEY_NAMES.get(k, k) for k in keys.split(","))


def bindings_table(bindings: list[BindingType]) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    table.add_column("key")
    table.add_column("does")
    for binding in bindings:
        if isinstance(binding, Binding):
            table.add_row(key_label(binding.key), binding.description)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, view_bindings: list[BindingType], app_bindings: list[BindingType]) -> None:
        super().__init__()
        self.view_bindings = view_bindings
        self.app_bindings = app_bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static("Keys of this view", classes="title")
            yield Static(bindings_table(self.view_bindings))
            yield Static("Everywhere", classes="title")
            yield Static(bindings_table(self.app_bindings))
            yield Static("Esc closes this help.", classes="dim")

    def action_close(self) -> None:
        self.dismiss(None)
