"""`rnn-tui generate`: sample text from a language model with the NumPy engine."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rnn_tui.cli.common import check_utf8, reports_user_errors
from rnn_tui.errors import UserError

MAX_LENGTH = 100_000


@reports_user_errors
def generate_command(
    checkpoint: Path = typer.Argument(..., help="A language-model checkpoint (.safetensors)."),
    prompt: str = typer.Option("", "--prompt", "-p", help="Text to start from."),
    length: int = typer.Option(200, "--length", "-n", help="Tokens to generate."),
    temperature: float = typer.Option(
        1.0, "--temperature", "-t", help="Softmax temperature (> 0)."
    ),
    top_k: int = typer.Option(
        0, "--top-k", "-k", help="Sample among the k likeliest tokens (0 = all)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same text."),
) -> None:
    """Continue a prompt by sampling one token at a time (NumPy engine, no torch)."""
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.engine.sampling import check_sampling, generate
    from rnn_tui.text_safety import visible

    check_utf8("--prompt", prompt)
    if not 0 <= length <= MAX_LENGTH:
        raise UserError(f"--length: expected 0 to {MAX_LENGTH:,} tokens, got {length}")
    check_sampling(temperature, top_k)
    model = load_language_model(checkpoint)
    tokenizer = model.tokenizer
    out = sys.stdout
    out.write(visible(prompt))  # often a file's text too: -p "$(cat notes.txt)"
    produced: list[int] = []
    for token in generate(model, prompt, length, temperature, top_k, seed):
        if tokenizer.kind == "char":
            out.write(visible(tokenizer.decode([token])))  # tokens come from the file
            out.flush()
        produced.append(token)
    if tokenizer.kind != "char":
        continuation = tokenizer.decode(produced)
        joined = not prompt or prompt.endswith("\n") or continuation.startswith("\n")
        out.write(("" if joined else " ") + visible(continuation))
    out.write("\n")
