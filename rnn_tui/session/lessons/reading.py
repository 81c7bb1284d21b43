"""What the lesson views over a bundled language model share: reading a line one
character per step, a text of your own, and the unit j being watched."""

from __future__ import annotations


class ReadingLive:
    """A bundled model reading `text` (→ feeds its next character; past its end the
    model continues with its own likeliest or sampled character)."""

    def __init__(self, stem: str, text: str, start: int) -> None:
        # Imported here, not at the top: the chapter list imports every chapter and must
        # not wait for NumPy and the engine.
        from rnn_tui.session.lessons.models import bundled_language_model
        from rnn_tui.session.lm import LanguageModelSession

        self.model = bundled_language_model(stem)
        self.session = LanguageModelSession(self.model)
        self.text = text
        self.session.reset(text[:start])
        self.unit = 0

    def step(self) -> bool:
        read = self.model.tokenizer.decode(self.session.tokens)
        if self.text.startswith(read) and len(read) < len(self.text):
            self.session.type_text(self.text[len(read)])
        else:
            self.session.advance()
        return True

    def back(self) -> bool:
        return self.session.back()

    def type_text(self, text: str) -> str:
        self.session.reset(text)
        return f"read {len(text)} characters"

    def set_value(self, text: str) -> str:
        """`unit N` (or just `N`): watch unit N."""
        words = text.replace("=", " ").split()
        try:
            unit = int(words[-1])
        except (IndexError, ValueError):
            return "type a unit number, e.g. unit 12"
        if not 0 <= unit < self.model.config.hidden_size:
            return f"units are 0 to {self.model.config.hidden_size - 1}"
        self.unit = unit
        return f"watching unit {unit}"


class SettingsLive:
    """A live view moved by values set (`v name=value`), not by steps; a text typed is
    read as a setting too."""

    def step(self) -> bool:
        return False

    def back(self) -> bool:
        return False

    def type_text(self, text: str) -> str:
        return self.set_value(text)

    def set_value(self, text: str) -> str:
        raise NotImplementedError


def setting(text: str, allowed: dict[str, tuple[float, float]]) -> tuple[str, float] | str:
    """`name=value` with the name among `allowed` and the value in its (low, high]
    range; else a line saying what was expected."""
    name, _, value = text.replace(" ", "").partition("=")
    names = ", ".join(f"{n}=…" for n in allowed)
    if name not in allowed:
        return f"type one of {names}"
    try:
        number = float(value.replace("−", "-"))
    except ValueError:
        return f"{value!r} is not a number"
    low, high = allowed[name]
    if not low < number <= high:
        return f"{name} goes above {low:g} up to {high:g}"
    return name, number


class AlongLive:
    """A live view at a position `at` along `length()` places (→ and ← move it) that
    reads a new source when one is typed (t); it has no values to set."""

    at = 0
    source = ""
    DEFAULT_SOURCE = ""
    READING = "reading"  # the verb in the line said after a source is typed

    def length(self) -> int:
        raise NotImplementedError

    def read(self, source: str) -> None:
        raise NotImplementedError

    def step(self) -> bool:
        if self.at + 1 >= self.length():
            return False
        self.at += 1
        return True

    def back(self) -> bool:
        if self.at == 0:
            return False
        self.at -= 1
        return True

    def type_text(self, text: str) -> str:
        self.read(text.strip() or self.DEFAULT_SOURCE)
        return f"{self.READING} {self.source!r}"

    def set_value(self, text: str) -> str:
        return "this chapter has no values to set; t gives a new source"
