"""Nothing is lost: one run per folder, SIGHUP saves, and the log of a run that was
killed and resumed, or whose save failed, reads as an uninterrupted run's."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_tui.checkpoint import load_checkpoint
from rnn_tui.train.metrics_log import read_metrics

from .conftest import tiny_training_args

pytestmark = pytest.mark.slow

ENVIRONMENT = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}


def start_training(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "rnn_tui", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENVIRONMENT,
    )  # fmt: skip


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def one_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def logged(out: Path) -> list[tuple]:
    """The log as an uninterrupted run writes it: every record's type and step, and the
    losses (timings, which differ between any two runs, left out; so are the start and
    end records, which say when a process began and stopped)."""
    return [
        (r["type"], r["step"], r.get("loss"), r.get("grad_norm"), r.get("val_loss"))
        for r in read_metrics(out / "metrics.jsonl")
        if r["type"] not in ("start", "end")
    ]


def lifecycle(out: Path) -> list[tuple]:
    """(type, step, resumed or status) of each start and end record."""
    return [
        (r["type"], r["step"], r.get("resumed", r.get("status")))
        for r in read_metrics(out / "metrics.jsonl")
        if r["type"] in ("start", "end")
    ]


def test_a_second_run_into_a_busy_folder_is_refused_and_a_killed_one_leaves_no_lock(
    repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    out = tmp_path / "busy"
    running = start_training(tiny_training_args(repetitive_text_file, out, steps=1_000_000))
    try:
        wait_for(lambda: (out / "resume.safetensors").exists())
        second = cli(*tiny_training_args(repetitive_text_file, out, steps=5), "--force")
        assert second.exit_code == 2
        assert f"another training run (pid {running.pid}) is writing there" in one_line(second)
        resumed = cli("train", "lm", "--resume", str(out), "--steps", "5")
        assert resumed.exit_code == 2 and "another training run" in one_line(resumed)
    finally:
        running.send_signal(signal.SIGKILL)
        running.communicate(timeout=60)
    steps = load_checkpoint(out / "last.safetensors").meta["history"]["steps"]
    result = cli("train", "lm", "--resume", str(out), "--steps", str(steps + 10))
    assert result.exit_code == 0, result.output  # the dead run's lock went with it
    assert load_checkpoint(out / "last.safetensors").meta["history"]["steps"] == steps + 10


KILL_AT_STEP = """
import os, signal, sys
from rnn_tui.train.lm_task import LanguageModelTask
from rnn_tui.cli import main
original, calls, fatal = LanguageModelTask.training_loss, [], int(sys.argv[1])
def dies_at_step(self):
    calls.append(1)
    if len(calls) == fatal:
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 mid-run, between two saves
    return original(self)
LanguageModelTask.training_loss = dies_at_step
sys.argv = ["rnn-tui", *sys.argv[2:]]
main()
"""


def test_after_kill_9_and_resume_the_log_is_an_uninterrupted_runs(
    repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    def args(out: Path) -> list[str]:
        return tiny_training_args(
            repetitive_text_file, out, steps=40, eval_every="10", log_every="3"
        )

    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert cli(*args(whole)).exit_code == 0
    died = subprocess.run(
        [sys.executable, "-c", KILL_AT_STEP, "27", *args(killed)],
        capture_output=True, text=True, env=ENVIRONMENT, timeout=120, check=False,
    )  # fmt: skip
    assert died.returncode == -signal.SIGKILL
    assert max(r["step"] for r in read_metrics(killed / "metrics.jsonl")) > 20  # logged past
    assert cli("train", "lm", "--resume", str(killed)).exit_code == 0  # the save at step 20
    assert logged(killed) == logged(whole)
    assert lifecycle(whole) == [("start", 0, False), ("end", 40, "finished")]
    # Killed at 27: no end record; the resumed process starts from the save at 20.
    assert lifecycle(killed) == [("start", 0, False), ("start", 20, True), ("end", 40, "finished")]


def test_a_failed_save_is_one_line_and_leaves_no_record_of_it(
    repetitive_text_file: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills at the second save: one error line naming the file, the first
    save intact, no evaluation logged for the save that failed; resuming then gives the
    uninterrupted run's log."""

    def args(out: Path) -> list[str]:
        return tiny_training_args(repetitive_text_file, out, steps=30, eval_every="10")

    whole, full = tmp_path / "whole", tmp_path / "full"
    assert cli(*args(whole)).exit_code == 0
    real_replace, saves = os.replace, []

    def disk_full_at_the_second_save(source, target) -> None:
        if Path(target).name == "last.safetensors":
            saves.append(target)
            if len(saves) == 2:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", disk_full_at_the_second_save)
    failed = cli(*args(full))
    monkeypatch.undo()
    assert failed.exit_code == 2
    line = failed.output.strip().splitlines()[-1]  # after the progress lines
    assert line == (
        f"error: {full / 'last.safetensors'}: cannot save (No space left on device); "
        "the file there is unchanged"
    )
    assert "Traceback" not in failed.output
    assert [r["step"] for r in read_metrics(full / "metrics.jsonl") if r["type"] == "eval"] == [10]
    assert load_checkpoint(full / "last.safetensors").meta["history"]["steps"] == 10
    assert not list(full.glob(".*.tmp"))
    assert cli("train", "lm", "--resume", str(full)).exit_code == 0
    assert logged(full) == logged(whole)
