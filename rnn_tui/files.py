"""Is this path a file rnn-tui may open? Checked before opening, named in one line."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from rnn_tui.errors import UserError

RUN_LOCK_NAME = ".rnn-tui.lock"  # a training run's lock on its folder; holds the trainer's pid


def regular_file_size(path: Path, named: str, kind: str = "file") -> int:
    """The size of `path` when it is a regular file; else one line starting with `named`.

    FIFOs, devices and sockets are refused before they are opened: opening a FIFO
    blocks until a writer comes, and a device can be read for ever."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise UserError(f"{named}: no such {kind}") from None
    except OSError as error:
        raise UserError(f"{named}: cannot read it ({error.strerror})") from None
    if stat.S_ISDIR(status.st_mode):
        raise UserError(f"{named}: is a directory, expected a {kind}")
    if not stat.S_ISREG(status.st_mode):
        raise UserError(f"{named}: not a regular file (a pipe or a device), expected a {kind}")
    return status.st_size


def write_text_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader (or a crash) sees the old file or
    the new one, never half of one. The text goes to a temporary file beside it first."""
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes 0600; honour the umask
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(error, OSError) and error.filename is None:  # a write: name the file
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise


def current_umask() -> int:
    """The process's umask (reading it means setting it: it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
