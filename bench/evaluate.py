"""`LanguageModel.evaluate` (what `rnn-tui eval` runs) on the bundled language models,
with the recurrent product W s_{t−1} taken against the stored row-major Wᵀ (the engine)
and against the transposed view of W (the engine before it kept Wᵀ).

    python bench/evaluate.py [--tokens 48000] [--rounds 3]

Each model scores the same random tokens, read as `evaluate` reads a stream: 16 rows
side by side, so each step multiplies a (16 × H) batch of states by Wᵀ. The two ways
run alternately, `--rounds` times each, on one OpenBLAS thread (the engine's default).
Prints the median seconds of each, their ratio, and the largest difference between
the two losses (the same sums in another order at most: float32 rounding).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads, as rnn_tui sets it

import numpy as np

from rnn_tui.engine.cells import CellWeights
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.loading import load_language_model

MODELS = Path(__file__).resolve().parent.parent / "rnn_tui" / "models"
STORED = CellWeights.recurrent


def through_view(self: CellWeights, h: np.ndarray) -> np.ndarray:
    """h Wᵀ with Wᵀ the transposed view of W: the engine's product before it kept Wᵀ."""
    return h @ self.w.T


def timed_loss(model: LanguageModel, ids: np.ndarray) -> tuple[float, float]:
    start = time.perf_counter()
    loss = model.evaluate(ids).loss
    return time.perf_counter() - start, loss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=48_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"OpenBLAS threads {os.environ['OPENBLAS_NUM_THREADS']}; numpy {np.__version__}; "
          f"{args.tokens:,} random tokens, 16 rows")  # fmt: skip
    print(f"{'model':>22} {'Wᵀ stored, s':>12} {'W.T view, s':>12} {'ratio':>6} {'|Δ loss|':>9}")
    for name in ("shakespeare-rnn", "shakespeare-gru", "shakespeare-lstm"):
        model = load_language_model(MODELS / f"{name}.safetensors")
        ids = np.random.default_rng(0).integers(4, model.config.vocab_size, size=args.tokens)
        stored, view, difference = [], [], 0.0
        for _ in range(args.rounds):
            CellWeights.recurrent = STORED
            seconds, loss = timed_loss(model, ids)
            stored.append(seconds)
            CellWeights.recurrent = through_view
            seconds, view_loss = timed_loss(model, ids)
            view.append(seconds)
            difference = max(difference, abs(loss - view_loss))
        CellWeights.recurrent = STORED
        ours, theirs = statistics.median(stored), statistics.median(view)
        print(f"{name:>22} {ours:12.3f} {theirs:12.3f} {theirs / ours:5.2f}× {difference:9.1e}")


if __name__ == "__main__":
    main()
