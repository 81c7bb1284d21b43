"""Which exercises a person has done, kept between runs in the user's state folder."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from rnn_tui.bundled import state_dir
from rnn_tui.files import write_text_atomically

MAX_BYTES = 1 << 20


def progress_file() -> Path:
    return state_dir() / "lessons.json"


def load_progress() -> dict[str, list[str]]:
    """{chapter number: [exercise keys done]}; a missing or damaged file is no progress."""
    path = progress_file()
    try:
        if path.stat().st_size > MAX_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k): [x for x in v if isinstance(x, str)] for k, v in data.items() if isinstance(v, list)
    }


def mark_done(chapter: int, exercise: str) -> None:
    """Record one finished exercise (best effort: a read-only home loses it silently)."""
    progress = load_progress()
    done = progress.setdefault(str(chapter), [])
    if exercise not in done:
        done.append(exercise)
    path = progress_file()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, json.dumps(progress))


def done_count(progress: dict[str, list[str]], chapter: int) -> int:
    """How many different exercises of `chapter` the progress holds done."""
    return len(set(progress.get(str(chapter), [])))
