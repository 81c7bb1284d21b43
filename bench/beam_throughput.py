"""Translation throughput of the NumPy engine: sentences/s, greedy and beam 5.

    python bench/beam_throughput.py CHECKPOINT [--pairs ../shared/data/eng-fra.tsv] [--count 1000]

Sources are the checkpoint's own pairs (the same normalisation, filter and
orientation as in training), held-out pairs first, then training pairs, until
`--count` sentences. Each sentence is encoded once per method; the time covers
encoding and decoding. Prints sentences/s and target tokens/s per method.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from rnn_tui.config import PairsConfig
from rnn_tui.data.pairs import prepare_pairs
from rnn_tui.engine.loading import load_translator
from rnn_tui.engine.translation_search import beam_search, greedy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--pairs", default=None, help="the pair file (default: the checkpoint's)")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--beam", type=int, default=5)
    args = parser.parse_args()

    translator = load_translator(args.checkpoint)
    config = PairsConfig.from_dict(translator.meta["pairs_config"])
    if args.pairs:
        config = dataclasses.replace(config, source=args.pairs)
    tokenizers = (translator.source_tokenizer, translator.target_tokenizer)
    corpus = prepare_pairs(config, translator.config.reverse_source, tokenizers, quiet=True)
    sources = [p.source for p in (corpus.val + corpus.train)[: args.count]]
    print(f"{args.checkpoint}: {len(sources)} sources from {config.source}")
    for label, width in (("greedy", 1), (f"beam {args.beam}", args.beam)):
        emitted = 0
        start = time.perf_counter()
        for text in sources:
            encoded = translator.encode(translator.source_ids(text))
            if width == 1:
                tokens = greedy(translator, encoded, 60)[0].tokens
            else:
                tokens = beam_search(translator, encoded, width, 0.6, 60).hypotheses[0].tokens
            emitted += len(tokens)
        elapsed = time.perf_counter() - start
        print(
            f"{label:<8} {len(sources) / elapsed:8.1f} sentences/s  "
            f"{emitted / elapsed:9.1f} target tokens/s  ({elapsed:.2f} s)"
        )


if __name__ == "__main__":
    main()
