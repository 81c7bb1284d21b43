"""`rnn-tui watch`: how soon a new log line shows, what the dashboard costs when nothing
changes, how long a very long log takes to open, and whether memory stays flat.

    python bench/watch.py [--size-mb 1024] [--idle-s 10] [--lines 40]

- Latency: the dashboard runs headless on a run folder while a thread appends one
  training record at a time at random moments; each record's delay is from the moment
  its line was flushed to the moment the dashboard had redrawn with that step. Goal 0.5 s.
- Idle: CPU time of the dashboard's process over `--idle-s` seconds with no change to
  the log, against a minimal Textual app (one Static) idling as long in the same run,
  both as a share of one core. Goal under 2 %.
- A long log: a `metrics.jsonl` of `--size-mb` MB (a record per step, an evaluation
  every 1,000 steps) opened by `RunWatch.poll`, against reading the file's bytes. Goal 2 s.
- Memory: traced allocations after 10⁵ and after 10⁶ records applied. Goal: flat.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path


def record(step: int) -> str:
    return (
        json.dumps({"type": "train", "step": step, "loss": 2.0 + 1 / step, "grad_norm": 0.5}) + "\n"
    )


def latency(folder: Path, lines: int) -> list[float]:
    from rnn_tui.session.watching import RunWatch
    from rnn_tui.tui.watch_app import WatchApp

    log = folder / "metrics.jsonl"
    log.write_text(record(1))
    written: dict[int, float] = {}
    shown: dict[int, float] = {}

    class Probe(WatchApp):
        def redraw(self, now: float) -> None:
            super().redraw(now)
            step = self.watches[0].state.step
            shown.setdefault(step, time.perf_counter())

        def on_mount(self) -> None:
            super().on_mount()
            threading.Thread(target=self.write, daemon=True).start()

        def write(self) -> None:
            rng = random.Random(0)
            with log.open("a") as stream:
                for step in range(2, lines + 2):
                    time.sleep(rng.uniform(0.05, 0.6))
                    stream.write(record(step))
                    stream.flush()
                    written[step] = time.perf_counter()
            time.sleep(1.0)
            self.call_from_thread(self.exit)

    Probe([RunWatch(folder)]).run(headless=True, size=(120, 36))
    return [shown[s] - written[s] for s in written if s in shown]


def idle_share(make_app, seconds: float) -> float:
    """CPU seconds per wall second of an app left alone for `seconds` (after 1 s to settle)."""
    marks: list[tuple[float, float]] = []
    app = make_app()

    def measure() -> None:
        marks.append((time.process_time(), time.perf_counter()))

    def stop() -> None:
        measure()
        app.exit()

    app.call_later(lambda: app.set_timer(1.0, measure))
    app.call_later(lambda: app.set_timer(1.0 + seconds, stop))
    app.run(headless=True, size=(120, 36))
    (cpu0, wall0), (cpu1, wall1) = marks
    return (cpu1 - cpu0) / (wall1 - wall0)


def minimal_app():
    from textual.app import App
    from textual.widgets import Static

    class Minimal(App):
        def compose(self):
            yield Static("hello")

    return Minimal()


def long_log(path: Path, megabytes: int) -> int:
    steps, target = 0, megabytes * 1_000_000
    with path.open("w") as stream:
        while stream.tell() < target:
            chunk = []
            for _ in range(10_000):
                steps += 1
                chunk.append(record(steps))
                if steps % 1000 == 0:
                    chunk.append(
                        json.dumps({"type": "eval", "step": steps, "val_loss": 2.0}) + "\n"
                    )
            stream.write("".join(chunk))
    return steps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--idle-s", type=float, default=10.0)
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    from rnn_tui.session.watching import RunWatch
    from rnn_tui.tui.watch_app import WatchApp

    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder) / "run"
        run.mkdir()
        delays = latency(run, args.lines)
        print(f"new line on screen: median {statistics.median(delays):.3f} s, "
              f"max {max(delays):.3f} s over {len(delays)} lines (goal 0.5 s)")  # fmt: skip

        baseline = idle_share(minimal_app, args.idle_s)
        ours = idle_share(lambda: WatchApp([RunWatch(run)]), args.idle_s)
        print(f"idle CPU: dashboard {ours:.2%} of one core, minimal Textual app "
              f"{baseline:.2%} ({args.idle_s:g} s each; goal under 2 %)")  # fmt: skip

        long = Path(folder) / "long"
        long.mkdir()
        steps = long_log(long / "metrics.jsonl", args.size_mb)
        size = (long / "metrics.jsonl").stat().st_size
        start = time.perf_counter()
        (long / "metrics.jsonl").read_bytes()
        read = time.perf_counter() - start
        start = time.perf_counter()
        watch = RunWatch(long)
        watch.poll()
        opened = time.perf_counter() - start
        print(f"a {size / 1e6:,.0f} MB log ({steps:,} steps): opened in {opened:.3f} s, "
              f"{opened / read:.2f}× reading its bytes ({read:.3f} s); "
              f"{len(watch.state.evaluations)} evaluations, last step {watch.state.step:,} "
              "(goal 2 s)")  # fmt: skip

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "metrics.jsonl").write_text("")
        watch = RunWatch(Path(folder))
    tracemalloc.start()
    for step in range(1, 100_001):
        watch.apply({"type": "train", "step": step, "loss": 2.0, "grad_norm": 0.5})
    after_1e5 = tracemalloc.get_traced_memory()[0]
    for step in range(100_001, 1_000_001):
        watch.apply({"type": "train", "step": step, "loss": 2.0, "grad_norm": 0.5})
    after_1e6 = tracemalloc.get_traced_memory()[0]
    print(f"memory held: {after_1e5 / 1e3:,.0f} kB after 10⁵ records, "
          f"{after_1e6 / 1e3:,.0f} kB after 10⁶ ({after_1e6 / after_1e5:.2f}×)")  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    main()
