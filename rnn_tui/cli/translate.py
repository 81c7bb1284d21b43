"""`rnn-tui translate`: translate text with a translator checkpoint (NumPy engine, no torch)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from rnn_tui.cli.common import reports_user_errors
from rnn_tui.errors import UserError


def _lines(text: str | None) -> Iterator[str]:
    if text is not None:
        yield text
        return
    for line in sys.stdin:
        yield line.rstrip("\n")


@reports_user_errors
def translate_command(
    checkpoint: Path = typer.Argument(..., help="A translator checkpoint (.safetensors)."),
    text: str = typer.Argument(None, help="Text to translate; without it, stdin line by line."),
    beam: int = typer.Option(1, "--beam", "-b", help="Beam width (1 = greedy)."),
    n_best: int = typer.Option(1, "--n-best", help="Print the N best hypotheses of the beam."),
    alpha: float = typer.Option(
        0.6, "--alpha", help="Length normalisation: rank by log p / |y|^α."
    ),
    max_len: int = typer.Option(100, "--max-len", help="Most target tokens to emit."),
    attention_map: bool = typer.Option(
        False, "--attention-map", help="Draw the target × source attention of the best output."
    ),
    sample: bool = typer.Option(False, "--sample", help="Sample instead of searching."),
    temperature: float = typer.Option(1.0, "--temperature", "-t", help="Sampling temperature."),
    top_k: int = typer.Option(0, "--top-k", "-k", help="Sample among the k likeliest (0 = all)."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed."),
) -> None:
    """Translate TEXT (or each line of stdin): greedy, beam search or sampling."""
    from rnn_tui.engine.loading import load_translator
    from rnn_tui.engine.sampling import check_sampling

    if beam < 1:
        raise UserError(f"--beam: expected a width of 1 or more, got {beam}")
    if not 1 <= n_best <= beam:
        raise UserError(f"--n-best: expected 1 to --beam ({beam}), got {n_best}")
    if max_len < 1:
        raise UserError(f"--max-len: expected 1 or more, got {max_len}")
    if alpha < 0:
        raise UserError(f"--alpha: expected 0 or more, got {alpha}")
    if sample:
        check_sampling(temperature, top_k)
    translator = load_translator(checkpoint)
    if attention_map and translator.config.attention == "none":
        raise UserError(
            f"--attention-map: {checkpoint} has no attention (--attention none): "
            "its decoder sees only the context vector"
        )
    for line in _lines(text):
        if sample:
            best = translator.sample(line, temperature, top_k, seed, max_len)
            typer.echo(translator.target_text(best.tokens))
            continue
        encoded = translator.encode(translator.source_ids(line))
        if beam == 1:
            hypotheses = [translator.greedy_from(encoded, max_len)[0]]
        else:
            hypotheses = translator.beam_search_from(encoded, beam, alpha, max_len).hypotheses
        if n_best == 1:
            typer.echo(translator.target_text(hypotheses[0].tokens))
        else:
            for rank, hypothesis in enumerate(hypotheses[:n_best], start=1):
                typer.echo(
                    f"{rank}\t{hypothesis.log_prob:.4f}\t{hypothesis.score(alpha):.4f}\t"
                    f"{translator.target_text(hypothesis.tokens)}"
                )
        if attention_map:
            _print_attention(translator, encoded.source_ids, hypotheses[0])


def _print_attention(translator, source_ids: list[int], hypothesis) -> None:
    import numpy as np
    from rich.console import Console

    from rnn_tui.render.attention_map import attention_table

    weights = np.stack(hypothesis.attention)
    targets = [translator.target_tokenizer.token_text(i) for i in hypothesis.tokens]
    Console().print(attention_table(weights, translator.source_labels(source_ids), targets))
