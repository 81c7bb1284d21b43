"""Choose a model: bundled checkpoints and recently opened ones."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from rnn_tui.text_safety import visible
from rnn_tui.tui.plain import model_name
from rnn_tui.tui.screens.dialog import dialog_css


def where(path: Path) -> str:
    """A recent model's folder, with the home folder written `~`."""
    folder = str(path.parent)
    home = str(Path.home())
    if folder == home or folder.startswith(home + "/"):
        folder = "~" + folder[len(home) :]
    return visible(folder, keep="")


class ModelPicker(ModalScreen[Path | None]):
    DEFAULT_CSS = dialog_css("ModelPicker", "picker")

    BINDINGS = [Binding("escape", "dismiss_picker", "Close")]

    def __init__(self, bundled: list[Path], recent: list[Path]) -> None:
        super().__init__()
        self.choices: list[Path] = []
        self.options: list[Option] = []
        for label, paths in (("bundled", bundled), ("recent", recent)):
            for path in paths:
                if path in self.choices:
                    continue
                self.choices.append(path)
                self.options.append(
                    Option(
                        Text.assemble(
                            (model_name(path), "bold"),
                            (f"  {label}" if label == "bundled" else f"  {where(path)}", "dim"),
                        ),
                        id=str(len(self.choices) - 1),
                    )
                )

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("Open a model  (Enter opens, Esc closes)", classes="title")
            if self.options:
                yield OptionList(*self.options, id="picker-list")
            else:
                yield Static(
                    "No bundled or recent models. Start with: rnn-tui explore PATH.safetensors"
                )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
