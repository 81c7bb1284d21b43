"""Ctrl+Z puts a full-screen app in the background where a job-control shell can bring it
back, and does nothing where none can (a stop would then be for good).

Each test runs the explorer on a pseudo-terminal under bash, as a terminal user does:
with `set -m` bash runs it as a job in a process group of its own (a login shell's
job control); without it, in bash's own group, the session leader's.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import struct
import sys
import time
from pathlib import Path

import pytest

ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>]")


class Terminal:
    """bash running `script` on a 120×36 pseudo-terminal; `seen` holds what it wrote,
    escape sequences removed."""

    def __init__(self, script: str, state: Path) -> None:
        import fcntl
        import termios

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a new session with the terminal as its own
            os.environ.update(TERM="xterm-256color", XDG_STATE_HOME=str(state))
            os.environ.pop("TEXTUAL_DRIVER", None)
            os.execvp("bash", ["bash", "--norc", "--noprofile", "-c", script])
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
        self.seen = b""

    def wait_for(self, marker: bytes, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while marker not in self.seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {marker!r}; last: {self.seen[-300:]!r}")
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.seen += ESCAPES.sub(b"", os.read(self.fd, 1 << 16))
                except OSError:  # the terminal closed: everything has exited
                    raise AssertionError(
                        f"closed before {marker!r}: {self.seen[-300:]!r}"
                    ) from None

    def press(self, key: bytes) -> None:
        os.write(self.fd, key)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


EXPLORER = f"{sys.executable} -m rnn_tui"


@pytest.mark.slow
def test_ctrl_z_under_job_control_stops_the_explorer_and_fg_brings_it_back(
    tmp_path: Path,
) -> None:
    terminal = Terminal(f"set -m; {EXPLORER}; echo STOPPED=$?; fg; echo EXIT=$?", tmp_path)
    try:
        terminal.wait_for(b"paused")  # the first model is drawn
        terminal.press(b"\x1a")
        terminal.wait_for(b"STOPPED=147")  # 128 + SIGSTOP: the job stopped, bash went on
        terminal.seen = b""
        terminal.wait_for(b"paused")  # `fg`: drawn again
        terminal.press(b"q")
        terminal.wait_for(b"EXIT=0")
    finally:
        terminal.close()


def test_ctrl_z_without_job_control_leaves_the_explorer_running(tmp_path: Path) -> None:
    terminal = Terminal(f"{EXPLORER}; echo EXIT=$?", tmp_path)
    try:
        terminal.wait_for(b"paused")
        terminal.press(b"\x1a")
        terminal.wait_for(b"job control")  # the notice says why nothing happened
        terminal.press(b"q")  # it still answers: it was not stopped
        terminal.wait_for(b"EXIT=0", seconds=15)
    finally:
        terminal.close()
