"""Training: it learns, it is reproducible, it records, it saves when stopped."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_tui.checkpoint import load_checkpoint
from rnn_tui.engine.loading import load_language_model
from rnn_tui.train.metrics_log import read_metrics
from tests.conftest import tiny_training_args

pytest.importorskip("torch")


def test_tiny_lstm_learns_a_repetitive_text(tiny_lstm_checkpoint: Path) -> None:
    history = load_checkpoint(tiny_lstm_checkpoint).meta["history"]
    assert history["steps"] == 200
    assert history["best_val_loss"] < 0.25  # from ln(vocab) ≈ 3.2 at the start
    model = load_language_model(tiny_lstm_checkpoint)
    text = "the quick brown fox jumps over the lazy dog.\n"
    surprisal = model.surprisals(model.tokenizer.encode(text * 2))
    assert surprisal[len(text) :].mean() < 0.25


def test_metrics_record_every_step_with_gradient_norm(tiny_lstm_checkpoint: Path) -> None:
    records = read_metrics(tiny_lstm_checkpoint.parent / "metrics.jsonl")
    train = [r for r in records if r["type"] == "train"]
    assert [r["step"] for r in train] == list(range(1, 201))
    assert all(r["grad_norm"] > 0 and math.isfinite(r["loss"]) for r in train)
    evals = [r for r in records if r["type"] == "eval"]
    assert [r["step"] for r in evals] == [*range(30, 201, 30), 200]
    assert {"val_loss", "val_ppl", "val_bpc"} <= set(evals[-1])
    assert any(r["type"] == "rate" and r["tokens_per_s"] > 0 for r in records)


def test_best_checkpoint_holds_the_lowest_validation_loss(tiny_lstm_checkpoint: Path) -> None:
    best = load_checkpoint(tiny_lstm_checkpoint).meta["history"]
    evaluations = [e["val_loss"] for e in best["evaluations"]]
    assert best["best_val_loss"] == min(evaluations)


def test_same_seed_gives_the_same_losses(repetitive_text_file: Path, tmp_path: Path, cli) -> None:
    runs = []
    for name in ("a", "b"):
        result = cli(
            *tiny_training_args(repetitive_text_file, tmp_path / name, cell="gru", steps=20)
        )
        assert result.exit_code == 0, result.output
        runs.append(
            [
                r["loss"]
                for r in read_metrics(tmp_path / name / "metrics.jsonl")
                if r["type"] == "train"
            ]
        )
    assert runs[0] == runs[1]


@pytest.mark.parametrize("cell", ["rnn", "gru", "ffnn"])
def test_every_cell_trains_and_loads_in_the_engine(
    cell: str, repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    result = cli(*tiny_training_args(repetitive_text_file, tmp_path / cell, cell=cell, steps=40))
    assert result.exit_code == 0, result.output
    history = load_checkpoint(tmp_path / cell / "last.safetensors").meta["history"]
    assert history["evaluations"][-1]["val_loss"] < history["evaluations"][0]["val_loss"] + 1e-9
    assert history["best_val_loss"] < math.log(20)
    load_language_model(tmp_path / cell / "last.safetensors")


@pytest.mark.parametrize("bad_step", [3, 35])
def test_nan_loss_stops_with_the_step_named(
    repetitive_text_file: Path, tmp_path: Path, cli, monkeypatch, bad_step: int
) -> None:
    """A NaN loss at step 3 (before the first save at 30) or 35 (after it): exit 1, the
    step named, and the last good checkpoint named only when one exists."""
    from rnn_tui.train.lm_task import LanguageModelTask

    original, calls = LanguageModelTask.training_loss, []

    def nan_at_bad_step(self):
        calls.append(1)
        loss = original(self)
        return loss * float("nan") if len(calls) == bad_step else loss

    monkeypatch.setattr(LanguageModelTask, "training_loss", nan_at_bad_step)
    out = tmp_path / "nan"
    result = cli(*tiny_training_args(repetitive_text_file, out, steps=60, log_every="1"))
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert f"training diverged: the loss is nan at step {bad_step}; " in line and "--clip" in line
    end = read_metrics(out / "metrics.jsonl")[-1]  # for `rnn-tui watch`
    assert (end["type"], end["status"]) == ("end", "diverged")
    assert f"step {bad_step}" in end["reason"]
    if bad_step < 30:
        assert "no checkpoint was saved before it" in line
        assert not (out / "last.safetensors").exists()
    else:
        assert f"the last good checkpoint is {out / 'last.safetensors'}" in line
        assert load_checkpoint(out / "last.safetensors").meta["history"]["steps"] == 30


@pytest.mark.slow
def test_interrupt_saves_then_exits_130(repetitive_text_file: Path, tmp_path: Path) -> None:
    """SIGINT (Ctrl+C), SIGTERM, SIGHUP (a closed terminal or dropped SSH link): each run
    saves, says so and exits 130. The three runs go side by side (one start-up's wait)."""
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
    runs = {}
    for signum in signals:
        out = tmp_path / f"stopped-{signum.name}"
        args = tiny_training_args(repetitive_text_file, out, steps=1_000_000)
        runs[signum] = (
            out,
            subprocess.Popen(
                [sys.executable, "-m", "rnn_tui", *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            ),
        )
    for signum, (out, process) in runs.items():
        metrics = out / "metrics.jsonl"
        deadline = time.time() + 90
        while time.time() < deadline and not (metrics.exists() and metrics.stat().st_size > 0):
            time.sleep(0.1)
        process.send_signal(signum)
    for signum, (out, process) in runs.items():
        _, stderr = process.communicate(timeout=90)
        assert process.returncode == 130, (signum.name, stderr)
        assert "interrupted at step" in stderr and "Traceback" not in stderr
        history = load_checkpoint(out / "last.safetensors").meta["history"]
        assert history["interrupted"] and history["steps"] > 0
        assert (out / "resume.safetensors").exists()  # resumable, whichever signal stopped it


def test_recorded_gradient_norm_is_before_clipping(
    repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    out = tmp_path / "clipped"
    result = cli(*tiny_training_args(repetitive_text_file, out, steps=10), "--clip", "0.01")
    assert result.exit_code == 0, result.output
    norms = [r["grad_norm"] for r in read_metrics(out / "metrics.jsonl") if r["type"] == "train"]
    assert min(norms) > 0.01  # the raw norm, not the clipped one (which would be ≤ 0.01)


def train_losses(out: Path) -> list[float]:
    return [r["loss"] for r in read_metrics(out / "metrics.jsonl") if r["type"] == "train"]


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_resume_continues_bit_identically(
    cell: str, repetitive_text_file: Path, tmp_path: Path, cli, monkeypatch
) -> None:
    from rnn_tui.train.lm_task import LanguageModelTask

    extra = {"dropout": "0.3", "layers": "2"}  # dropout draws random numbers: RNG state matters
    whole = tmp_path / "whole"
    assert (
        cli(
            *tiny_training_args(repetitive_text_file, whole, cell=cell, steps=60, **extra)
        ).exit_code
        == 0
    )

    original = LanguageModelTask.training_loss
    calls = []

    def ctrl_c_during_step_30(self):
        calls.append(1)
        if len(calls) == 30:
            signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl+C
        return original(self)

    monkeypatch.setattr(LanguageModelTask, "training_loss", ctrl_c_during_step_30)
    split = tmp_path / "split"
    stopped = cli(*tiny_training_args(repetitive_text_file, split, cell=cell, steps=60, **extra))
    monkeypatch.undo()
    assert stopped.exit_code == 130
    assert len(train_losses(split)) == 30
    # Where the data stream stands after 30 windows, worked out here: 4 rows of
    # L = N // 4 tokens; each window reads min(16, L − 1 − offset) columns; a row's end
    # starts the next epoch at column 0.
    from rnn_tui.config import DataConfig
    from rnn_tui.data.corpus import prepare_corpus

    saved = load_checkpoint(split / "last.safetensors").meta
    train_ids = prepare_corpus(DataConfig.from_dict(saved["data_config"])).train
    last_column = len(train_ids) // 4 - 1
    epoch = offset = 0
    for _ in range(30):
        if offset >= last_column:
            epoch, offset = epoch + 1, 0
        offset += min(16, last_column - offset)
    position = load_checkpoint(split / "resume.safetensors").tensors["position"]
    assert position.tolist() == [epoch, offset]
    result = cli("train", "lm", "--resume", str(split))
    assert result.exit_code == 0, result.output
    assert "resuming" in result.output and "at step 30" in result.output
    assert train_losses(split) == train_losses(whole)  # step for step, bit for bit
    assert load_checkpoint(split / "last.safetensors").meta["history"]["steps"] == 60


def test_resume_needs_a_saved_run(tmp_path: Path, cli) -> None:
    result = cli("train", "lm", "--resume", str(tmp_path))
    assert result.exit_code == 2 and "no saved run" in result.output


def test_the_first_figures_come_after_the_first_step(
    repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    """Not after the first log interval: a slow run would show nothing for minutes."""
    out = tmp_path / "first"
    result = cli(*tiny_training_args(repetitive_text_file, out, steps=10, log_every="5"))
    assert result.exit_code == 0
    rates = [r["step"] for r in read_metrics(out / "metrics.jsonl") if r["type"] == "rate"]
    assert rates == [1, 5, 10]
    assert result.output.splitlines()[1].startswith("step 1  loss ")
