"""Step latency at batch 1: the NumPy engine's step() with a full trace vs torch nn.LSTM.

    python bench/step_latency.py [--steps 2000] [--rounds 5] [--blas-threads 1 2]

For 1×128, 2×256 and 2×512 LSTMs (embedding 64, vocabulary 82), and the shape of
PyTorch's `word_language_model` at its large setting (2×650, embedding 650, 33,278
words, tied: ~113 MB of float32, a 33k-way softmax each step), it times, in one
process per OpenBLAS thread count and alternately within it, (a) `LanguageModel.step`
returning every gate, state and the softmax, (b) only the matrix-vector products
such a step makes (its floor: the weights must be read), and (c) one step of
torch's Embedding → nn.LSTM → Linear in inference mode, with torch's default
oneDNN and with it off. Prints the median of the rounds in µs per step and the ratio
torch (the faster of the two) / engine.

OpenBLAS reads its thread count once, when NumPy loads, so each count runs in a
child process started with `OPENBLAS_NUM_THREADS` set. The explorer and the CLI
use 1 unless that variable says otherwise (see README, "Figures").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # NumPy must load in the child, after OPENBLAS_NUM_THREADS is set
    import numpy as np

    from rnn_tui.engine.lm import LanguageModel

# (layers, hidden, embedding, vocabulary, tied)
SHAPES = ((1, 128, 64, 82, False), (2, 256, 64, 82, False), (2, 512, 64, 82, False),
          (2, 650, 650, 33_278, True))  # fmt: skip


def step_matrices(model: LanguageModel) -> list[np.ndarray]:
    """The weight matrices one step multiplies: every W_hh, W_ih above layer 1 (layer 1's
    input is a table lookup), and the decoder."""
    matrices = [c.w for c in model.cells] + [c.u for c in model.cells[1:]]
    return [*matrices, model.decoder_w]


def measure(steps: int, rounds: int) -> None:
    import statistics
    import time

    import numpy as np
    import torch

    from rnn_tui.config import ModelConfig
    from rnn_tui.data.tokenizers import Tokenizer
    from rnn_tui.engine.lm import LanguageModel
    from rnn_tui.nn.lm import build_language_model
    from rnn_tui.train.export import module_tensors

    def time_engine(model: LanguageModel, tokens: np.ndarray) -> float:
        state = model.initial_state()
        start = time.perf_counter()
        for token in tokens:
            state = model.step(int(token), state).state
        return (time.perf_counter() - start) / len(tokens)

    def time_products(model: LanguageModel, tokens: np.ndarray) -> float:
        """Only the matrix-vector products a step makes: the floor under step()."""
        matrices = step_matrices(model)
        vector = np.ones(model.config.hidden_size, dtype=np.float32)
        start = time.perf_counter()
        for _ in tokens:
            for matrix in matrices:
                matrix @ vector
        return (time.perf_counter() - start) / len(tokens)

    @torch.inference_mode()
    def time_torch(module: torch.nn.Module, tokens: np.ndarray) -> float:
        state = module.initial_state(1, "cpu")
        inputs = [torch.tensor([[int(t)]]) for t in tokens]
        start = time.perf_counter()
        for x in inputs:
            logits, state = module(x, state)
            torch.softmax(logits, dim=-1)
        return (time.perf_counter() - start) / len(tokens)

    blas = os.environ["OPENBLAS_NUM_THREADS"]
    print(
        f"OpenBLAS threads {blas}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"numpy {np.__version__}"
    )
    print(
        f"{'model':>8} {'engine µs':>10} {'products µs':>12} {'torch µs':>9} "
        f"{'torch µs (no oneDNN)':>21} {'ratio':>6}"
    )
    for layers, hidden, embedding, vocabulary, tied in SHAPES:
        from rnn_tui.data.vocab import SPECIALS, Vocab

        words = [*SPECIALS, *(f"w{i}" for i in range(vocabulary - len(SPECIALS)))]
        tokenizer = Tokenizer("word", Vocab(words))
        config = ModelConfig(
            cell="lstm",
            vocab_size=vocabulary,
            embedding_dim=embedding,
            hidden_size=hidden,
            num_layers=layers,
            tie_weights=tied,
        )
        torch.manual_seed(0)
        module = build_language_model(config).eval()
        engine = LanguageModel(config, tokenizer, module_tensors(module))
        per_step = sum(matrix.nbytes for matrix in step_matrices(engine))
        count = steps if vocabulary < 1000 else max(20, steps // 40)  # 86 MB read a step
        tokens = np.random.default_rng(0).integers(4, len(tokenizer), size=count)
        ours, floor, theirs, plain = [], [], [], []
        for _ in range(rounds):
            ours.append(time_engine(engine, tokens))
            floor.append(time_products(engine, tokens))
            theirs.append(time_torch(module, tokens))
            with torch.backends.mkldnn.flags(enabled=False):
                plain.append(time_torch(module, tokens))
        e, f, t, p = (statistics.median(x) * 1e6 for x in (ours, floor, theirs, plain))
        print(
            f"{layers}×{hidden:<6} {e:10.1f} {f:12.1f} {t:9.1f} {p:21.1f} {min(t, p) / e:6.1f}×"
            f"   ({per_step / 1e6:.2f} MB of weights read per step; engine / products "
            f"{e / f:.2f}×; vocabulary {vocabulary:,})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args.steps, args.rounds)
        return
    for threads in args.blas_threads:
        environment = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads)}
        command = [sys.executable, __file__, "--child", "--steps", str(args.steps)]
        subprocess.run([*command, "--rounds", str(args.rounds)], env=environment, check=True)


if __name__ == "__main__":
    main()
