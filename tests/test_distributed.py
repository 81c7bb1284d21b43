"""Data-parallel training under torchrun (gloo on the CPU), mixed precision, and GPU paths.

Two processes that each read half of every global batch must train the same
model as one process reading the whole batch: DDP averages the two halves'
gradients, which is the whole batch's gradient.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rnn_tui.checkpoint import load_checkpoint
from rnn_tui.errors import UserError
from rnn_tui.train.distributed import World
from rnn_tui.train.metrics_log import read_metrics
from rnn_tui.train.precision import Precision

from .conftest import reverse_pairs_file, tiny_training_args, translator_training_args

RUN_FILES = {"last.safetensors", "best.safetensors", "metrics.jsonl", "resume.safetensors",
             ".rnn-tui.lock"}  # fmt: skip
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def torchrun(*args: str, processes: int = 2) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={processes}",
        "-m",
        "rnn_tui",
        *args,
    ]
    # PYTHONFAULTHANDLER: a rank that aborts (gloo's teardown did, rarely, under load)
    # prints where each of its threads was.
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=240, env=environment, check=False
    )


def expect_success(run: subprocess.CompletedProcess[str]) -> None:
    """Exit code 0, or an assertion that shows the end of both outputs."""
    assert run.returncode == 0, f"stdout: …{run.stdout[-1500:]}\nstderr: …{run.stderr[-4000:]}"


def lm_args(data: Path, out: Path, steps: int) -> list[str]:
    return tiny_training_args(data, out, steps=steps, batch="8", eval_every="6", log_every="3")


def train_losses(run: Path) -> list[float]:
    return [r["loss"] for r in read_metrics(run / "metrics.jsonl") if r["type"] == "train"]


def evaluations(run: Path) -> list[dict]:
    return [r for r in read_metrics(run / "metrics.jsonl") if r["type"] == "eval"]


def weights(run: Path) -> dict[str, np.ndarray]:
    return load_checkpoint(run / "last.safetensors").tensors


@pytest.mark.slow
def test_two_processes_train_the_same_model_as_one(
    repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    alone, pair = tmp_path / "alone", tmp_path / "pair"
    assert cli(*lm_args(repetitive_text_file, alone, steps=12)).exit_code == 0

    started = torchrun(*lm_args(repetitive_text_file, pair, steps=12))
    expect_success(started)
    assert sorted(p.name for p in pair.iterdir()) == sorted(RUN_FILES)  # rank 0 wrote alone
    assert started.stdout.count("done: 12 steps") == 1  # one rank reports
    world = [r for r in read_metrics(pair / "metrics.jsonl") if r["type"] == "world"]
    assert world[-1]["processes"] == 2 and world[-1]["backend"] == "gloo"
    digests = world[-1]["parameter_sha256"]
    assert len(digests) == 2 and digests[0] == digests[1] and world[-1]["identical"]
    card = load_checkpoint(pair / "last.safetensors").meta["card"]
    assert "2 processes (torchrun, gloo)" in card["machine"]

    # The same global batch of 8 rows: the losses and weights of one process.
    np.testing.assert_allclose(train_losses(pair), train_losses(alone), rtol=0, atol=2e-4)
    assert [e["step"] for e in evaluations(pair)] == [6, 12]
    np.testing.assert_allclose(
        evaluations(pair)[-1]["val_loss"], evaluations(alone)[-1]["val_loss"], atol=2e-4
    )

    # Both continue to 18 steps: one process with --resume, two under torchrun.
    assert cli("train", "lm", "--resume", str(alone), "--steps", "18").exit_code == 0
    resumed = torchrun("train", "lm", "--resume", str(pair), "--steps", "18")
    expect_success(resumed)
    assert "resuming" in resumed.stdout and "at step 12" in resumed.stdout
    losses = train_losses(pair)
    assert len(losses) == 18  # the step count went on from 12
    np.testing.assert_allclose(losses, train_losses(alone), rtol=0, atol=2e-4)
    assert load_checkpoint(pair / "last.safetensors").meta["history"]["steps"] == 18
    for name, value in weights(alone).items():
        np.testing.assert_allclose(weights(pair)[name], value, atol=2e-4, err_msg=name)
    assert sorted(p.name for p in pair.iterdir()) == sorted(RUN_FILES)


@pytest.mark.slow
def test_translator_trains_under_torchrun(tmp_path: Path) -> None:
    out = tmp_path / "dates"
    args = ["train", "translate", "--pairs", "dates", "--size", "400", "--held-out", "40"]
    args += ["--hidden", "16", "--embed", "8", "--batch", "16", "--steps", "8"]
    args += ["--eval-every", "4", "--log-every", "4", "--device", "cpu", "--out", str(out)]
    result = torchrun(*args)
    expect_success(result)
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    world = [r for r in read_metrics(out / "metrics.jsonl") if r["type"] == "world"][-1]
    assert world["identical"] and world["processes"] == 2
    assert [e["step"] for e in evaluations(out)] == [4, 8]
    assert 0.0 <= evaluations(out)[-1]["exact_match"] <= 1.0


TEARDOWN_WITNESS = (  # torch.distributed stands in loaded: importing it takes seconds
    "import atexit, sys, types\n"
    "sys.modules['torch.distributed'] = types.ModuleType('torch.distributed')\n"
    "import rnn_tui.cli.commands as commands\n"
    "atexit.register(lambda: print('interpreter teardown ran', flush=True))\n"
    "run = commands.run_command_line\n"
    "def run_then_print(words):\n"
    "    try:\n"
    "        run(words)\n"
    "    finally:\n"
    "        print('a line in the buffer')\n"
    "commands.run_command_line = run_then_print\n"
    "from rnn_tui.cli import main\n"
    "main(sys.argv[1:])\n"
)


def test_a_torchrun_worker_ends_without_teardown_and_keeps_its_output_and_status(
    tiny_lstm_checkpoint: Path, tmp_path: Path
) -> None:
    """gloo's threads outlive DDP's process group and could abort a finished rank in
    the interpreter's teardown, so a torchrun worker skips it; what it printed into
    a pipe's buffer must still arrive, and its exit status must stay its own."""
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    worker = {**buffered, "RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "1"}
    for environment, teardown in ((worker, False), (buffered, True)):
        card = subprocess.run(
            [sys.executable, "-c", TEARDOWN_WITNESS, "info", str(tiny_lstm_checkpoint)],
            capture_output=True, text=True, env=environment, timeout=60, check=False,
        )  # fmt: skip
        assert card.returncode == 0, card.stderr
        assert "a line in the buffer" in card.stdout and "parameters" in card.stdout
        assert ("interpreter teardown ran" in card.stdout) is teardown
        missing = subprocess.run(
            [sys.executable, "-c", TEARDOWN_WITNESS, "info", str(tmp_path / "none.safetensors")],
            capture_output=True, text=True, env=environment, timeout=60, check=False,
        )  # fmt: skip
        assert missing.returncode == 2
        assert missing.stderr.startswith("error:") and "none.safetensors" in missing.stderr
        assert "a line in the buffer" in missing.stdout
        assert ("interpreter teardown ran" in missing.stdout) is teardown


def test_an_uneven_batch_is_refused_by_name() -> None:
    assert World(rank=1, size=2).share(8, "--batch") == slice(4, 8)
    with pytest.raises(UserError, match=r"--batch 7 does not split evenly over 2 processes"):
        World(rank=0, size=2).share(7, "--batch")


def cpu_runs_bf16(cell: str) -> bool:
    """Whether torch on this CPU runs one forward and backward pass of `cell` under bf16
    autocast (oneDNN's bf16 LSTM needs AVX-512; AVX2-only CPUs lack it)."""
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](4, 4)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            output, _ = layer(torch.randn(1, 2, 4))
        output.float().sum().backward()
    except RuntimeError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_bf16_training_on_the_cpu_learns_like_fp32_or_is_refused_in_one_line(
    cell: str, repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    half_run = tmp_path / "bf16"
    half = cli(*tiny_training_args(repetitive_text_file, half_run, cell=cell, precision="bf16"))
    if not cpu_runs_bf16(cell):
        assert half.exit_code == 2
        lines = half.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --precision bf16: this CPU cannot")
        assert cell.upper() in lines[0] and "Traceback" not in half.output
        assert not half_run.exists()  # refused before the output folder was made
        return
    assert half.exit_code == 0, half.output
    args = tiny_training_args(repetitive_text_file, tmp_path / "fp32", cell=cell)
    assert cli(*args).exit_code == 0
    full, half_loss = (evaluations(tmp_path / p)[-1]["val_loss"] for p in ("fp32", "bf16"))
    assert full < 2.0 and abs(half_loss - full) < 0.05  # learns as well as float32 …
    assert train_losses(half_run) != train_losses(tmp_path / "fp32")  # … in bf16
    checkpoint = load_checkpoint(half_run / "last.safetensors")
    assert checkpoint.meta["train_config"]["precision"] == "bf16"
    assert all(t.dtype == np.float32 for t in checkpoint.tensors.values())
    resume = load_checkpoint(half_run / "resume.safetensors").tensors
    assert resume["carried.0"].dtype == np.float32


def test_a_precision_the_device_cannot_run_is_refused_before_anything_is_made(
    repetitive_text_file: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever this CPU can do: a failing kernel probe means one line, exit 2, no folder."""
    from rnn_tui.train import precision

    calls: list[tuple[str, ...]] = []

    def kernel_missing(*args: str) -> str:
        calls.append(args)
        return "could not create a primitive descriptor for the LSTM forward propagation"

    monkeypatch.setattr(precision, "_runs_under_autocast", kernel_missing)
    for command, out in (
        (tiny_training_args(repetitive_text_file, tmp_path / "lm", precision="bf16"), "lm"),
        (
            translator_training_args(
                reverse_pairs_file(tmp_path / "p.tsv", 50, seed=1), tmp_path / "tr", 4,
                "--precision", "bf16", "--cell", "lstm",
            ),
            "tr",
        ),
    ):  # fmt: skip
        result = cli(*command)
        assert result.exit_code == 2
        assert result.output.strip() == (
            "error: --precision bf16: this CPU cannot run an LSTM in bf16 (torch: could not "
            "create a primitive descriptor for the LSTM forward propagation); use --precision "
            "fp32 or a CPU with AVX-512"
        )
        assert not (tmp_path / out).exists()
    assert calls == [("bf16", "cpu", "cpu", "lstm")] * 2
    assert cli(*tiny_training_args(repetitive_text_file, tmp_path / "fp32", steps=2)).exit_code == 0


def test_precision_options_are_checked(repetitive_text_file: Path, tmp_path: Path, cli) -> None:
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="--precision fp16: needs a CUDA device"):
            Precision("fp16", torch.device("cpu"))
    result = cli(*tiny_training_args(repetitive_text_file, tmp_path / "x", precision="fp8"))
    assert result.exit_code == 2
    assert "--precision: expected fp32, bf16 or fp16, got 'fp8'" in result.output


@needs_cuda
@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
def test_gpu_training_opens_on_the_cpu_engine(
    precision: str, repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    from rnn_tui.engine.loading import load_language_model

    out = tmp_path / precision
    args = tiny_training_args(repetitive_text_file, out, steps=60, precision=precision)
    args[args.index("--device") + 1] = "cuda"
    assert cli(*args).exit_code == 0
    losses = train_losses(out)
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    model = load_language_model(out / "last.safetensors")  # NumPy engine, no GPU involved
    trace = model.step(1, model.initial_state())
    assert np.isclose(trace.probs.sum(), 1.0, atol=1e-5)
