"""Every key of the current view, with what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from rnn_tui.tui.screens.dialog import dialog_css

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
    """Each key, its short name (as in the footer) and what it does, in a student's words."""
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column("key", no_wrap=True, style="bold")
    table.add_column("what it does")
    for binding in bindings:
        if isinstance(binding, Binding):
            does = Text.assemble((binding.description, "bold"))
            if binding.tooltip:
                does.append(f": {binding.tooltip}")
            table.add_row(key_label(binding.key), does)
    return table


def help_for(view: Screen, app_bindings: list[BindingType]) -> HelpScreen:
    """Help on every key of `view` (none if it is itself a dialog) and the app's own."""
    bindings = [] if isinstance(view, ModalScreen) else list(getattr(view, "BINDINGS", []))
    bindings = [  # an app key a view re-binds only to keep it out of its footer
        b
        for b in bindings
        if not (isinstance(b, Binding) and b.action.startswith("app.") and not b.show)
    ]
    return HelpScreen(bindings, app_bindings)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = dialog_css("HelpScreen", "help")

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, view_bindings: list[BindingType], app_bindings: list[BindingType]) -> None:
        super().__init__()
        self.view_bindings = view_bindings
        self.app_bindings = app_bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            if self.view_bindings:
                yield Static("Keys of this view", classes="title")
                yield Static(bindings_table(self.view_bindings))
            yield Static("Everywhere", classes="title")
            yield Static(bindings_table(self.app_bindings))
            yield Static(
                "Text boxes take \\n for a new line; Enter accepts, "
                "Esc cancels. Esc or ? closes this help; ↑/↓ scroll it.",
                classes="dim",
            )

    def action_close(self) -> None:
        self.dismiss(None)
