"""`kill` (SIGTERM) ends a full-screen app as `q` does: the terminal gets back its
screen, cursor and mouse, and the shell sees the status of a process ended by SIGTERM.
Left to the default, the process would die in the app's alternate screen with mouse
reporting on, and every mouse move would then type escape codes at the shell prompt."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from .pty_terminal import Terminal

LEFT_ALTERNATE_SCREEN = b"\x1b[?1049l"
MOUSE_REPORTING_OFF = b"\x1b[?1000l"


def a_run(folder: Path) -> Path:
    folder.mkdir()
    records = [{"type": "start", "step": 0, "planned_steps": 100, "minutes": None, "clip": 1.0,
                "resumed": False, "pid": os.getpid(), "host": socket.gethostname()}]  # fmt: skip
    records += [{"type": "train", "step": s, "loss": 2.0, "grad_norm": 0.5} for s in (1, 2)]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    "words, drawn",
    [("", b"paused"), ("lesson", b"Why recurrence"), ("watch {run}", b"Next run")],
    ids=["explorer", "lessons", "dashboard"],
)
def test_sigterm_gives_the_terminal_back_and_exits_143(
    words: str, drawn: bytes, tmp_path: Path
) -> None:
    command = f"{sys.executable} -m rnn_tui {words.format(run=a_run(tmp_path / 'run'))}"
    terminal = Terminal(f"{command}; echo EXIT=$?", tmp_path)
    try:
        terminal.wait_for(drawn)
        (app,) = terminal.children()
        drawn_until = len(terminal.raw)
        os.kill(app, signal.SIGTERM)
        terminal.wait_for(b"EXIT=143", seconds=15)
        after_the_signal = terminal.raw[drawn_until:]
        assert LEFT_ALTERNATE_SCREEN in after_the_signal
        assert MOUSE_REPORTING_OFF in after_the_signal
    finally:
        terminal.close()
