"""The output directory of a training run: fresh, never silently overwritten."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rnn_tui.errors import UserError

CHECKPOINT_NAMES = ("last.safetensors", "best.safetensors", "metrics.jsonl", "resume.safetensors")


@dataclass(frozen=True)
class RunDirRequest:
    """`--out` (None: runs/<prefix>-<time>) and `--force`, as given on the command line."""

    out: Path | None
    prefix: str
    force: bool = False

    def prepare(self) -> Path:
        """A fresh output directory; an existing run is never overwritten without --force."""
        out = self.out
        if out is None:
            out = Path("runs") / f"{self.prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
        if out.exists() and not out.is_dir():
            raise UserError(f"--out {out}: exists and is not a directory")
        existing = [name for name in CHECKPOINT_NAMES if (out / name).exists()]
        if existing and not self.force:
            raise UserError(
                f"--out {out}: already holds a run ({', '.join(existing)}); "
                "use --force to overwrite"
            )
        for name in existing:
            (out / name).unlink()
        out.mkdir(parents=True, exist_ok=True)
        return out
