"""Training throughput: `rnn-tui`'s trainer vs a bare PyTorch loop, alternately, in one run.

    python bench/train_throughput.py [--hidden 512 --layers 2 --steps 40 --rounds 2]

Same model shape (Embedding 64 → nn.LSTM → Linear), same data rows (the bundled
Shakespeare corpus, batch 32 × BPTT 128), same optimiser (fused AdamW) and
clipping. Both are timed the same way: tokens over wall time per interval of
`log_every` steps (the trainer's own `rate` records, evaluation excluded; the
bare loop reads its loss at each interval end as the trainer does), median of
the intervals after the first. Also prints the achieved
FLOP/s as a fraction of this machine's float32 matmul peak, measured here:
training FLOPs/token ≈ 3 × forward = 3 × (Σ_l 2·4H·(In_l + H) + 2·H·V).
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


def matmul_peak(n: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - start)


def flops_per_token(config: ModelConfig) -> float:
    forward = 2 * config.hidden_size * config.vocab_size
    for layer in range(config.num_layers):
        width = config.embedding_dim if layer == 0 else config.hidden_size
        forward += 2 * 4 * config.hidden_size * (width + config.hidden_size)
    return 3 * forward


def ours(corpus, model_config, train_config, steps: int) -> float:
    with tempfile.TemporaryDirectory() as out, open(os.devnull, "w") as quiet:
        task = LanguageModelTask(
            corpus, model_config, DataConfig(), train_config, torch.device("cpu")
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
    optimizer = make_optimizer(model, train_config, torch.device("cpu"))
    rows = torch.from_numpy(corpus.train[: 32 * (len(corpus.train) // 32)].reshape(32, -1))
    state = model.initial_state(32, "cpu")
    bptt = train_config.bptt
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
            rates.append(32 * bptt * every / (now - window_start))
            window_start = now
    return statistics.median(rates[1:] or rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    corpus = prepare_corpus(DataConfig())
    model_config = ModelConfig(
        cell="lstm",
        vocab_size=len(corpus.tokenizer),
        embedding_dim=64,
        hidden_size=args.hidden,
        num_layers=args.layers,
    )
    train_config = TrainConfig(
        batch_size=32, bptt=128, steps=args.steps, eval_every=10**9, log_every=5, warmup_steps=0
    )
    peak = matmul_peak()
    results = {"rnn-tui trainer": [], "bare loop": []}
    for _ in range(args.rounds):
        results["rnn-tui trainer"].append(ours(corpus, model_config, train_config, args.steps))
        results["bare loop"].append(bare(corpus, model_config, train_config, args.steps))
    per_token = flops_per_token(model_config)
    print(
        f"LSTM {args.layers}×{args.hidden}, batch 32 × bptt 128, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; float32 matmul peak {peak / 1e9:.1f} GFLOP/s"
    )
    for name, rates in results.items():
        rate = statistics.median(rates)
        print(
            f"{name:16} {rate:10,.0f} tokens/s   {rate * per_token / 1e9:6.1f} GFLOP/s "
            f"= {rate * per_token / peak:.2f} of peak"
        )
    ratio = statistics.median(results["rnn-tui trainer"]) / statistics.median(results["bare loop"])
    print(f"ratio trainer / bare: {ratio:.3f}")
    assert math.isfinite(ratio)


if __name__ == "__main__":
    main()
