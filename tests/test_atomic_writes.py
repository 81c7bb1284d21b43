"""The small state files (recent models, lesson progress, a resumed run's metrics) are
replaced in one step: a failure part-way leaves the old file whole and no debris."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rnn_tui.bundled import recent_models, remember_model, state_dir
from rnn_tui.files import write_text_atomically


def disk_full(source: str, destination: str) -> None:
    raise OSError(28, "No space left on device")


def test_an_atomic_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old", encoding="utf-8")
    write_text_atomically(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "state.json"
    target.write_text("old", encoding="utf-8")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        write_text_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["state.json"]


def test_the_recent_list_survives_a_failed_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    first.write_bytes(b""), second.write_bytes(b"")
    remember_model(first)
    assert recent_models() == [first.resolve()]

    monkeypatch.setattr(os, "replace", disk_full)
    remember_model(second)  # best effort: no error, and the saved list is kept whole
    assert json.loads((state_dir() / "recent.json").read_text()) == [str(first.resolve())]


def test_an_atomic_write_keeps_the_permissions_a_plain_write_gives(tmp_path: Path) -> None:
    """The temporary file is made 0600; the file it becomes gets 0666 less the umask, as
    `open(path, "w")` would give it (the recent list and a run's metrics log were 0600)."""
    import stat

    previous = os.umask(0o022)
    try:
        plain, atomic = tmp_path / "plain.json", tmp_path / "atomic.json"
        plain.write_text("x", encoding="utf-8")
        write_text_atomically(atomic, "x")
        assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o644
    finally:
        os.umask(previous)
