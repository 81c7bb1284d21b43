"""Token streams cut into parallel rows and truncated-BPTT windows (NumPy only).

Training reads a stream as `n` rows that each continue where they left off:

    ids  = w_0 w_1 … w_{N-1}            →  rows (n, N // n), row r = a contiguous slice
    window k: x = rows[:, kT : kT+T],  y = rows[:, kT+1 : kT+T+1]

so the hidden state left by window k is the right starting state for window k+1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from rnn_tui.errors import UserError

EVAL_ROWS = 16
Rows = Any  # (n, length) token ids: a NumPy array or a torch tensor


def as_rows(ids: np.ndarray, n_rows: int) -> np.ndarray:
    """(n_rows, N // n_rows) view of the stream; the ragged tail is dropped."""
    length = len(ids) // n_rows
    return ids[: n_rows * length].reshape(n_rows, length)


def window_at(rows: Rows, offset: int, bptt: int) -> tuple[Rows, Rows]:
    """(inputs, targets) of the window starting at column `offset`, at most `bptt` wide.

    Works on anything sliced like a 2-D array: NumPy rows or torch tensors.
    """
    width = min(bptt, rows.shape[1] - 1 - offset)
    return rows[:, offset : offset + width], rows[:, offset + 1 : offset + 1 + width]


def windows(rows: Rows, bptt: int, start: int = 0) -> Iterator[tuple[int, Rows, Rows]]:
    """(offset, inputs, targets) windows of at most `bptt` steps, from column `start`."""
    for offset in range(start, rows.shape[1] - 1, bptt):
        yield offset, *window_at(rows, offset, bptt)


def training_rows(ids: np.ndarray, batch_size: int, bptt: int, what: str) -> np.ndarray:
    """Rows for training; a stream too short for one full window is an error."""
    needed = batch_size * (bptt + 1)
    if len(ids) < needed:
        raise UserError(
            f"{what}: the training split has {len(ids)} tokens, fewer than one batch "
            f"(--batch {batch_size} × (--bptt {bptt} + 1) = {needed}); "
            "use a larger text or smaller --batch/--bptt"
        )
    return as_rows(ids, batch_size)


def evaluation_rows(ids: np.ndarray) -> np.ndarray:
    """Rows for evaluation: up to 16, each at least 2 tokens long.

    Torch validation and NumPy `eval` both use this, so they score the very same
    predictions and report the same loss.
    """
    if len(ids) < 2:
        raise UserError(f"the evaluation text has {len(ids)} tokens; at least 2 are needed")
    return as_rows(ids, max(1, min(EVAL_ROWS, len(ids) // 64)))
