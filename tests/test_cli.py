"""The command line as a user meets it: outputs, determinism, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli, tiny_training_args


def test_generate_is_reproducible_and_continues_the_prompt(tiny_lstm_checkpoint: Path, cli) -> None:
    args = ["generate", str(tiny_lstm_checkpoint), "--prompt", "the quick", "--length", "60"]
    first = cli(*args, "--seed", "4")
    assert first.exit_code == 0
    assert first.output.startswith("the quick")
    assert first.output == cli(*args, "--seed", "4").output
    assert first.output != cli(*args, "--seed", "5", "--temperature", "3").output
    greedy = cli(*args, "--top-k", "1").output
    assert "brown fox jumps over the lazy dog" in greedy


def test_eval_json_matches_the_training_record(tiny_lstm_checkpoint: Path, cli) -> None:
    from rnn_tui.checkpoint import load_checkpoint

    result = cli("eval", str(tiny_lstm_checkpoint), "--json")
    figures = json.loads(result.output)
    recorded = load_checkpoint(tiny_lstm_checkpoint).meta["history"]["best_val_loss"]
    assert figures["val_loss"] == pytest.approx(recorded, abs=1e-5)
    assert figures["val_bpc"] == pytest.approx(figures["val_loss"] / 0.6931471805599453)


def test_eval_on_another_text_scores_it_whole(
    tiny_lstm_checkpoint: Path, tmp_path: Path, cli
) -> None:
    other = tmp_path / "other.txt"
    other.write_text("the lazy dog jumps over the quick brown fox.\n" * 5)
    text = "the lazy dog jumps over the quick brown fox.\n" * 5
    other.write_text(text)
    figures = json.loads(
        cli("eval", str(tiny_lstm_checkpoint), "--data", str(other), "--json").output
    )
    assert "whole text" in figures["data"]
    # Every character is scored once, from <bos>: the mean of −log p(w_t | <bos> w_<t),
    # stepped one token at a time here (the engine's batched windows are not used).
    from rnn_tui.engine.loading import load_language_model

    model = load_language_model(tiny_lstm_checkpoint)
    assert figures["tokens"] == len(text)
    expected = model.surprisals(model.tokenizer.encode(text)).mean()
    assert figures["val_loss"] == pytest.approx(expected, rel=1e-6)


def test_info_shows_the_model_card(tiny_lstm_checkpoint: Path, cli) -> None:
    card = json.loads(cli("info", str(tiny_lstm_checkpoint), "--json").output)
    assert card["kind"] == "lm" and "LSTM" in card["model"]
    assert int(card["parameters"].replace(",", "")) > 1000
    assert card["command"].startswith("rnn-tui train lm")
    assert card["steps"] == 200 and "val_loss" in card


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--data", "/no/such/file.txt"], "no such file"),
        (["--cell", "transformer"], "--cell"),
        (["--hidden", "-3"], "--hidden"),
        (["--batch", "0"], "--batch"),
        (["--lr", "0"], "--lr"),
        (["--tokenizer", "bpe"], "--tokenizer"),
        (["--steps", "0"], "no budget"),
        (["--device", "tpu"], "--device"),
    ],
)
def test_train_rejects_bad_options(args: list[str], expected: str, tmp_path: Path) -> None:
    base = ["train", "lm", "--steps", "5", "--out", str(tmp_path / "run")]
    result = run_cli(*base, *args)
    assert result.exit_code == 2
    assert expected in one_error_line(result)


def test_train_rejects_binary_and_tiny_corpora(tmp_path: Path) -> None:
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    result = run_cli(
        "train", "lm", "--data", str(binary), "--steps", "5", "--out", str(tmp_path / "a")
    )
    assert result.exit_code == 2 and "binary" in one_error_line(result)
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("just a few words\n")
    result = run_cli(
        "train", "lm", "--data", str(tiny), "--steps", "5", "--out", str(tmp_path / "b")
    )
    assert result.exit_code == 2 and "fewer than one batch" in one_error_line(result)


def test_existing_run_is_not_overwritten_without_force(
    repetitive_text_file: Path, tmp_path: Path
) -> None:
    args = tiny_training_args(repetitive_text_file, tmp_path / "run", steps=3)
    assert run_cli(*args).exit_code == 0
    again = run_cli(*args)
    assert again.exit_code == 2 and "--force" in one_error_line(again)
    assert run_cli(*args, "--force").exit_code == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--temperature", "0"], "--temperature"),
        (["--top-k", "-1"], "--top-k"),
        (["--length", "-5"], "--length"),
    ],
)
def test_generate_rejects_bad_options(
    tiny_lstm_checkpoint: Path, args: list[str], expected: str
) -> None:
    result = run_cli("generate", str(tiny_lstm_checkpoint), *args)
    assert result.exit_code == 2 and expected in one_error_line(result)


def test_commands_refuse_non_checkpoints(tmp_path: Path) -> None:
    fake = tmp_path / "notes.safetensors"
    fake.write_text("hello")
    for command in ("generate", "eval", "info"):
        result = run_cli(command, str(fake))
        assert result.exit_code == 2 and str(fake) in one_error_line(result)


def test_prompt_with_unknown_characters_still_generates(tiny_lstm_checkpoint: Path) -> None:
    result = run_cli(
        "generate", str(tiny_lstm_checkpoint), "--prompt", "Ωmega ☃ " * 50, "--length", "10"
    )
    assert result.exit_code == 0


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rnn_tui", "--debug", "info", str(tmp_path / "none.safetensors")],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "Traceback" in done.stderr and "UserError" in done.stderr


def test_prompt_far_longer_than_training_windows(tiny_lstm_checkpoint: Path) -> None:
    prompt = "the quick brown fox jumps over the lazy dog.\n" * 400  # 18,000 chars vs BPTT 16
    result = run_cli("generate", str(tiny_lstm_checkpoint), "--prompt", prompt, "--length", "20")
    assert result.exit_code == 0 and result.output.startswith(prompt)
    assert len(result.output) == len(prompt) + 20 + 1


def test_word_level_model_end_to_end(repetitive_text_file: Path, tmp_path: Path) -> None:
    import asyncio

    from rnn_tui.tui.app import make_app
    from rnn_tui.tui.screens.lm_view import LanguageModelScreen
    from tests.pilot_helpers import first_view

    out = tmp_path / "words"
    args = tiny_training_args(repetitive_text_file, out, steps=80, tokenizer="word", bptt="8")
    assert run_cli(*args).exit_code == 0
    checkpoint = out / "best.safetensors"
    greedy = run_cli(
        "generate", str(checkpoint), "--prompt", "the quick", "--length", "7", "--top-k", "1"
    )
    assert greedy.output.startswith("the quick brown fox jumps over the lazy dog")
    figures = json.loads(run_cli("eval", str(checkpoint), "--json").output)
    assert "val_bpc" not in figures and figures["val_ppl"] < 5

    async def scenario() -> None:
        app = make_app([checkpoint], prompt="the lazy")
        async with app.run_test(size=(100, 30)) as pilot:
            await first_view(pilot, LanguageModelScreen)
            await pilot.press("m", "right")
            assert app.screen.session.text() == "the lazy dog"

    asyncio.run(scenario())


def test_convert_stores_float16_and_the_engine_reads_it_back(
    tiny_lstm_checkpoint: Path, tmp_path: Path, cli
) -> None:
    """Every float tensor becomes its float16 rounding (NumPy's, computed here), the card
    says so, the file roughly halves, and the engine upcasts: its logits equal a float32
    model's whose weights were rounded to float16 the same way."""
    import numpy as np

    from rnn_tui.checkpoint import load_checkpoint
    from rnn_tui.engine.lm import LanguageModel
    from rnn_tui.engine.loading import load_language_model

    half = tmp_path / "half.safetensors"
    result = cli("convert", str(tiny_lstm_checkpoint), str(half), "--note", "for the wheel")
    assert result.exit_code == 0, result.output
    from safetensors.numpy import load_file

    original, converted = load_checkpoint(tiny_lstm_checkpoint), load_checkpoint(half)
    stored = load_file(half)  # safetensors' own reader: the dtypes as written
    assert set(stored) == set(original.tensors)
    for name, array in original.tensors.items():
        assert stored[name].dtype == np.float16, name
        np.testing.assert_array_equal(stored[name], array.astype(np.float16))
    assert converted.meta["card"]["storage"] == "float16"
    assert converted.meta["card"]["notes"] == "for the wheel"
    assert half.stat().st_size < 0.6 * tiny_lstm_checkpoint.stat().st_size
    loaded = load_language_model(half)
    rounded = LanguageModel(
        loaded.config,
        loaded.tokenizer,
        {k: v.astype(np.float16).astype(np.float32) for k, v in original.tensors.items()},
    )
    state_a, state_b = loaded.initial_state(), rounded.initial_state()
    for token in loaded.tokenizer.encode("the quick"):
        a, b = loaded.step(token, state_a), rounded.step(token, state_b)
        np.testing.assert_array_equal(a.logits, b.logits)
        state_a, state_b = a.state, b.state

    back = tmp_path / "back.safetensors"
    assert cli("convert", str(half), str(back), "--dtype", "float32").exit_code == 0
    for name, array in load_file(back).items():
        assert array.dtype == np.float32
        np.testing.assert_array_equal(array, stored[name].astype(np.float32))

    again = cli("convert", str(tiny_lstm_checkpoint), str(half))
    assert again.exit_code == 2 and "exists; use --force" in one_error_line(again)
    wrong = cli("convert", str(tiny_lstm_checkpoint), str(tmp_path / "x.safetensors"),
                "--dtype", "int8")  # fmt: skip
    assert wrong.exit_code == 2 and "--dtype: expected float16 or float32" in wrong.output
    assert not (tmp_path / "x.safetensors").exists()


def test_eval_shows_progress_on_a_terminal_and_nothing_in_a_pipe(
    tiny_lstm_checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    """On a terminal, stderr carries one rewritten line that counts up to every token scored
    and is erased at the end; piped, stderr stays empty and stdout is the same."""
    import io

    text = tmp_path / "long.txt"
    text.write_text("the lazy dog jumps over the quick brown fox.\n" * 40)  # 1,800 tokens
    piped = cli("eval", str(tiny_lstm_checkpoint), "--data", str(text), "--json")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    from rnn_tui.engine.loading import load_language_model

    model = load_language_model(tiny_lstm_checkpoint)
    seen: list[tuple[int, int]] = []
    with_progress = model.evaluate_text(
        model.tokenizer.encode(text.read_text()), progress=lambda d, t: seen.append((d, t))
    )
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (1800, 1800)
    assert len(seen) == 8  # 256-token windows
    from rnn_tui.cli.common import progress_line

    report = progress_line("scoring tokens")
    assert report is not None
    report(256, 1800)
    assert terminal.getvalue() == "\rscoring tokens: 256 of 1,800 (14%)"
    report(1800, 1800)
    assert terminal.getvalue().endswith("\r\033[K")
    assert json.loads(piped.output)["val_loss"] == pytest.approx(with_progress.loss, rel=1e-9)
    monkeypatch.undo()
    from rnn_tui.cli.common import progress_line as again

    assert again("x") is None  # pytest's captured stderr is not a terminal


def test_generate_shows_control_characters_in_the_prompt_as_stand_ins(
    tiny_lstm_checkpoint: Path, cli
) -> None:
    """A prompt is often a file's text (-p "$(cat notes.txt)"); echoed raw, its escape
    sequences cleared the screen. Newlines and tabs stay as they are."""
    result = cli("generate", str(tiny_lstm_checkpoint), "-p", "the\x1b[2J\tfox\n", "-n", "3")
    assert result.exit_code == 0
    assert result.output.startswith("the␛[2J\tfox\n")
    assert "\x1b" not in result.output
