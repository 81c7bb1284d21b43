"""What every app the CLI runs shares: the explorer, the lessons and the watch dashboard."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from textual.app import App

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


class RnnTuiApp(App[None]):
    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run as the process's one app (the CLI, the start-up benchmark; tests use
        `run_test`)."""
        freeze_imported_objects()
        return super().run(*args, **kwargs)

    def action_help(self) -> None:
        """Every key of the screen underneath (whatever screen it is) and the app's own."""
        from rnn_tui.tui.screens.help import help_for

        self.push_screen(help_for(self.screen, list(self.BINDINGS)))
