"""A pseudo-terminal running a shell script, as a terminal user runs rnn-tui."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import struct
import time
from pathlib import Path

ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>]")


class Terminal:
    """bash running `script` on a 120×36 pseudo-terminal; `seen` holds what it wrote,
    escape sequences removed, and `raw` everything it wrote."""

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
        self.raw = b""

    def wait_for(self, marker: bytes, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while marker not in self.seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {marker!r}; last: {self.seen[-300:]!r}")
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    written = os.read(self.fd, 1 << 16)
                    self.raw += written
                    self.seen += ESCAPES.sub(b"", written)
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

    def children(self) -> list[int]:
        """The processes the shell started (the app it runs)."""
        found = []
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.pid:
                    found.append(int(entry.name))
        return found
