"""Evaluation figures from a mean loss in nats per token."""

from __future__ import annotations

import math


def lm_figures(loss: float, tokenizer_kind: str) -> dict[str, float]:
    """val_loss (nats/token), val_ppl = e^loss, and for char models val_bpc = loss / ln 2."""
    figures = {"val_loss": loss, "val_ppl": math.exp(min(loss, 700.0))}
    if tokenizer_kind == "char":
        figures["val_bpc"] = loss / math.log(2.0)
    return figures
