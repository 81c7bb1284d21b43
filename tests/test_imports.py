"""Start-up stays light: NumPy paths never import torch (or textual where unused)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SNIPPET = """
import sys
sys.argv = ["rnn-tui", *{args!r}]
from rnn_tui.cli import main
try:
    main()
except SystemExit:
    pass
print("\\nMODULES", "torch" in sys.modules, "textual" in sys.modules, "numpy" in sys.modules)
"""


def imported_after(*args: str) -> tuple[bool, bool, bool]:
    done = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(args=list(args))],
        capture_output=True,
        text=True,
        check=True,
    )
    flags = done.stdout.rsplit("MODULES", 1)[1].split()
    return flags[0] == "True", flags[1] == "True", flags[2] == "True"


def test_help_does_not_import_torch() -> None:
    assert imported_after("--help") == (False, False, False)  # not even NumPy
    assert imported_after("train", "lm", "--help")[0] is False


@pytest.mark.parametrize(
    "command",
    [["generate", "--length", "5"], ["eval"], ["info"], ["gradients", "--text", "the fox"]],
)
def test_numpy_commands_do_not_import_torch(command: list[str], tiny_lstm_checkpoint: Path) -> None:
    name, *rest = command
    torch_loaded, *_ = imported_after(name, str(tiny_lstm_checkpoint), *rest)
    assert torch_loaded is False


@pytest.mark.slow
def test_translate_eval_info_and_units_do_not_import_torch(
    tiny_translator_checkpoint: Path, tiny_lstm_checkpoint: Path, repetitive_text_file: Path
) -> None:
    path = str(tiny_translator_checkpoint)
    assert imported_after("translate", path, "a b c", "--beam", "3")[0] is False
    assert imported_after("eval", path)[0] is False
    assert imported_after("info", path)[0] is False
    units = [
        "units",
        str(tiny_lstm_checkpoint),
        "--text",
        str(repetitive_text_file),
        "--match",
        "o",
    ]
    assert imported_after(*units)[0] is False


@pytest.mark.parametrize(
    "module",
    [
        "rnn_tui.engine.lm",
        "rnn_tui.engine.sampling",
        "rnn_tui.data.corpus",
        "rnn_tui.checkpoint",
        "rnn_tui.engine.loading",
        "rnn_tui.engine.translator",
        "rnn_tui.engine.probing",
        "rnn_tui.data.pairs",
    ],
)
def test_headless_modules_import_neither_torch_nor_textual(module: str) -> None:
    code = f"import sys, {module}; print('torch' in sys.modules, 'textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]


def test_the_explorers_first_frame_needs_neither_numpy_nor_the_model_views() -> None:
    """Nor the picker, the help screen or json (the recent list): each loads on first use."""
    later = ["numpy", "rnn_tui.tui.screens.lm_view", "rnn_tui.tui.screens.picker"]
    later += ["rnn_tui.tui.screens.help", "json"]
    code = (
        f"import sys; from rnn_tui.tui.app import make_app; "
        f"print(*[m for m in {later!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


@pytest.mark.parametrize("kind", ["lm", "translate"])
def test_train_without_torch_names_the_extra_in_one_line(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    """With torch absent (`pip install rnn-tui` alone), `train` says which extra to install,
    exits 2 and creates nothing; its --help still works."""
    monkeypatch.setitem(sys.modules, "torch", None)  # find_spec("torch") → None
    monkeypatch.chdir(tmp_path)
    data = ["--data", "shakespeare"] if kind == "lm" else ["--pairs", "dates"]
    result = cli("train", kind, *data, "--steps", "5")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "pip install 'rnn-tui[train]'" in lines[0]
    assert list(tmp_path.iterdir()) == []
    assert cli("train", kind, "--help").exit_code == 0


def test_serve_without_textual_serve_names_the_extra_in_one_line(
    monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    result = cli("serve", "--port", "8123")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: rnn-tui serve needs textual-serve, which is not installed: "
        "pip install 'rnn-tui[serve]'"
    )


WITHOUT_TYPER = """
import sys
from pathlib import Path

import textual.app

def run(self, *args, **kwargs):
    print("RAN", type(self).__name__, getattr(self, "show_tracebacks", "-"))
    if {crash!r}:
        self.crash = (RuntimeError("a bug in a view"), Path("/state/crash-1.log"))

textual.app.App.run = run
import rnn_tui.cli.open_apps  # the streams here are pipes: a terminal is pretended
rnn_tui.cli.open_apps.require_terminal = lambda *names: None
sys.argv = ["rnn-tui", *{args!r}]
from rnn_tui.cli import main
try:
    main()
except SystemExit as stopped:
    print("EXIT", stopped.code)
print("TYPER", "typer" in sys.modules)
"""


def run_without_terminal(*args: str, crash: bool = False) -> tuple[list[str], str]:
    """`rnn-tui ARGS` with the app's run replaced by a line naming the app (and the
    terminal it needs pretended)."""
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TYPER.format(args=list(args), crash=crash)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines(), done.stderr


@pytest.mark.parametrize(
    ("args", "opened"),
    [
        ([], "RAN ExplorerApp False"),
        (["--debug"], "RAN ExplorerApp True"),
        (["lesson"], "RAN LessonApp -"),
        (["--debug", "lesson"], "RAN LessonApp -"),
    ],
)
def test_the_explorer_and_the_chapter_list_open_without_typer(args: list[str], opened: str) -> None:
    """Typer's import and command tree cost a fifth of a minimal Textual app's first
    frame, so the two commands without arguments open without it."""
    assert run_without_terminal(*args) == ([opened, "EXIT 0", "TYPER False"], "")


def test_other_words_still_go_through_typer() -> None:
    lines, _ = run_without_terminal("explore", "--prompt", "To be")
    assert lines == ["RAN ExplorerApp False", "EXIT 0", "TYPER True"]
    lines, err = run_without_terminal("lesson", "99")
    assert lines == ["EXIT 2", "TYPER True"]
    assert err.startswith("error: lesson 99: no such chapter")


def test_a_crash_without_typer_is_the_same_one_line_as_with_it() -> None:
    expected = (
        "error: the explorer stopped on an unexpected error (RuntimeError: a bug in a "
        "view); the traceback is in /state/crash-1.log\n"
    )
    for args in ([], ["explore"]):
        lines, err = run_without_terminal(*args, crash=True)
        assert lines[1] == "EXIT 1" and err == expected
