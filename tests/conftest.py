"""Shared fixtures: tiny corpora and tiny models trained for seconds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnn_tui.cli import app

# Tiny models run fastest on one thread, and the suite must not oversubscribe 2 cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPETITIVE_TEXT = "the quick brown fox jumps over the lazy dog.\n" * 120


def run_cli(*args: str) -> object:
    """Invoke the CLI in-process; returns the click Result."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The explorer's recent-models list goes to a temporary folder, never the real home."""
    monkeypatch.setenv("RNN_TUI_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def repetitive_text_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "fox.txt"
    path.write_text(REPETITIVE_TEXT, encoding="utf-8")
    return path


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
    for key, value in extra.items():
        args += [f"--{key.replace('_', '-')}", value]
    return args


@pytest.fixture(scope="session")
def tiny_lstm_checkpoint(
    repetitive_text_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A 1×24 LSTM trained for 200 steps on the repetitive text."""
    out = tmp_path_factory.mktemp("run") / "tiny-lstm"
    result = run_cli(*tiny_training_args(repetitive_text_file, out, steps=200))
    assert result.exit_code == 0, result.output
    return out / "best.safetensors"


@pytest.fixture(scope="session")
def tiny_rnn_checkpoint(
    repetitive_text_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A 1×24 vanilla RNN trained for 60 steps on the repetitive text."""
    out = tmp_path_factory.mktemp("run") / "tiny-rnn"
    result = run_cli(*tiny_training_args(repetitive_text_file, out, cell="rnn", steps=60))
    assert result.exit_code == 0, result.output
    return out / "best.safetensors"
