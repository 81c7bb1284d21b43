"""Crash trials: `kill -9` a real training process at random moments; nothing may be lost.

    python bench/crash_trials.py [--trials 20] [--seed 0]

Each trial starts `rnn-tui train lm` on a small generated text with frequent
saves (every 5 steps), waits until the first checkpoint exists, then sleeps a
random 0–4 s and sends SIGKILL — often in the middle of a save. Afterwards
`last.safetensors` and `resume.safetensors` must both load, and `--resume`
must continue the run to its budget. Prints one line per trial and a summary.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rnn_tui.checkpoint import load_checkpoint
from rnn_tui.engine.loading import load_language_model


def trial(folder: Path, corpus: Path, delay: float) -> str:
    out = folder / "run"
    command = [
        sys.executable,
        "-m",
        "rnn_tui",
        "train",
        "lm",
        "--data",
        str(corpus),
        "--hidden",
        "64",
        "--layers",
        "1",
        "--batch",
        "8",
        "--bptt",
        "32",
        "--steps",
        "400",
        "--eval-every",
        "5",
        "--log-every",
        "5",
        "--out",
        str(out),
        "--device",
        "cpu",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    deadline = time.time() + 60
    while not (out / "resume.safetensors").exists() and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    steps = load_checkpoint(out / "last.safetensors").meta["history"]["steps"]
    load_language_model(out / "last.safetensors")
    load_checkpoint(out / "resume.safetensors", expected_kind="resume")
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    resumed = subprocess.run(
        [*command[:3], "train", "lm", "--resume", str(out)], env=env, capture_output=True, text=True
    )
    if resumed.returncode != 0:
        return f"resume failed: {resumed.stderr.strip()}"
    final = load_checkpoint(out / "last.safetensors").meta["history"]["steps"]
    return (
        f"killed after {delay:.2f} s at saved step {steps}; "
        f"leftover temp files {len(leftovers)}; resumed to {final}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failures = 0
    with tempfile.TemporaryDirectory() as root:
        corpus = Path(root) / "corpus.txt"
        corpus.write_text(
            "".join(
                f"line {i}: the quick brown fox jumps over the lazy dog.\n" for i in range(3000)
            )
        )
        for number in range(1, args.trials + 1):
            folder = Path(root) / f"trial-{number}"
            folder.mkdir()
            try:
                line = trial(folder, corpus, rng.uniform(0.0, 4.0))
            except Exception as error:  # a checkpoint that does not load is the failure we look for
                line = f"LOST: {type(error).__name__}: {error}"
            failures += not line.startswith("killed")
            print(f"trial {number:2}: {line}", flush=True)
    print(f"{args.trials} trials, {failures} with anything lost or unresumable")


if __name__ == "__main__":
    main()
