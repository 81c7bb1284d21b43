"""Check an imported `word_language_model` against the example's own code, in torch.

Run from the example's folder (its `model.py` and `data.py` are imported from there):

    python /path/to/rnn-tui/tools/compare_word_language_model.py model.pt imported.safetensors \
        --data data/shakespeare --tokens 2000

Reads the first `--tokens` tokens of the corpus's test.txt as the example's `data.Corpus`
numbers them, runs the example's model on them from the zero state, and prints the largest
difference of logits and log-probabilities from rnn-tui's engine at any step, and the mean
loss of both over the same tokens.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from rnn_tui.engine.functions import log_softmax
from rnn_tui.engine.loading import load_language_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model_pt", type=Path)
    parser.add_argument("imported", type=Path)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--tokens", type=int, default=2000)
    args = parser.parse_args()
    sys.path.insert(0, ".")
    import data  # the example's own corpus reader

    corpus = data.Corpus(str(args.data))
    ids = corpus.test[: args.tokens].tolist()
    model = torch.load(args.model_pt, weights_only=False, map_location="cpu").eval()
    with torch.no_grad():
        hidden = model.init_hidden(1)
        theirs, _ = model(torch.tensor(ids)[:, None], hidden)
    theirs = theirs.numpy()  # (steps, words): the example's forward gives log-softmax
    engine = load_language_model(args.imported)
    ours_of = [engine.tokenizer.vocab.id_of(w) for w in corpus.dictionary.idx2word]
    state, logits = engine.initial_state(), []
    for token in ids:
        trace = engine.step(ours_of[token], state)
        state = trace.state
        logits.append(trace.logits[ours_of])
    ours = log_softmax(np.stack(logits).astype(np.float64))
    diff = np.abs(ours - theirs).max()
    targets = np.asarray(ids[1:])
    loss_theirs = -theirs[np.arange(len(targets)), targets].mean()
    loss_ours = -ours[np.arange(len(targets)), targets].mean()
    agree = (ours.argmax(1) == theirs.argmax(1)).mean()
    print(f"tokens {len(ids)}, vocabulary {len(ours_of)}")
    print(f"largest |log p difference| over every step and word: {diff:.2e}")
    print(f"argmax agrees at {agree:.1%} of steps")
    print(f"mean loss: example {loss_theirs:.6f}, rnn-tui {loss_ours:.6f} nats/token")


if __name__ == "__main__":
    main()
