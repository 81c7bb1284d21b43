"""What the optimiser costs a training run: start-up and each step, torch.optim.AdamW
against rnn-tui's AdamW (rnn_tui/train/adamw.py), in one run.

    python bench/train_startup.py [--rounds 7]

Start-up: fresh processes, alternately, each timed from spawn to exit:
- `import torch` (the floor under any training run);
- torch, then one step of torch.optim.AdamW(fused=True) on a 2×512 LSTM's parameters
  (torch.optim imports torch._dynamo, its compiler, when the optimiser is built);
- the same with rnn-tui's AdamW;
- a whole `rnn-tui train lm` of 20 steps on a small text (an LSTM of 64 units).
Printed as medians and as ratios to the floor.

Each step, in this process: one update of the same LSTM's 3.3 million parameters by
torch's fused AdamW, rnn-tui's (PyTorch's fused kernel), and rnn-tui's written out
tensor by tensor (its path where PyTorch has no fused kernel), medians of `--rounds`
timings of 30 steps, as ratios to torch's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LSTM = "torch.nn.LSTM(64, 512, 2).parameters()"
STARTS = {
    "import torch": "import torch",
    "torch.optim.AdamW, one step": (
        f"import torch\nps = list({LSTM})\nfor p in ps: p.grad = torch.ones_like(p)\n"
        "torch.optim.AdamW(ps, fused=True).step()"
    ),
    "rnn-tui's AdamW, one step": (
        f"import torch\nfrom rnn_tui.train.adamw import AdamW\nps = list({LSTM})\n"
        "for p in ps: p.grad = torch.ones_like(p)\nAdamW(ps).step()"
    ),
}


def process_seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def step_milliseconds(make_optimizer, rounds: int, steps: int = 30) -> float:
    import torch

    torch.manual_seed(0)
    parameters = list(torch.nn.LSTM(64, 512, 2).parameters())
    for p in parameters:
        p.grad = torch.randn_like(p)
    optimizer = make_optimizer(parameters)
    optimizer.step()
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            optimizer.step()
        timings.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        text = Path(folder) / "text.txt"
        text.write_text("the quick brown fox jumps over the lazy dog. " * 400, encoding="utf-8")
        train = [
            sys.executable, "-m", "rnn_tui", "train", "lm", "--data", str(text),
            "--hidden", "64", "--embed", "16", "--layers", "1", "--batch", "8", "--bptt", "32",
            "--steps", "20", "--eval-every", "20", "--out", str(Path(folder) / "run"),
            "--device", "cpu", "--force",
        ]  # fmt: skip
        seconds: dict[str, list[float]] = {name: [] for name in [*STARTS, "rnn-tui train lm"]}
        for _ in range(args.rounds):  # alternately, so drift in the machine hits all alike
            for name, code in STARTS.items():
                seconds[name].append(process_seconds([sys.executable, "-c", code]))
            seconds["rnn-tui train lm"].append(process_seconds(train))
    floor = statistics.median(seconds["import torch"])
    print(f"start-up, medians of {args.rounds} fresh processes:")
    for name, values in seconds.items():
        value = statistics.median(values)
        print(f"  {name:30} {value:6.3f} s  {value / floor:5.2f}× import torch")

    import torch

    from rnn_tui.train.adamw import AdamW

    steps = {
        "torch.optim.AdamW(fused=True)": lambda ps: torch.optim.AdamW(ps, fused=True),
        "rnn-tui's AdamW (fused kernel)": lambda ps: AdamW(ps),
        "rnn-tui's AdamW, written out": lambda ps: AdamW(ps, fused=False),
    }
    times = {name: step_milliseconds(make, args.rounds) for name, make in steps.items()}
    base = times["torch.optim.AdamW(fused=True)"]
    print("one update of a 2×512 LSTM's 3.3 million parameters:")
    for name, value in times.items():
        print(f"  {name:30} {value:6.2f} ms  {value / base:5.2f}× torch's")


if __name__ == "__main__":
    main()
