"""Training throughput: `rnn-tui`'s trainer vs a bare PyTorch loop, alternately, in one run.

    python bench/train_throughput.py [--hidden 512 --layers 2 --batch 32 --bptt 128
                                      --steps 20 --rounds 8]

Same model shape (Embedding 64 → nn.LSTM → Linear), same data rows (the bundled
Shakespeare corpus, batch × BPTT as given), same optimiser (fused AdamW) and
clipping. Both are timed the same way: tokens over wall time per interval of
`log_every` steps (the trainer's own `rate` records, evaluation excluded; the
bare loop reads its loss at each interval end as the trainer does), median of
the intervals after the first. The ratio is the median over rounds of each
round's trainer / bare, since this machine's speed drifts between rounds.

It also prints the achieved FLOP/s as a fraction of this machine's float32
matmul peak: the best timing of 2048² products, taken before every round.
Training FLOPs/token ≈ 3 × forward = 3 × (Σ_l 2·4H·(In_l + H) + 2·H·V). For
scale it prints what the LSTM's recurrent products alone reach at this batch,
(B × H)·(H × 4H) forward and (B × 4H)·(4H × H) backward: no LSTM step, which
adds gate arithmetic, the optimiser and the loss to them, can run at a larger
fraction of peak.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from rnn_tui.config import DataConfig, ModelConfig, TrainConfig
from rnn_tui.data.corpus import prepare_corpus
from rnn_tui.nn.lm import build_language_model, detach_state
from rnn_tui.train.lm_task import LanguageModelTask
from rnn_tui.train.metrics_log import read_metrics
from rnn_tui.train.reporting import PlainReporter
from rnn_tui.train.trainer import Trainer, make_optimizer

# A small validation split: the trainer scores it once at the end of every round,
# outside its timed intervals, and a full one made each round mostly evaluation.
BENCH_DATA = DataConfig(val_fraction=0.005)


def matmul_rate(m: int, k: int, n: int, repeats: int, trials: int = 5) -> float:
    """Best FLOP/s of `trials` timings of `repeats` float32 products (m × k)·(k × n)."""
    a, b = torch.randn(m, k), torch.randn(k, n)
    a @ b
    best = 0.0
    for _ in range(trials):
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = max(best, 2 * m * k * n * repeats / (time.perf_counter() - start))
    return best


def matmul_peak(n: int = 2048) -> float:
    return matmul_rate(n, n, n, repeats=5)


def recurrent_matmul_rate(batch: int, hidden: int) -> float:
    """FLOP/s of one forward (B×H)(H×4H) plus one backward (B×4H)(4H×H) product."""
    forward = matmul_rate(batch, hidden, 4 * hidden, repeats=200)
    backward = matmul_rate(batch, 4 * hidden, hidden, repeats=200)
    return 2 / (1 / forward + 1 / backward)  # equal FLOPs each: the harmonic mean


def flops_per_token(config: ModelConfig) -> float:
    forward = 2 * config.hidden_size * config.vocab_size
    for layer in range(config.num_layers):
        width = config.embedding_dim if layer == 0 else config.hidden_size
        forward += 2 * 4 * config.hidden_size * (width + config.hidden_size)
    return 3 * forward


def ours(corpus, model_config, train_config, steps: int) -> float:
    with tempfile.TemporaryDirectory() as out, open(os.devnull, "w") as quiet:
        task = LanguageModelTask(
            corpus, model_config, BENCH_DATA, train_config, torch.device("cpu")
        )
        config = TrainConfig(**{**train_config.to_dict(), "steps": steps})
        Trainer(task, config, Path(out), PlainReporter(quiet), {}, torch.device("cpu")).run()
        rates = [
            r["tokens_per_s"]
            for r in read_metrics(Path(out) / "metrics.jsonl")
            if r["type"] == "rate"
        ]
    return statistics.median(rates[1:] or rates)  # the first interval includes warm-up


def bare(corpus, model_config, train_config, steps: int) -> float:
    model = build_language_model(model_config)
    optimizer = make_optimizer(model, train_config)
    batch, bptt = train_config.batch_size, train_config.bptt
    rows = torch.from_numpy(corpus.train[: batch * (len(corpus.train) // batch)].reshape(batch, -1))
    state = model.initial_state(batch, "cpu")
    every = train_config.log_every
    rates = []
    window_start = time.perf_counter()
    for step in range(steps):
        x, y = (
            rows[:, step * bptt : (step + 1) * bptt],
            rows[:, step * bptt + 1 : (step + 1) * bptt + 1],
        )
        logits, state = model(x, state)
        state = detach_state(state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if (step + 1) % every == 0:  # timed like the trainer's `rate` records
            loss.item()
            now = time.perf_counter()
            rates.append(batch * bptt * every / (now - window_start))
            window_start = now
    return statistics.median(rates[1:] or rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--bptt", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    torch.manual_seed(0)
    corpus = prepare_corpus(BENCH_DATA)
    model_config = ModelConfig(
        cell="lstm",
        vocab_size=len(corpus.tokenizer),
        embedding_dim=64,
        hidden_size=args.hidden,
        num_layers=args.layers,
    )
    train_config = TrainConfig(
        batch_size=args.batch,
        bptt=args.bptt,
        steps=args.steps,
        eval_every=10**9,
        log_every=4,
        warmup_steps=0,
    )
    peaks, recurrents = [], []
    results = {"rnn-tui trainer": [], "bare loop": []}
    for _ in range(args.rounds):
        peaks.append(matmul_peak())
        recurrents.append(recurrent_matmul_rate(args.batch, args.hidden))
        results["rnn-tui trainer"].append(ours(corpus, model_config, train_config, args.steps))
        results["bare loop"].append(bare(corpus, model_config, train_config, args.steps))
    peak, recurrent = max(peaks), max(recurrents)
    per_token = flops_per_token(model_config)
    print(
        f"LSTM {args.layers}×{args.hidden}, batch {args.batch} × bptt {args.bptt}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"float32 matmul peak {peak / 1e9:.1f} GFLOP/s"
    )
    print(
        f"{'recurrent products':16} {'':>17}   {recurrent / 1e9:6.1f} GFLOP/s "
        f"= {recurrent / peak:.2f} of peak (the bound for any LSTM step at this batch)"
    )
    for name, rates in results.items():
        rate = statistics.median(rates)
        print(
            f"{name:16} {rate:10,.0f} tokens/s   {rate * per_token / 1e9:6.1f} GFLOP/s "
            f"= {rate * per_token / peak:.2f} of peak"
        )
    # This machine's speed drifts by ±10% over tens of seconds, so the ratio is taken
    # within each round (trainer and bare loop back to back), then the median.
    ratios = [
        ours_rate / bare_rate
        for ours_rate, bare_rate in zip(
            results["rnn-tui trainer"], results["bare loop"], strict=True
        )
    ]
    ratio = statistics.median(ratios)
    print(
        f"ratio trainer / bare: {ratio:.3f} (median of {len(ratios)} rounds; "
        f"range {min(ratios):.3f}–{max(ratios):.3f})"
    )
    assert math.isfinite(ratio)


if __name__ == "__main__":
    main()
