"""The two-step scalar RNN: ∂E/∂u as the sum of its paths, with numbers.

    h(t) = tanh(u·x(t) + w·h(t−1) + b),   h(0) = 0
    y(t) = v·h(t),   E(t) = ½ (y(t) − d(t))²,   E = E(1) + E(2)

Because h(2) depends on u directly and through h(1),

    ∂E/∂u = ∂E(1)/∂u
          + ∂E(2)/∂h(2) · ∂h(2)/∂u |direct
          + ∂E(2)/∂h(2) · ∂h(2)/∂h(1) · ∂h(1)/∂u

    ∂E(t)/∂h(t) = (y(t) − d(t))·v,   ∂h(t)/∂(pre) = 1 − h(t)²
    direct E(1)      = (y1 − d1)·v·(1 − h1²)·x1
    direct E(2)      = (y2 − d2)·v·(1 − h2²)·x2
    E(2) through h1  = (y2 − d2)·v·(1 − h2²)·w·(1 − h1²)·x1
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TwoStepInputs:
    u: float = 0.5
    w: float = 0.9
    v: float = 1.2
    b: float = 0.1
    x1: float = 1.0
    x2: float = -0.5
    d1: float = 0.3
    d2: float = -0.2


@dataclass(frozen=True)
class TwoStepTerms:
    h1: float
    h2: float
    y1: float
    y2: float
    e1: float
    e2: float
    direct_e1: float
    direct_e2: float
    e2_through_h1: float

    @property
    def total(self) -> float:
        return self.direct_e1 + self.direct_e2 + self.e2_through_h1


def two_step_terms(p: TwoStepInputs) -> TwoStepTerms:
    h1 = math.tanh(p.u * p.x1 + p.b)
    h2 = math.tanh(p.u * p.x2 + p.w * h1 + p.b)
    y1, y2 = p.v * h1, p.v * h2
    de1_dh1 = (y1 - p.d1) * p.v
    de2_dh2 = (y2 - p.d2) * p.v
    return TwoStepTerms(
        h1=h1,
        h2=h2,
        y1=y1,
        y2=y2,
        e1=0.5 * (y1 - p.d1) ** 2,
        e2=0.5 * (y2 - p.d2) ** 2,
        direct_e1=de1_dh1 * (1 - h1**2) * p.x1,
        direct_e2=de2_dh2 * (1 - h2**2) * p.x2,
        e2_through_h1=de2_dh2 * (1 - h2**2) * p.w * (1 - h1**2) * p.x1,
    )


def two_step_lines(p: TwoStepInputs, terms: TwoStepTerms) -> list[str]:
    """The derivation as lines of text with this example's numbers."""
    values = ", ".join(f"{k}={v:g}" for k, v in asdict(p).items())
    return [
        f"h(t) = tanh(u·x(t) + w·h(t−1) + b), y = v·h, E(t) = ½(y − d)²;  {values}",
        f"h1 = {terms.h1:+.4f}  h2 = {terms.h2:+.4f}  E = {terms.e1:.4f} + {terms.e2:.4f}",
        f"∂E(1)/∂u            = (y1−d1)·v·(1−h1²)·x1          = {terms.direct_e1:+.6f}",
        f"∂E(2)/∂u direct     = (y2−d2)·v·(1−h2²)·x2          = {terms.direct_e2:+.6f}",
        f"∂E(2)/∂u via h(1)   = (y2−d2)·v·(1−h2²)·w·(1−h1²)·x1 = {terms.e2_through_h1:+.6f}",
        f"∂E/∂u = sum of the three paths                      = {terms.total:+.6f}",
    ]
