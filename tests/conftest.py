"""Shared fixtures: tiny corpora and tiny models trained for seconds."""

from __future__ import annotations

import fcntl
import functools
import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnn_tui.cli import app

# Tiny models run fastest on one thread, and the suite must not oversubscribe 2 cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores. A test spends part of its time waiting
    (for an app's workers and timers, a subprocess, a browser) with its core idle; on
    the 2-core machine the whole suite took 315-336 s with 2 workers, 267 s with 3 and
    255 s with 4 (the README's figures and when they were measured)."""
    return (os.cpu_count() or 1) + 1


LETTERS = "abcdef"
REPETITIVE_TEXT = "the quick brown fox jumps over the lazy dog.\n" * 120


@functools.cache
def cli_command() -> object:
    """The Click command tree of the Typer app, built once per test process: building it
    reads every command's signature and type hints, 21 ms each time, which the quick
    loop's ~200 in-process invocations all paid (4 s of its CPU time)."""
    import typer.main

    return typer.main.get_command(app)


def run_cli(*args: str) -> object:
    """Invoke the CLI in-process; returns the click Result."""
    return CliRunner().invoke(cli_command(), list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The explorer's recent-models list goes to a temporary folder, never the real home."""
    monkeypatch.setenv("RNN_TUI_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def cli():
    return run_cli


def made_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]
) -> Path:
    """A folder that `make` fills once per test run: the pytest-xdist workers share it
    (each would otherwise train the same tiny model again, seconds apiece), taking
    turns under a lock; alone, a folder of this session's own. Tests read it only."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    shared = tmp_path_factory.getbasetemp().parent  # this run's, above every worker's
    folder = shared / name
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():  # not made, or a worker failed making it
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".made").touch()
    return folder


@pytest.fixture(scope="session")
def repetitive_text_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def write(folder: Path) -> None:
        (folder / "fox.txt").write_text(REPETITIVE_TEXT, encoding="utf-8")

    return made_once(tmp_path_factory, "corpus", write) / "fox.txt"


def tiny_training_args(
    data: Path, out: Path, cell: str = "lstm", steps: int = 60, **extra: str
) -> list[str]:
    args = [
        "train",
        "lm",
        "--data",
        str(data),
        "--cell",
        cell,
        "--hidden",
        "24",
        "--embed",
        "12",
        "--layers",
        "1",
        "--batch",
        "4",
        "--bptt",
        "16",
        "--steps",
        str(steps),
        "--eval-every",
        "30",
        "--log-every",
        "10",
        "--warmup",
        "5",
        "--lr",
        "1e-2",
        "--out",
        str(out),
        "--device",
        "cpu",
    ]
    for key, value in extra.items():  # replaces a default rather than repeating the option
        flag = f"--{key.replace('_', '-')}"
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    return args


@pytest.fixture(scope="session")
def tiny_lstm_checkpoint(
    repetitive_text_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A 1×24 LSTM trained for 200 steps on the repetitive text."""

    def train(folder: Path) -> None:
        result = run_cli(*tiny_training_args(repetitive_text_file, folder / "tiny-lstm", steps=200))
        assert result.exit_code == 0, result.output

    return made_once(tmp_path_factory, "tiny-lstm", train) / "tiny-lstm" / "best.safetensors"


@pytest.fixture(scope="session")
def tiny_rnn_checkpoint(
    repetitive_text_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A 1×24 vanilla RNN trained for 60 steps on the repetitive text."""

    def train(folder: Path) -> None:
        args = tiny_training_args(repetitive_text_file, folder / "tiny-rnn", cell="rnn", steps=60)
        result = run_cli(*args)
        assert result.exit_code == 0, result.output

    return made_once(tmp_path_factory, "tiny-rnn", train) / "tiny-rnn" / "best.safetensors"


def reverse_pairs_file(path: Path, count: int, seed: int) -> Path:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        letters = [rng.choice(LETTERS) for _ in range(rng.randint(2, 5))]
        lines.append(f"{' '.join(letters)}\t{' '.join(reversed(letters))}")  # words for BLEU
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def translator_training_args(
    pairs: Path, out: Path, steps: int, *extra: str, lr: str = "1e-2"
) -> list[str]:
    return [
        "train", "translate", "--pairs", str(pairs), "--hidden", "32", "--embed", "16",
        "--batch", "32", "--steps", str(steps), "--eval-every", str(steps // 2),
        "--log-every", "20", "--warmup", "10", "--lr", lr, "--device", "cpu",
        "--out", str(out), *extra,
    ]  # fmt: skip


@pytest.fixture(scope="session")
def tiny_translator_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny bidirectional GRU with self- and additive attention that reverses letter strings."""

    def train(folder: Path) -> None:
        pairs = reverse_pairs_file(folder / "reverse.tsv", 1500, seed=0)
        args = translator_training_args(  # 200 steps at 2e-2 reverse every held-out string
            pairs, folder / "run", 200, "--bidirectional", "--self-attention", lr="2e-2"
        )
        result = run_cli(*args)
        assert result.exit_code == 0, result.output

    return made_once(tmp_path_factory, "reverser", train) / "run" / "best.safetensors"
