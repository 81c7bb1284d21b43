"""Paths that are not ordinary files, corpora named by a checkpoint, runs moved between
folders: one line and exit 2 within seconds, or the right data found again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_tui.checkpoint import Checkpoint, load_checkpoint, save_checkpoint

from .conftest import tiny_training_args


def one_error(result, *fragments: str) -> str:
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_pipes_devices_and_folders_are_refused_without_blocking(
    fifo: Path, tmp_path: Path, tiny_lstm_checkpoint: Path, cli
) -> None:
    started = time.perf_counter()
    checkpoint = str(tiny_lstm_checkpoint)
    for args, fragments in [
        (["info", str(fifo)], (str(fifo), "not a regular file")),
        (["generate", str(fifo)], (str(fifo), "not a regular file")),
        (["eval", checkpoint, "--data", str(fifo)], ("--data", "not a regular file")),
        (["eval", checkpoint, "--data", "/proc/self/mem"], ("/proc/self/mem", "cannot read")),
        (["eval", checkpoint, "--data", str(tmp_path)], ("is a directory",)),
        (["info", str(tmp_path)], ("is a directory",)),
        (["info", "/proc/self/mem"], ("cannot read it",)),
        (["translate", str(fifo), "x"], ("not a regular file",)),
        (["explore", str(fifo)], (str(fifo), "not a regular file")),
        (["explore", str(tmp_path)], ("is a directory, expected a checkpoint file",)),
        (["serve", checkpoint, str(tmp_path)], ("is a directory",)),
        (["train", "translate", "--pairs", str(fifo), "--steps", "1",
          "--out", str(tmp_path / "t")], ("--pairs", "not a regular file")),
        (tiny_training_args(fifo, tmp_path / "l", steps=1), ("--data", "not a regular file")),
    ]:  # fmt: skip
        one_error(cli(*args), *fragments)
    assert time.perf_counter() - started < 20
    assert not (tmp_path / "t").exists() and not (tmp_path / "l").exists()  # nothing created


def test_a_checkpoint_cannot_make_eval_read_another_file(
    tiny_lstm_checkpoint: Path, tmp_path: Path, cli
) -> None:
    """A checkpoint naming /etc/passwd (or any file) as its corpus, with no digest or a
    wrong one, gets that file neither scored nor shown."""
    original = load_checkpoint(tiny_lstm_checkpoint)
    for digest in ("", "0" * 64):
        data = {**original.meta["data_config"], "source": "/etc/passwd", "content_sha256": digest}
        crafted = tmp_path / f"crafted{len(digest)}.safetensors"
        meta = {**original.meta, "data_config": data}
        save_checkpoint(crafted, Checkpoint("lm", original.tensors, meta))
        result = cli("eval", str(crafted))
        line = one_error(result, str(crafted), "/etc/passwd")
        assert "root:" not in result.output
        assert ("records no digest" in line) if not digest else ("has changed" in line)


def test_a_run_resumes_and_evaluates_from_another_folder_and_notices_a_changed_corpus(
    repetitive_text_file: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    started_in, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    started_in.mkdir(), elsewhere.mkdir()
    corpus = started_in / "corpus.txt"
    corpus.write_text(repetitive_text_file.read_text())
    monkeypatch.chdir(started_in)
    args = tiny_training_args(Path("corpus.txt"), Path("run"), steps=20)  # relative paths
    assert cli(*args).exit_code == 0
    recorded = load_checkpoint(started_in / "run" / "last.safetensors").meta["data_config"]
    assert recorded["source"] == str(corpus.resolve())
    monkeypatch.chdir(elsewhere)
    run = os.path.relpath(started_in / "run")
    evaluated = cli("eval", f"{run}/last.safetensors")
    assert evaluated.exit_code == 0 and str(corpus.resolve()) in evaluated.output
    assert cli("train", "lm", "--resume", run, "--steps", "30").exit_code == 0
    corpus.write_text(corpus.read_text() + "one more line\n")
    one_error(cli("train", "lm", "--resume", run, "--steps", "40"), "has changed since training")
    assert load_checkpoint(started_in / "run" / "last.safetensors").meta["history"]["steps"] == 30


def test_a_resume_file_from_another_run_is_one_line(
    repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    for cell in ("lstm", "gru"):
        args = tiny_training_args(repetitive_text_file, tmp_path / cell, cell=cell, steps=4)
        assert cli(*args).exit_code == 0
    foreign = (tmp_path / "gru" / "resume.safetensors").read_bytes()
    (tmp_path / "lstm" / "resume.safetensors").write_bytes(foreign)
    one_error(
        cli("train", "lm", "--resume", str(tmp_path / "lstm"), "--steps", "8"),
        "resume.safetensors: does not belong to this run's last.safetensors",
        "it may have been copied from another run",
    )
    assert load_checkpoint(tmp_path / "lstm" / "last.safetensors").meta["history"]["steps"] == 4


def test_an_optimizer_state_of_the_wrong_shape_is_one_line(
    repetitive_text_file: Path, tmp_path: Path, cli
) -> None:
    """A resume file of this run whose AdamW moments do not fit the model (edited, or
    written by something else) is refused naming the tensor, not a kernel's assertion
    in the middle of training; the run is left as it was."""
    args = tiny_training_args(repetitive_text_file, tmp_path / "run", steps=4)
    assert cli(*args).exit_code == 0
    path = tmp_path / "run" / "resume.safetensors"
    saved = load_checkpoint(path, expected_kind="resume")
    tensors = {**saved.tensors, "optimizer.0.exp_avg": saved.tensors["optimizer.0.exp_avg"][:2]}
    save_checkpoint(path, Checkpoint("resume", tensors, saved.meta))
    one_error(
        cli("train", "lm", "--resume", str(tmp_path / "run"), "--steps", "8"),
        "resume.safetensors: does not belong to this run's last.safetensors",
        "optimizer.0.exp_avg: shape (2,",
    )
    assert load_checkpoint(tmp_path / "run" / "last.safetensors").meta["history"]["steps"] == 4


@pytest.fixture
def read_only_folder(tmp_path: Path):
    """A read-only tmpfs (as root, file permissions are not enforced; a read-only mount
    is). Skipped where mounting is not allowed."""
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_folder_is_one_line(
    read_only_folder: Path, repetitive_text_file: Path, tiny_lstm_checkpoint: Path, cli
) -> None:
    args = tiny_training_args(repetitive_text_file, read_only_folder / "run", steps=2)
    one_error(cli(*args), "cannot create it (Read-only file system)")
    target = read_only_folder / "x.safetensors"
    one_error(cli("convert", str(tiny_lstm_checkpoint), str(target)), "Read-only file system")


def test_a_source_longer_than_the_encoder_reads_is_refused_by_name(
    tiny_translator_checkpoint: Path, tmp_path: Path, cli
) -> None:
    """100,000 characters read as one source took 600 MB and 13 s: every way in (TEXT,
    a line of stdin, a pair of `eval --pairs`, the explorer's session) refuses a source
    over MAX_SOURCE_TOKENS with one line, and the session keeps what it had."""
    from typer.testing import CliRunner

    from rnn_tui.cli import app
    from rnn_tui.engine.loading import load_translator
    from rnn_tui.engine.translator import MAX_SOURCE_TOKENS
    from rnn_tui.errors import UserError
    from rnn_tui.session.translator import TranslatorSession

    translator = load_translator(tiny_translator_checkpoint)
    longest, too_long = "ab" * (MAX_SOURCE_TOKENS // 2), "ab" * (MAX_SOURCE_TOKENS // 2) + "a"
    assert len(translator.source_ids(longest)) == MAX_SOURCE_TOKENS + 1  # and <eos>
    with pytest.raises(UserError, match=f"{MAX_SOURCE_TOKENS + 1:,} tokens long"):
        translator.source_ids(too_long)

    checkpoint = str(tiny_translator_checkpoint)
    one_error(cli("translate", checkpoint, too_long), "TEXT: the source is 1,001 tokens")
    piped = CliRunner().invoke(app, ["translate", checkpoint], input=f"abc\n{too_long}\n")
    assert piped.exit_code == 2 and "Traceback" not in piped.output
    assert "error: stdin line 2: the source is 1,001 tokens long" in piped.output
    assert piped.output.splitlines()[0] == translator_output(translator, "abc")

    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"abc\tcba\n{too_long}\tx\n", encoding="utf-8")
    one_error(cli("eval", checkpoint, "--pairs", str(pairs)), f"--pairs {pairs}: pair 2: ")

    session = TranslatorSession(translator)
    session.set_source("abc")
    encoded = session.encoded
    with pytest.raises(UserError):
        session.set_source(too_long)
    assert session.source == "abc" and session.encoded is encoded


def translator_output(translator, text: str) -> str:
    from rnn_tui.engine.translation_search import greedy

    hypothesis = greedy(translator, translator.encode_text(text), 100)[0]
    return translator.target_text(hypothesis.tokens)


def bundled(stem: str) -> Path:
    return Path(__file__).resolve().parent.parent / "rnn_tui" / "models" / f"{stem}.safetensors"


FRENCH, SHAKESPEARE = bundled("en-fr-gru-additive"), bundled("shakespeare-lstm")


@pytest.mark.parametrize(
    ("args", "stdin", "where"),
    [
        (["translate", FRENCH], b"the cat.\nun caf\xe9\n", "stdin line 2"),
        pytest.param(["translate", FRENCH, b"ab caf\xe9"], b"", "TEXT", marks=pytest.mark.slow),
        pytest.param(
            ["generate", SHAKESPEARE, "-p", b"caf\xe9"], b"", "--prompt", marks=pytest.mark.slow
        ),
        pytest.param(
            ["gradients", SHAKESPEARE, "--text", b"\xe9t\xe9"], b"", "--text",
            marks=pytest.mark.slow,
        ),
        pytest.param(["explore", "-p", b"caf\xe9"], b"", "--prompt", marks=pytest.mark.slow),
    ],
)  # fmt: skip
def test_text_that_is_not_utf8_is_refused_at_its_first_bad_byte(
    args: list, stdin: bytes, where: str
) -> None:
    """Bytes from argv or stdin that are not UTF-8 reach Python as lone surrogates; they are
    one line naming the text and the byte's offset, not <unk> pieces read on."""
    bad = stdin.splitlines()[-1] if stdin else args[-1]
    done = subprocess.run(
        [sys.executable, "-m", "rnn_tui", *map(os.fsencode, args)],
        input=stdin, capture_output=True, timeout=60,
    )  # fmt: skip
    errors = done.stderr.decode("utf-8", "replace").strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert errors == [
        f"error: {where}: not UTF-8 (bad byte at offset {bad.index(0xE9)}), expected UTF-8 text"
    ]
    if stdin:  # the lines before it were translated
        assert len(done.stdout.decode().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "stdin_is_a_terminal", "says"),
    [
        ([], False, "the explorer needs a terminal, and stdin is not one"),
        (["lesson"], True, "the lesson app needs a terminal, and stdout is not one"),
        pytest.param(
            ["watch", "RUN"], False, "the watch dashboard needs a terminal, and stdin is not one",
            marks=pytest.mark.slow,
        ),
    ],
)  # fmt: skip
def test_a_full_screen_app_without_a_terminal_is_one_line_not_a_wait(
    args: list[str], stdin_is_a_terminal: bool, says: str, tmp_path: Path
) -> None:
    """From a script, cron or a pipe the apps would wait for keys that never come."""
    import pty

    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.jsonl").write_text("", encoding="utf-8")
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "rnn_tui", *[str(run) if a == "RUN" else a for a in args]],
            stdin=follower if stdin_is_a_terminal else subprocess.DEVNULL,
            capture_output=True,
            env={k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"},
            timeout=30,
        )  # fmt: skip
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 2
    assert done.stdout == b""
    (line,) = done.stderr.decode().strip().splitlines()
    assert line.startswith(f"error: {says}; "), line
