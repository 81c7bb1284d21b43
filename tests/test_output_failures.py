"""Output that cannot be written: a full disk says so in one line, a reader that went
away (`| head`) ends the command quietly, and files name themselves when they fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_tui.bundled import bundled_models
from rnn_tui.checkpoint import checkpoint_kind, load_checkpoint
from rnn_tui.errors import UserError
from rnn_tui.train.metrics_log import MetricsLog

from .conftest import tiny_training_args

FULL = Path("/dev/full")  # every write to it fails with ENOSPC
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")
LM = next(p for p in bundled_models() if checkpoint_kind(p) == "lm")
TRANSLATOR = next(p for p in bundled_models() if checkpoint_kind(p) == "translator")
COMMANDS = {
    "generate": ["generate", str(LM), "-n", "5"],
    "info": ["info", str(LM)],
    "translate": ["translate", str(TRANSLATOR), "she is tall ."],
}


def rnn_tui(args: list[str], unbuffered: bool = False, **streams: object) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        environment["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "rnn_tui", *args], env=environment, text=True, **streams
    )


@needs_dev_full
@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_a_full_disk_under_stdout_is_one_line_naming_it(unbuffered: bool) -> None:
    expected = "stdout: " if not unbuffered else "the output could not be written: "
    for name, args in COMMANDS.items():
        with FULL.open("w") as full:
            run = rnn_tui(args, unbuffered, stdout=full, stderr=subprocess.PIPE)
            _, errors = run.communicate(timeout=60)
        lines = [line for line in errors.splitlines() if not line.startswith("note:")]
        assert run.returncode == 1, (name, errors)
        assert lines == [f"error: {expected}No space left on device"], (name, errors)


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    run = rnn_tui(
        ["generate", str(LM), "-n", "100000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert run.stdout is not None and run.stderr is not None
    assert len(run.stdout.read(10)) == 10
    run.stdout.close()
    errors = run.stderr.read()
    assert run.wait(timeout=60) == 141, errors  # as `yes | head` ends: killed by SIGPIPE
    assert errors == ""


@needs_dev_full
def test_an_error_line_that_cannot_be_written_still_ends_with_its_status(tmp_path: Path) -> None:
    with FULL.open("w") as full:
        run = rnn_tui(["info", str(tmp_path / "none.safetensors")], stderr=full)
        assert run.wait(timeout=60) == 2  # not 120 from the interpreter's failed flush


@pytest.mark.slow
@needs_dev_full
def test_training_whose_output_fails_still_saves_then_says_so(
    repetitive_text_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    with FULL.open("w") as full:
        run = rnn_tui(
            tiny_training_args(repetitive_text_file, out, steps=20, eval_every="10"),
            stdout=full, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, errors = run.communicate(timeout=120)
    assert run.returncode == 1 and errors == "error: stdout: No space left on device\n", errors
    assert load_checkpoint(out / "last.safetensors").meta["history"]["steps"] == 20


@needs_dev_full
def test_a_training_log_on_a_full_disk_names_its_file() -> None:
    log = MetricsLog(FULL)
    with pytest.raises(UserError, match=r"^/dev/full: cannot write the training log \(No space"):
        log.write({"step": 1})
    log.close()


@needs_dev_full
def test_an_atomic_write_that_fails_names_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rnn_tui import files

    target = tmp_path / "progress.json"
    target.write_text("old")

    def open_the_full_disk(handle: int, *args: object, **kwargs: object) -> object:
        os.close(handle)
        return FULL.open("w")

    monkeypatch.setattr(files.os, "fdopen", open_the_full_disk)
    with pytest.raises(OSError) as raised:
        files.write_text_atomically(target, "new")
    assert raised.value.filename == str(target) and "No space" in str(raised.value)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == [target.name]
