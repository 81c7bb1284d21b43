"""A panel heading."""

from __future__ import annotations

from textual.widgets import Static


class Title(Static):
    """One line of heading; laid out again only when its length (so its wrapping) changes."""

    def __init__(self, text: str = "", **kwargs) -> None:
        kwargs["classes"] = ("title " + kwargs.get("classes", "")).strip()
        super().__init__(text, **kwargs)
        self.text = text

    def set(self, text: str) -> None:
        relayout = len(text) != len(self.text)
        self.text = text
        self.update(text, layout=relayout)
