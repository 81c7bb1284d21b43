"""Options that `train lm` and `train translate` share, defined once.

Each is a type alias carrying its flag and help; a command gives its own default
(`lr: LearningRate = 2e-3`), since a language model and a translator train best
with different ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LearningRate = Annotated[float, typer.Option("--lr", help="Peak learning rate (AdamW).")]
WeightDecay = Annotated[
    float, typer.Option("--weight-decay", help="AdamW weight decay on matrices.")
]
Warmup = Annotated[int, typer.Option("--warmup", help="Linear warm-up steps.")]
Clip = Annotated[float, typer.Option("--clip", help="Clip the global gradient norm (0 = off).")]
Steps = Annotated[int, typer.Option("--steps", help="Budget: optimiser steps (0 = no limit).")]
Epochs = Annotated[
    float, typer.Option("--epochs", help="Budget: passes over the data (0 = no limit).")
]
Minutes = Annotated[
    float, typer.Option("--minutes", help="Budget: wall-clock minutes (0 = no limit).")
]
EvalEvery = Annotated[int, typer.Option("--eval-every", help="Evaluate and save every N steps.")]
LogEvery = Annotated[int, typer.Option("--log-every", help="Report progress every N steps.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed for data, weights and order.")]
Device = Annotated[
    str, typer.Option("--device", help="auto, cpu or cuda (under torchrun: cuda:LOCAL_RANK).")
]
Precision = Annotated[
    str,
    typer.Option(
        "--precision",
        help="fp32, bf16 or fp16 (autocast; fp16 needs CUDA; bf16 LSTMs need AVX-512 on a CPU).",
    ),
]
Force = Annotated[bool, typer.Option("--force", help="Overwrite a run already in --out.")]
Resume = Annotated[
    Path | None,
    typer.Option(
        "--resume",
        help="Continue the run in this directory exactly (its own settings; "
        "--steps/--epochs/--minutes, if given, extend its budget).",
    ),
]
