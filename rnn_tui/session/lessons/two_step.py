"""Chapter 8: the two-step derivation of ∂E/∂u, its three paths with numbers."""

from __future__ import annotations

import dataclasses

from rnn_tui.engine.two_step import TwoStepInputs, TwoStepTerms, two_step_terms
from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.reading import SettingsLive, setting
from rnn_tui.session.lessons.structure import Chapter, Exercise

SETTABLE = ("u", "w", "v", "b", "x1", "x2", "d1", "d2")


class TwoStepLive(SettingsLive):
    def __init__(self) -> None:
        self.inputs = TwoStepInputs()

    @property
    def terms(self) -> TwoStepTerms:
        return two_step_terms(self.inputs)

    def panel(self) -> list[str]:
        i, t = self.inputs, self.terms
        return [
            "h(t) = tanh(u·x(t) + w·h(t−1) + b), y(t) = v·h(t), E(t) = ½(y(t) − d(t))²",
            "  ".join(f"{n} = {getattr(i, n):+.3f}" for n in SETTABLE),
            f"h(1) = {t.h1:+.4f}   h(2) = {t.h2:+.4f}   y(1) = {t.y1:+.4f}   y(2) = {t.y2:+.4f}",
            f"E = E(1) + E(2) = {t.e1:.4f} + {t.e2:.4f}",
            "∂E/∂u, its three paths:",
            f"  E(1) directly          (y1−d1)·v·(1−h1²)·x1          = {t.direct_e1:+.4f}",
            f"  E(2) directly          (y2−d2)·v·(1−h2²)·x2          = {t.direct_e2:+.4f}",
            f"  E(2) through h(1)      (y2−d2)·v·(1−h2²)·w·(1−h1²)·x1 = {t.e2_through_h1:+.4f}",
            "  ∂E/∂u = ?",
        ]

    def set_value(self, text: str) -> str:
        """`w=0.2`: change one input."""
        parsed = setting(text, {name: (-10.0, 10.0) for name in SETTABLE})
        if isinstance(parsed, str):
            return parsed
        name, number = parsed
        self.inputs = dataclasses.replace(self.inputs, **{name: number})
        return f"{name} = {number:g}"


def _through_h1_cut(live: TwoStepLive) -> bool:
    t = live.terms
    return abs(t.e2_through_h1) < 5e-4 and abs(t.total) > 0.01


CHAPTER = Chapter(
    number=8,
    title=title(8),
    text=[
        "A network of one unit runs two steps: h(t) = tanh(u·x(t) + w·h(t−1) + b), with",
        "output y(t) = v·h(t) and error E(t) = ½(y(t) − d(t))². The total error is",
        "E = E(1) + E(2). The weight u is used at both steps, so ∂E/∂u collects every",
        "path from u to E. E(1) depends on u once, through h(1). E(2) depends on u twice:",
        "directly, through h(2)'s own input, and through h(1), which h(2) reads via w.",
        "That last path multiplies in w·(1 − h(1)²): a recurrent weight and a tanh slope.",
        "Over many steps such factors multiply again and again, and that is why",
        "gradients through time vanish (factors below 1) or explode (above 1).",
    ],
    keys="v sets an input, e.g. w=0.2",
    open_live=TwoStepLive,
    exercises=[
        Exercise(
            "sum",
            "What is ∂E/∂u? Add its three paths.",
            "The paths are summed, not multiplied: ∂E/∂u = the sum of the three terms.",
            expected=lambda live: live.terms.total,  # type: ignore[attr-defined]
        ),
        Exercise(
            "cut",
            "Cut the path through h(1) (make it 0) while ∂E/∂u stays away from 0.",
            "Which factor of that path belongs to it alone? It is the recurrent weight.",
            reached=_through_h1_cut,  # type: ignore[arg-type]
        ),
    ],
)
