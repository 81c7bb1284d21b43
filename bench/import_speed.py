"""`rnn-tui import` of a word_language_model-sized file against reading the file.

    python bench/import_speed.py [--rounds 3] [--dir DIR]

Builds PyTorch's `word_language_model` at its large setting (LSTM 2×650, embedding 650,
33,278 words, tied weights: ~113 MB of float32), saves it twice (a state dict and the
whole pickled module, as the example does), and times, alternately and in one process:
reading the file's bytes (the floor: the tensors must be read), `torch.load` of the
state dict (what a torch user would do), and the import (restricted unpickling without
torch, renumbering, writing the .safetensors file). Prints medians and import / read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def word_language_model(vocabulary: int):
    """The example's RNNModel at its large setting (module level, so it pickles)."""
    from torch import nn

    model = nn.Module()
    model.drop = nn.Dropout(0.5)
    model.encoder = nn.Embedding(vocabulary, 650)
    model.rnn = nn.LSTM(650, 650, 2, dropout=0.5)
    model.decoder = nn.Linear(650, vocabulary)
    model.decoder.weight = model.encoder.weight
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    import torch

    from rnn_tui.checkpoint import save_checkpoint
    from rnn_tui.importing import torch_language_model
    from rnn_tui.safetensors_writing import write_safetensors

    words = [f"w{i}" for i in range(33_277)] + ["<eos>"]

    torch.manual_seed(0)
    model = word_language_model(len(words))
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        base = Path(folder)
        state_dict, module = base / "state_dict.pt", base / "model.pt"
        torch.save(model.state_dict(), state_dict)
        torch.save(model, module)
        size = module.stat().st_size
        print(f"file: {size / 1e6:.1f} MB ({sum(p.numel() for p in model.parameters()):,} "
              f"parameters); torch {torch.__version__}")  # fmt: skip
        timings: dict[str, list[float]] = {
            "read": [], "torch.load": [], "convert": [], "convert (module)": [], "write": [],
            "write, no fsync": [],
        }  # fmt: skip
        for _ in range(args.rounds):
            start = time.perf_counter()
            state_dict.read_bytes()
            timings["read"].append(time.perf_counter() - start)
            start = time.perf_counter()
            torch.load(state_dict, weights_only=True)
            timings["torch.load"].append(time.perf_counter() - start)
            for name, source in (("convert", state_dict), ("convert (module)", module)):
                start = time.perf_counter()
                checkpoint = torch_language_model(source, words, "lines", "bench")
                timings[name].append(time.perf_counter() - start)
            start = time.perf_counter()  # the same bytes, left in the page cache
            with (base / "unsynced.safetensors").open("wb") as stream:
                write_safetensors(stream, checkpoint.tensors, {})
                timings["write, no fsync"].append(time.perf_counter() - start)
                os.fsync(stream.fileno())  # untimed: its writeback would slow the next round
            start = time.perf_counter()
            save_checkpoint(base / "out.safetensors", checkpoint)
            timings["write"].append(time.perf_counter() - start)
        written = (base / "out.safetensors").stat().st_size
        floor = statistics.median(timings["read"])
        for name, values in timings.items():
            median = statistics.median(values)
            print(
                f"{name:>16}: {median:7.3f} s   {median / floor:5.2f}× reading the file   "
                f"(rounds {min(values):.3f}–{max(values):.3f} s)"
            )
        whole = statistics.median(timings["convert"]) + statistics.median(timings["write"])
        print(
            f"import = convert + write: {whole:.3f} s, {whole / floor:.2f}× reading the file; "
            f"it writes {written / 1e6:.1f} MB and fsyncs it"
        )


if __name__ == "__main__":
    main()
