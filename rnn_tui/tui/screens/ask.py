"""One modal question with a labelled text box: Enter returns the text, Esc returns None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class AskScreen(ModalScreen[str | None]):
    """`question` is the box's label (what the text is for), `hint` one line of help.

    With `newlines`, the box shows a newline as `\\n` and a typed `\\n` comes back as a
    newline (one line of input, text of many).
    """

    DEFAULT_CSS = """
    AskScreen {
        align: center bottom;
    }
    #ask {
        width: 100%;
        height: auto;
        background: $panel;
        border-top: tall $primary;
        padding: 0 1;
    }
    #ask .question {
        color: $accent;
        text-style: bold;
    }
    """  # here, not in a stylesheet: parsed when first opened, not before the first frame

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, question: str, hint: str = "", value: str = "", newlines: bool = False
    ) -> None:
        super().__init__()
        self.question = question
        self.newlines = newlines
        self.hint = (r"\n types a new line. " if newlines else "") + hint
        self.value = value.replace("\n", r"\n") if newlines else value

    def compose(self) -> ComposeResult:
        with Vertical(id="ask"):
            yield Static(self.question, classes="question")
            yield Input(value=self.value, id="ask-input")
            yield Static(f"{self.hint}  Enter: done · Esc: cancel".strip(), classes="dim")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.replace(r"\n", "\n") if self.newlines else event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
