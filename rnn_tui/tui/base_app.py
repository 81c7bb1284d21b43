"""What every app the CLI runs shares: the explorer, the lessons and the watch dashboard."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

_frozen = False


def freeze_imported_objects() -> None:
    """Move everything alive now (the imported modules, classes and constants, which live
    as long as the process) out of the garbage collector's reach, so that its full
    collections during the first frames do not walk them again (`bench/startup.py`).
    Only the first call in a process freezes: a later one would also keep whatever
    garbage the apps before it left."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


def stylesheets(*names: str) -> list[Path]:
    """The stylesheets an app draws with (`common`, and its own): Textual parses all of an
    app's CSS before its first frame, so no app reads another's rules."""
    folder = Path(__file__).resolve().parent
    return [folder / f"{name}.tcss" for name in names]


SUSPEND = Binding(
    "ctrl+z", "suspend_process", "Suspend", show=False,
    tooltip="put rnn-tui in the background; the shell's fg brings it back",
)  # fmt: skip


def under_job_control() -> bool:
    """Whether a job-control shell can bring this process back after Ctrl+Z: it runs in a
    process group of its own, not its session leader's. Run as its session's first
    process, or by a shell without job control, Textual's stop (SIGSTOP) would be for
    good."""
    try:
        return os.getpgrp() != os.getsid(0)
    except (AttributeError, OSError):  # no process groups (Windows)
        return False


TERMINATED_STATUS = 128 + signal.SIGTERM  # what a shell reports for a process killed by it


class RnnTuiApp(App[None]):
    BINDINGS = [SUSPEND]
    _runs_in_a_terminal = False

    def on_mount(self) -> None:
        """Run for real, `kill` (SIGTERM) ends the app as `q` does: the terminal gets its
        screen, cursor and mouse back (the default would leave it in the app's modes)."""
        if self._runs_in_a_terminal:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # no Unix signals
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.terminate)

    def terminate(self) -> None:
        self.exit(return_code=TERMINATED_STATUS)

    def action_suspend_process(self) -> None:
        if under_job_control():
            super().action_suspend_process()
        else:
            self.notify(
                "no shell with job control to come back to here, so ctrl+z does not "
                "suspend (q quits)",
                timeout=6,
            )

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run as the process's one app (the CLI, the start-up benchmark; tests use
        `run_test`)."""
        freeze_imported_objects()
        self._runs_in_a_terminal = True
        return super().run(*args, **kwargs)

    def action_help(self) -> None:
        """Every key of the screen underneath (whatever screen it is) and the app's own."""
        from rnn_tui.tui.screens.help import help_for

        self.push_screen(help_for(self.screen, [*self.BINDINGS, SUSPEND]))
