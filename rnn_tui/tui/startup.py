"""Start-up settings shared by the apps the CLI runs."""

from __future__ import annotations

import gc

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
