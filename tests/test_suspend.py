"""Ctrl+Z puts a full-screen app in the background where a job-control shell can bring it
back, and does nothing where none can (a stop would then be for good).

Each test runs the explorer on a pseudo-terminal under bash, as a terminal user does:
with `set -m` bash runs it as a job in a process group of its own (a login shell's
job control); without it, in bash's own group, the session leader's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .pty_terminal import Terminal

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
