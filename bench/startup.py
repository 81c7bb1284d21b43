"""Start-up times: `rnn-tui --help`, and the explorer's first frame and loaded model,
each as a ratio to a minimal Textual app's first frame measured in the same run.

    python bench/startup.py [--runs 7]

Each figure is the median wall time over fresh processes, measured from just
before the process is spawned. The explorer runs headless on the bundled LSTM:
the child prints a line when the first frame has been drawn and when the model
view has been drawn; the parent timestamps the lines as they arrive. The
baseline is an App with one Static, run the same way. Targets (issue #17): first
frame ≤ 1.1× the baseline, first model drawn ≤ 1.5×. `rnn-tui lesson`'s first frame
(its chapter list) is timed the same way (issue #19: ≤ 1.1×). rnn-tui's bytecode is
compiled first, as an installed copy has it.
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
        self.screen.call_after_refresh(self._done)  # the model's view has been drawn

    def _done(self):
        print("loaded", "torch" in sys.modules, flush=True)
        self.exit()

app = make_app()
Probe(app.paths).run(headless=True, size=(120, 36))
"""

LESSON = r"""
from rnn_tui.tui.lesson_app import LessonApp

class Probe(LessonApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.done)

    def done(self):
        import sys
        print("first-frame", flush=True)
        print("loaded", "torch" in sys.modules, flush=True)
        self.exit()

Probe().run(headless=True, size=(120, 36))
"""


MINIMAL = r"""
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.call_after_refresh(self.done)

    def done(self):
        print("first-frame", flush=True)
        print("loaded False", flush=True)
        self.exit()

Minimal().run(headless=True, size=(120, 36))
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


def compile_bytecode() -> None:
    """Compile rnn-tui's modules as pip does when it installs the wheel. Where
    PYTHONDONTWRITEBYTECODE is set (this machine sets it), an editable install would
    otherwise compile every module from source in every run, which no installed copy
    does."""
    import compileall

    import rnn_tui

    compileall.compile_dir(Path(rnn_tui.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    compile_bytecode()
    helps = [time_help() for _ in range(args.runs)]
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe.py"  # Textual needs the app's source file
        probe.write_text(CHILD, encoding="utf-8")
        minimal = Path(folder) / "minimal.py"
        minimal.write_text(MINIMAL, encoding="utf-8")
        lesson_probe = Path(folder) / "lesson.py"
        lesson_probe.write_text(LESSON, encoding="utf-8")
        explorer, baseline, lesson = [], [], []
        for _ in range(args.runs):  # interleaved, so drift in the machine hits all alike
            baseline.append(time_explorer(minimal)[0])
            explorer.append(time_explorer(probe))
            lesson.append(time_explorer(lesson_probe)[0])
    base = statistics.median(baseline)
    first = statistics.median(e[0] for e in explorer)
    loaded = statistics.median(e[1] for e in explorer)
    chapters = statistics.median(lesson)

    def paired(values: list[float]) -> float:
        """The median over rounds of each round's ratio to that round's baseline: the
        machine's drift between rounds cancels."""
        return statistics.median(v / b for v, b in zip(values, baseline, strict=True))

    print(f"minimal Textual app, first frame  median {base:.3f} s  (the baseline, 1.00×)")
    print(f"rnn-tui --help                    median {statistics.median(helps):.3f} s")
    for name, value, values, goal in (
        ("explorer first frame           ", first, [e[0] for e in explorer], 1.1),
        ("explorer first model drawn     ", loaded, [e[1] for e in explorer], 1.5),
        ("lesson chapter list first frame", chapters, lesson, 1.1),
    ):
        print(
            f"{name}   median {value:.3f} s  {value / base:.2f}×; per round "
            f"{paired(values):.2f}× (≤ {goal}×)"
        )
    print(f"torch imported by explorer       {any(e[2] for e in explorer)}")


if __name__ == "__main__":
    main()
