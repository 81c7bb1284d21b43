"""Full vs adaptive softmax on a word-level LM: tokens/s and validation perplexity.

    python bench/adaptive_softmax.py [--minutes 4] [--data shakespeare] [--out runs/bench-softmax]

Trains the same word-level LSTM (1×512, embedding 256, batch 32 × BPTT 64) twice
with `rnn-tui train lm`, once with the full softmax and once with
`--softmax adaptive` (cutoffs 2,000 and 10,000), for the same wall-clock budget,
one after the other on an otherwise idle machine. Prints, for each, the median
training tokens/s (from metrics.jsonl), the steps taken, and the best
validation perplexity; then the ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path


def run(kind: str, args: argparse.Namespace) -> dict[str, float]:
    out = Path(args.out) / kind
    command = [
        sys.executable, "-m", "rnn_tui", "train", "lm", "--data", args.data,
        "--tokenizer", "word", "--cell", "lstm", "--layers", "1", "--hidden", "512",
        "--embed", "256", "--batch", "32", "--bptt", "64", "--minutes", str(args.minutes),
        "--eval-every", "400", "--softmax", kind, "--out", str(out), "--force",
    ]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    rates = [r["tokens_per_s"] for r in records if r["type"] == "rate"]
    evaluations = [r for r in records if r["type"] == "eval"]
    return {
        "tokens_per_s": statistics.median(rates[1:] or rates),
        "steps": max(r["step"] for r in records if r["type"] == "train"),
        "val_ppl": min(r["val_ppl"] for r in evaluations),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--data", default="shakespeare")
    parser.add_argument("--out", default="runs/bench-softmax")
    args = parser.parse_args()
    results = {kind: run(kind, args) for kind in ("full", "adaptive")}
    for kind, figures in results.items():
        print(
            f"{kind:<9} {figures['tokens_per_s']:9,.0f} tok/s  {figures['steps']:6,} steps  "
            f"best val ppl {figures['val_ppl']:.2f}"
        )
    full, adaptive = results["full"], results["adaptive"]
    print(
        f"adaptive / full: {adaptive['tokens_per_s'] / full['tokens_per_s']:.2f}× tokens/s, "
        f"perplexity {adaptive['val_ppl'] / full['val_ppl']:.3f}× ({args.minutes} min each)"
    )


if __name__ == "__main__":
    main()
