"""Models shipped with the package, and the list of recently opened checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

BUNDLED_DIR = Path(__file__).resolve().parent / "models"
LESSON_DIR = BUNDLED_DIR / "lessons"  # models only the lessons open (not in the explorer's list)
RECENT_LIMIT = 10


PREFERRED_ORDER = (
    "shakespeare-lstm",
    "shakespeare-gru",
    "shakespeare-rnn",
    "dates-bigru-additive",
    "en-fr-gru-additive",
)


def bundled_models() -> list[Path]:
    """The bundled checkpoints: the LSTM first (the explorer opens it), then the others."""

    def rank(path: Path) -> tuple[int, str]:
        stem = path.stem
        return (
            PREFERRED_ORDER.index(stem) if stem in PREFERRED_ORDER else len(PREFERRED_ORDER),
            stem,
        )

    return sorted(BUNDLED_DIR.glob("*.safetensors"), key=rank)


def lesson_models() -> list[Path]:
    """The checkpoints the lessons need besides the bundled ones, by name."""
    return sorted(LESSON_DIR.glob("*.safetensors"))


def state_dir() -> Path:
    """Where the recent-models list and crash logs go: `RNN_TUI_STATE_DIR`, else the
    platform's user state folder (`$XDG_STATE_HOME/rnn-tui`, `~/.local/state/rnn-tui`)."""
    override = os.environ.get("RNN_TUI_STATE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_state_dir

    return Path(user_state_dir("rnn-tui", appauthor=False))


def recent_models() -> list[Path]:
    import json

    path = state_dir() / "recent.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(p) for p in entries if isinstance(p, str) and Path(p).exists()]


def remember_model(path: Path) -> None:
    """Put `path` first in the recent list (best effort: a read-only home is fine)."""
    import json

    from rnn_tui.files import write_text_atomically

    entries = [str(path.resolve())] + [
        str(p) for p in recent_models() if p.resolve() != path.resolve()
    ]
    try:
        directory = state_dir()
        directory.mkdir(parents=True, exist_ok=True)
        write_text_atomically(directory / "recent.json", json.dumps(entries[:RECENT_LIMIT]))
    except OSError:
        pass
