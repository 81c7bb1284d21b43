"""One-line labels that say less rather than lose their end: panel headings and status
lines."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.visual import Visual, visualize
from textual.widgets import Static


class FittingLine(Static):
    """One line, drawn in the longest of its forms that fits its width: the shorter forms
    say the same in fewer words, so a narrow panel (80×24) keeps its colour scale or its
    layer rather than losing them to an ellipsis. Laid out again only when the length of
    its first form (so its wrapping) changes."""

    def __init__(self, text: str = "", *shorter: str, **kwargs) -> None:
        super().__init__(text, **kwargs)
        self.forms: tuple[str, ...] = (text, *shorter)

    def set(self, text: str, *shorter: str) -> None:
        relayout = len(text) != len(self.forms[0])
        self.forms = (text, *shorter)
        self.update(text, layout=relayout)

    def shown_form(self) -> str:
        """The form drawn at the current width (the first before the first layout)."""
        return longest_fitting(self.forms, self.content_region.width)

    def render(self) -> Visual:
        if len(self.forms) == 1:
            return self.visual
        return visualize(self, self.shown_form(), markup=self._render_markup)


class Title(FittingLine):
    """A panel heading (the `title` style)."""

    def __init__(self, text: str = "", *shorter: str, **kwargs) -> None:
        kwargs["classes"] = ("title " + kwargs.get("classes", "")).strip()
        super().__init__(text, *shorter, **kwargs)


def longest_fitting(forms: Sequence[str], width: int) -> str:
    """The longest of `forms` (longest first) no wider than `width` cells, else the
    shortest; the first while the width is not known yet (≤ 0)."""
    if width <= 0:
        return forms[0]
    return next((form for form in forms if cell_len(form) <= width), forms[-1])
