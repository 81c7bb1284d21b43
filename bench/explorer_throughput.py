"""Explorer throughput and memory: autoplay with every panel visible at 120×36.

    python bench/explorer_throughput.py [--steps 10000]

1. Autoplay at its top speed (1,000 tokens/s) for about 5 s: the rate actually
   achieved over the measured wall time, and how often the panels were redrawn.
   Each autoplay tick steps every token due since the last one, then redraws every
   panel once (at most 30 ticks a second; see `rnn_tui/tui/pace.py`).
2. Memory while autoplay goes on: process RSS and the number of live Python
   objects after 1,000 steps and after `--steps` steps. The session keeps full traces
   for the last 256 steps only (and the state after every 256th, 4 KB for the bundled
   LSTM), so this should be flat.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

from textual._styles_cache import StylesCache

from rnn_tui.bundled import bundled_models
from rnn_tui.tui.app import make_app
from rnn_tui.tui.screens.lm_view import SPEEDS, LanguageModelScreen


def rss_mib() -> float:
    with open("/proc/self/statm") as stream:
        pages = int(stream.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def measure(total_steps: int) -> None:
    app = make_app(bundled_models()[:1], prompt="ROMEO:\n")
    async with app.run_test(size=(120, 36)) as pilot:
        while not isinstance(app.screen, LanguageModelScreen):  # models load after frame 1
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        screen._set_speed(len(SPEEDS) - 1)
        draws = 0
        draw = screen.refresh_view

        def counted_draw() -> None:
            nonlocal draws
            draws += 1
            draw()

        screen.refresh_view = counted_draw  # type: ignore[method-assign]
        start_position = screen.session.position
        started = time.monotonic()
        await pilot.press("a")
        await asyncio.sleep(5.0)
        await pilot.press("a")
        elapsed = time.monotonic() - started
        autoplay_rate = (screen.session.position - start_position) / elapsed
        print(
            f"autoplay at {SPEEDS[-1]} tokens/s requested: {autoplay_rate:.0f} tokens/s achieved "
            f"over {elapsed:.2f} s, panels redrawn {draws / elapsed:.0f} times a second"
        )

        marks = [1000, total_steps]
        await pilot.press("a")
        while marks:
            await asyncio.sleep(0.05)
            if screen.session.position >= marks[0]:
                objects = len(gc.get_objects())
                step = marks.pop(0)
                pinned = StylesCache.get_inner_outer.cache_info().currsize  # Textual #6665
                print(
                    f"after {step:>6} steps: RSS {rss_mib():6.1f} MiB, {objects:,} Python objects "
                    f"({pinned} entries in Textual's StylesCache.get_inner_outer cache, max 1024)"
                )
        await pilot.press("a")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(measure(args.steps))


if __name__ == "__main__":
    main()
