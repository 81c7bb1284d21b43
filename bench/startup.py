"""Start-up times as a terminal sees them: `rnn-tui --help`, and the frames of
`rnn-tui` (the explorer on the bundled models) and `rnn-tui lesson`, each as a ratio to
a minimal Textual app's first frame measured in the same run.

    python bench/startup.py [--runs 7]

Each command runs as the user runs it, in a fresh process on a pseudo-terminal of
120×36; the clock starts just before the process is spawned and stops when the
terminal has received the text that shows a frame was drawn:

- minimal app (an App with one Static, the baseline): "hello";
- the same app importing NumPy after mount, on a worker, then drawing a second Static:
  "imported" (the floor under the explorer's first model: its engine needs NumPy);
- explorer first frame: its welcome line; first model drawn: the language-model view's
  status line ("paused", with the model's gates, states and equations in the same
  frame); footer keys: the view's footer ("Quit"), which Textual fills in a frame later;
- lesson: the last row of its chapter list;
- the explorer with a bare view (its status line alone, `BARE_VIEW`): "paused", the
  bound under any view of the first model.

Figures are medians over rounds, and each round's ratio to that round's baseline
(the machine's drift between rounds cancels). Targets (issue #17): explorer first frame
≤ 1.1×, first model drawn ≤ 1.5×; (issue #19) the chapter list ≤ 1.1×. rnn-tui's
bytecode is compiled first, as an installed copy has it; its state folder (the recent
models, the lessons' progress) is found as users' is, through $XDG_STATE_HOME, here a
temporary folder.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

MINIMAL = r"""
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("hello")

Minimal().run()
"""

# The floor under "first model drawn": the minimal app, which then imports NumPy (the
# explorer's engine needs it) on a worker started at mount, as the explorer loads its
# first model, and draws one more line. No view, no model: what NumPy alone costs.
MINIMAL_THEN_NUMPY = r"""
from textual import work
from textual.app import App
from textual.widgets import Static

class MinimalThenNumpy(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.load()

    @work(thread=True)
    def load(self):
        import numpy
        self.call_from_thread(self.mount, Static(f"numpy {numpy.__version__} imported"))

MinimalThenNumpy().run()
"""

# The bound under any language-model view: the explorer as it starts, its first model
# loaded, its session made and its view's modules imported, but the view composed of
# its status line alone (no panels, nothing drawn from the session). Whatever a view
# shows costs what the real one takes beyond this.
BARE_VIEW = r"""
import sys

from textual.widgets import Static

from rnn_tui.cli import main
from rnn_tui.tui.screens import lm_view

def compose(self):
    yield Static("t=0 · paused", id="status")

lm_view.LanguageModelScreen.compose = compose
lm_view.LanguageModelScreen.on_mount = lambda self: None
lm_view.LanguageModelScreen.on_resize = lambda self: None
sys.argv = ["rnn-tui"]
main()
"""

ESCAPE_SEQUENCE = re.compile(  # CSI, OSC and the keypad-mode switches
    rb"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>]"
)
COLUMNS, LINES = 120, 36


def time_help() -> float:
    start = time.perf_counter()
    subprocess.run(["rnn-tui", "--help"], capture_output=True, check=True)
    return time.perf_counter() - start


def terminal_times(
    command: list[str], markers: list[str], env: dict[str, str], timeout: float = 20.0
) -> dict[str, float]:
    """Seconds from spawning `command` on a pseudo-terminal to the first appearance of
    each marker in what it writes (escape sequences removed); NaN for one never seen."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    start = time.perf_counter()
    child = subprocess.Popen(
        command, stdin=follower, stdout=follower, stderr=follower, env=env,
        start_new_session=True,
    )  # fmt: skip
    os.close(follower)
    seen: dict[str, float] = {}
    written = b""
    try:
        while len(seen) < len(markers) and time.perf_counter() - start < timeout:
            ready, _, _ = select.select([leader], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # the child has gone
                break
            now = time.perf_counter() - start
            written += chunk
            text = ESCAPE_SEQUENCE.sub(b"", written).decode("utf-8", "replace")
            for marker in markers:
                if marker not in seen and marker in text:
                    seen[marker] = now
    finally:
        child.kill()
        child.wait()
        os.close(leader)
    return {marker: seen.get(marker, float("nan")) for marker in markers}


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
    rnn_tui = shutil.which("rnn-tui") or "rnn-tui"
    helps = [time_help() for _ in range(args.runs)]
    with tempfile.TemporaryDirectory() as folder:
        minimal = Path(folder) / "minimal.py"
        minimal.write_text(MINIMAL, encoding="utf-8")
        minimal_then_numpy = Path(folder) / "minimal_then_numpy.py"
        minimal_then_numpy.write_text(MINIMAL_THEN_NUMPY, encoding="utf-8")
        bare_view = Path(folder) / "bare_view.py"
        bare_view.write_text(BARE_VIEW, encoding="utf-8")
        # The state folder through the platform's rule (platformdirs), as users have it,
        # pointed at a temporary folder.
        env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=str(Path(folder) / "state"))
        env.pop("RNN_TUI_STATE_DIR", None)
        rounds: list[dict[str, float]] = []
        for _ in range(args.runs):  # interleaved, so drift in the machine hits all alike
            times = terminal_times([sys.executable, str(minimal)], ["hello"], env)
            times |= terminal_times([sys.executable, str(minimal_then_numpy)], ["imported"], env)
            times |= terminal_times([rnn_tui], ["terminal microscope", "paused", "Quit"], env)
            times |= terminal_times([rnn_tui, "lesson"], ["14. Self-attention"], env)
            bare = terminal_times([sys.executable, str(bare_view)], ["paused"], env)
            times["bare view paused"] = bare["paused"]
            rounds.append(times)
    base = statistics.median(r["hello"] for r in rounds)
    print(f"minimal Textual app, first frame  median {base:.3f} s  (the baseline, 1.00×)")
    print(f"rnn-tui --help                    median {statistics.median(helps):.3f} s")
    for name, marker, goal in (
        ("minimal app, then NumPy imported", "imported", "the floor under a model"),
        ("explorer first frame           ", "terminal microscope", "≤ 1.1×"),
        ("explorer first model drawn     ", "paused", "≤ 1.5×"),
        ("the same with a bare view      ", "bare view paused", "the bound under any view"),
        ("explorer footer keys drawn     ", "Quit", "no target"),
        ("lesson chapter list first frame", "14. Self-attention", "≤ 1.1×"),
    ):
        value = statistics.median(r[marker] for r in rounds)
        paired = statistics.median(r[marker] / r["hello"] for r in rounds)
        print(
            f"{name}   median {value:.3f} s  {value / base:.2f}×; per round {paired:.2f}× ({goal})"
        )


if __name__ == "__main__":
    main()
