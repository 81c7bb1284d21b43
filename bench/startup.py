"""Start-up times: `rnn-tui --help`, and the explorer's first frame and loaded model.

    python bench/startup.py [--runs 7]

Each figure is the median wall time over fresh processes, measured from just
before the process is spawned. The explorer runs headless on the bundled LSTM:
the child prints a line when the first frame has been drawn and when the model
view is up; the parent timestamps the lines as they arrive.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import sys
from rnn_tui.tui.app import ExplorerApp, make_app

class Probe(ExplorerApp):
    def on_mount(self):
        self.call_after_refresh(lambda: print("first-frame", flush=True))
        super().on_mount()

    def show_model(self, index, prompt):
        super().show_model(index, prompt)
        self.call_after_refresh(self._done)

    def _done(self):
        print("loaded", "torch" in sys.modules, flush=True)
        self.exit()

app = make_app()
Probe(app.paths).run(headless=True, size=(120, 36))
"""


def time_help() -> float:
    start = time.perf_counter()
    subprocess.run(["rnn-tui", "--help"], capture_output=True, check=True)
    return time.perf_counter() - start


def time_explorer(script: Path) -> tuple[float, float, bool]:
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    first = loaded = float("nan")
    torch_loaded = True
    for line in child.stdout:
        now = time.perf_counter() - start
        if line.startswith("first-frame"):
            first = now
        elif line.startswith("loaded"):
            loaded = now
            torch_loaded = line.split()[1] == "True"
    child.wait()
    return first, loaded, torch_loaded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    helps = [time_help() for _ in range(args.runs)]
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "probe.py"  # Textual needs the app's source file
        script.write_text(CHILD, encoding="utf-8")
        explorer = [time_explorer(script) for _ in range(args.runs)]
    print(f"rnn-tui --help               median {statistics.median(helps):.3f} s  (target ≤ 0.25)")
    first = statistics.median(e[0] for e in explorer)
    loaded = statistics.median(e[1] for e in explorer)
    print(f"explorer first frame         median {first:.3f} s  (target ≤ 0.4)")
    print(f"explorer model loaded        median {loaded:.3f} s  (target ≤ 0.8)")
    print(f"torch imported by explorer   {any(e[2] for e in explorer)}")


if __name__ == "__main__":
    main()
