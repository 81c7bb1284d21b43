"""Hostile values for every numeric option: exit 2 with one line naming the option (or
the command runs), never a traceback, nothing created. Through `main()`, as a shell
runs it, so Click's own errors are covered too."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_tui.bundled import bundled_models
from rnn_tui.cli import main

LM = str(next(p for p in bundled_models() if p.stem == "shakespeare-rnn"))
DATES = str(next(p for p in bundled_models() if p.stem == "dates-bigru-additive"))
HOSTILE = ["nan", "inf", "-inf", "-1", "0", "1e308", "-1e308", "1e-320", str(2**70),
           str(-(2**70)), "abc", "", "1.5", "9" * 400]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    out, err = capsys.readouterr()
    return stopped.value.code or 0, out, err


def refused(code: int, err: str, *fragments: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_click_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(*run(capsys, "train", "lm", "--hidden", "abc")[::2], "--hidden:")
    assert line == "error: --hidden: expected an integer, got 'abc'"
    line = refused(*run(capsys, "generate", DATES, "--temperature", "hot")[::2])
    assert line == "error: --temperature: expected a number, got 'hot'"
    line = refused(*run(capsys, "train", "lm", "--no-such-option", "1")[::2])
    assert line == "error: --no-such-option: no such option"
    line = refused(*run(capsys, "two-step", "--x3", "1")[::2])
    assert line == "error: --x3: no such option (did you mean --x1 or --x2?)"
    line = refused(*run(capsys, "generate")[::2])
    assert line == "error: CHECKPOINT: missing (this command needs it; see --help)"
    line = refused(*run(capsys, "lesson", "abc")[::2])
    assert line == "error: NUMBER: expected an integer, got 'abc'"
    line = refused(*run(capsys, "units", LM, "--match", "e")[::2])
    assert line == "error: --text: missing (this command needs it; see --help)"
    refused(*run(capsys, "translate", DATES, "x", "--beam", "two")[::2], "--beam:")
    refused(*run(capsys, "train", "lm", "--data", "a", "--data", "b")[::2],
            "--data: given 2 times; give it once")  # fmt: skip
    refused(*run(capsys, "generate", LM, "--length", "100001")[::2], "--length: expected 0 to")
    refused(*run(capsys, "translate", DATES, "x", "--beam", "101")[::2], "--beam: expected")
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "train" in out


COMMANDS = {
    "train lm": (["train", "lm", "--data", "/no/such/corpus.txt", "--out"], [
        "--hidden", "--layers", "--embed", "--dropout", "--context", "--batch", "--bptt", "--lr",
        "--weight-decay", "--warmup", "--clip", "--steps", "--epochs", "--minutes",
        "--eval-every", "--log-every", "--val-fraction", "--min-freq", "--max-vocab", "--seed"]),
    "train translate": (["train", "translate", "--pairs", "/no/such/pairs.tsv", "--out"], [
        "--hidden", "--layers", "--embed", "--teacher-forcing", "--dropout", "--batch", "--lr",
        "--weight-decay", "--clip", "--steps", "--minutes", "--size", "--held-out", "--seed"]),
    "generate": (["generate", LM, "--length", "2", "--out-unused"], [
        "--temperature", "--top-k", "--seed"]),
    "translate": (["translate", DATES, "9 mai 2018", "--out-unused"], [
        "--beam", "--alpha", "--max-len", "--temperature", "--top-k", "--seed"]),
    "gradients": (["gradients", LM, "--text", "ROMEO:", "--out-unused"], [
        "--position", "--clip", "--layer"]),
    "two-step": (["two-step", "--out-unused"], ["--u", "--w", "--v", "--b", "--x1", "--d2"]),
}  # fmt: skip


@pytest.mark.slow
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    pick=st.integers(0, 100),
    value=st.one_of(st.sampled_from(HOSTILE), st.floats(allow_nan=True).map(repr),
                    st.integers(-(2**80), 2**80).map(str)),
)  # fmt: skip
def test_hostile_numbers_give_one_line_naming_the_option(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, pick: int, value: str
) -> None:
    base, options = COMMANDS[command]
    option = options[pick % len(options)]
    out = tmp_path / "created"
    args = [*base[:-1], *(["--out", str(out)] if base[-1] == "--out" else []), option, value]
    if command.startswith("train"):  # a budget, so only the option under test can be wrong
        args += ["--steps", "1"] if option in ("--minutes", "--epochs") else ["--minutes", "1"]
    if command == "translate" and option in ("--temperature", "--top-k", "--seed"):
        args.append("--sample")
    if command == "translate" and option == "--beam":
        args += ["--n-best", "1"]
    code, _, err = run(capsys, *args)
    assert "Traceback" not in err
    assert not out.exists()  # nothing created, whatever the outcome
    if code == 0:
        return
    line = refused(code, err)
    assert option in line or "/no/such/" in line, line


@pytest.fixture(scope="module")
def hostile_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import os

    folder = tmp_path_factory.mktemp("paths")
    fifo = folder / "pipe"
    os.mkfifo(fifo)
    loop = folder / "loop"
    loop.symlink_to(loop)
    (folder / "empty").write_bytes(b"")
    (folder / "binary").write_bytes(bytes(range(256)) * 4)
    escape = folder / "missing\x1b[2J\x07"  # echoed by the error: must not clear the screen
    return {
        "fifo": str(fifo), "folder": str(folder), "loop": str(loop), "empty": str(folder / "empty"),
        "binary": str(folder / "binary"), "missing": str(folder / "missing"),
        "escape": str(escape), "device": "/dev/zero", "random": "/dev/urandom",
        "proc": "/proc/self/mem", "long": str(folder / ("x" * 300)),
    }  # fmt: skip


PATH_COMMANDS = [
    lambda p: ["info", p], lambda p: ["generate", p, "--length", "2"], lambda p: ["eval", p],
    lambda p: ["translate", p, "x"], lambda p: ["gradients", p, "--text", "ab"],
    lambda p: ["eval", LM, "--data", p], lambda p: ["units", LM, "--text", p, "--match", "a"],
    lambda p: ["convert", p, p + ".out"], lambda p: ["train", "lm", "--data", p, "--steps", "1"],
    lambda p: ["train", "translate", "--pairs", p, "--steps", "1"],
    lambda p: ["train", "lm", "--resume", p],
]  # fmt: skip


PATH_KINDS = ["fifo", "folder", "loop", "empty", "binary", "missing", "escape", "device",
              "random", "proc", "long"]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("kind", PATH_KINDS)
@pytest.mark.parametrize("command", range(len(PATH_COMMANDS)))
def test_hostile_paths_give_one_printable_line(
    capsys: pytest.CaptureFixture[str], hostile_paths: dict[str, str], kind: str, command: int
) -> None:
    """A FIFO, a device, a folder, a symlink loop, a binary or empty file, a name holding
    an escape sequence: one error line within seconds, no control character printed.
    Every kind with every command (a sample of them missed `Path.resolve` raising on a
    symlink loop)."""
    import time

    started = time.perf_counter()
    code, out, err = run(capsys, *PATH_COMMANDS[command](hostile_paths[kind]))
    assert time.perf_counter() - started < 20
    refused(code, err)
    assert not any(c in out + err for c in "\x1b\x07"), repr(err)
