"""The output directory of a training run: fresh, never silently overwritten, one run at a time."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rnn_tui.errors import UserError
from rnn_tui.files import RUN_LOCK_NAME

CHECKPOINT_NAMES = ("last.safetensors", "best.safetensors", "metrics.jsonl", "resume.safetensors")
LOCK_NAME = RUN_LOCK_NAME

_held: list[int] = []  # descriptors of the run-folder locks this process holds


@contextlib.contextmanager
def releasing_run_dirs() -> Iterator[None]:
    """Release the folders claimed inside, when the run they were claimed for returns
    (a process that dies releases them anyway)."""
    before = len(_held)
    try:
        yield
    finally:
        while len(_held) > before:
            os.close(_held.pop())


def claim_run_dir(folder: Path, what: str) -> None:
    """Take the folder for this process: an exclusive `flock` on `folder/.rnn-tui.lock`,
    held until the process ends. The kernel drops it when the process dies (kill -9
    included), so a crashed run never leaves a stale lock; a second run started into the
    same folder, even seconds later, is refused."""
    try:
        descriptor = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise UserError(f"{what} {folder}: cannot write there ({error.strerror})") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip() or "?"
        os.close(descriptor)
        raise UserError(
            f"{what} {folder}: another training run (pid {holder}) is writing there; "
            "wait for it to end or choose another folder"
        ) from None
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    _held.append(descriptor)


@dataclass(frozen=True)
class RunDirRequest:
    """`--out` (None: runs/<prefix>-<time>) and `--force`, as given on the command line."""

    out: Path | None
    prefix: str
    force: bool = False

    def prepare(self) -> Path:
        """A fresh output directory, claimed by this process; an existing run is never
        overwritten without --force, and one still running never."""
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
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"--out {out}: cannot create it ({error.strerror})") from None
        claim_run_dir(out, "--out")
        existing = [name for name in CHECKPOINT_NAMES if (out / name).exists()]
        if existing and not self.force:  # a run that finished between the two looks
            raise UserError(
                f"--out {out}: already holds a run ({', '.join(existing)}); "
                "use --force to overwrite"
            )
        for name in existing:
            (out / name).unlink()
        return out
