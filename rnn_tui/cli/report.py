"""How the command line shows an error: one `error:` line on stderr (no Typer here, so
that the commands that open without parsing can use it too)."""

from __future__ import annotations

import contextlib
import errno
import os
import sys

from rnn_tui.text_safety import visible
from rnn_tui.train.torchrun_env import process_rank


def print_error(message: str) -> None:
    """One `error:` line on stderr, control characters made visible (a path or a value
    from a file may hold escape sequences); under torchrun only rank 0 prints."""
    if not process_rank():
        try:
            print(f"error: {visible(message, keep='')}", file=sys.stderr)
        except OSError:  # stderr itself cannot be written: nowhere left to say it
            discard_output(sys.stderr)


def file_error_line(error: OSError) -> str | None:
    """An OSError that names its file, as the one line to show ("PATH: reason"); None
    for one that names none, which is a bug to show in full."""
    if error.filename is None:
        return None
    return f"{error.filename}: {error.strerror or error}"


WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})
READER_GONE_STATUS = 128 + 13  # as a tool killed by SIGPIPE: `yes | head` gives 141


def reader_gone(error: OSError) -> bool:
    """stdout or stderr was a pipe whose reader has closed it (`rnn-tui … | head`)."""
    return isinstance(error, BrokenPipeError) and error.filename is None


def output_error_line(error: OSError) -> str | None:
    """A write that failed (a full disk, a quota, a device gone) and names no file, as one
    line. rnn-tui's own files name themselves when they fail, so this is stdout or
    stderr: named when one of them still holds the text it could not write (the failed
    stream then writes to /dev/null, so that the interpreter's last flush does not fail
    again); an unbuffered stream (PYTHONUNBUFFERED, `python -u`) keeps nothing to tell."""
    if error.filename is not None or error.errno not in WRITE_FAILURES:
        return None
    reason = error.strerror or str(error)
    for name, stream in (("stdout", sys.stdout), ("stderr", sys.stderr)):
        try:
            stream.flush()
        except OSError:
            discard_output(stream)
            return f"{name}: {reason}"
    return f"the output could not be written: {reason}"


def discard_output(stream: object) -> None:
    """From now on `stream`'s file descriptor writes to /dev/null."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # type: ignore[attr-defined]
        os.close(devnull)
