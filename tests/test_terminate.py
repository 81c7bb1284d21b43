"""`kill` (SIGTERM) ends a full-screen app as `q` does: the terminal gets back its
screen, cursor and mouse, and the shell sees the status of a process ended by SIGTERM.
Left to the default, the process would die in the app's alternate screen with mouse
reporting on, and every mouse move would then type escape codes at the shell prompt."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from .pty_terminal import Terminal
from .test_watch import run_folder, start, train

LEFT_ALTERNATE_SCREEN = b"\x1b[?1049l"
MOUSE_REPORTING_OFF = b"\x1b[?1000l"


@pytest.mark.slow
@pytest.mark.parametrize(
    "words, drawn",
    [("", b"paused"), ("lesson", b"Why recurrence"), ("watch {run}", b"Next run")],
    ids=["explorer", "lessons", "dashboard"],
)
def test_sigterm_gives_the_terminal_back_and_exits_143(
    words: str, drawn: bytes, tmp_path: Path
) -> None:
    run = run_folder(tmp_path, [start(), train(1), train(2)])
    command = f"{sys.executable} -m rnn_tui {words.format(run=run)}"
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
