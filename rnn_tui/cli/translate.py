"""`rnn-tui translate`: translate text with a translator checkpoint (NumPy engine, no torch)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from rnn_tui.cli.common import check_utf8, named, reports_user_errors
from rnn_tui.errors import UserError


def _lines(text: str | None) -> Iterator[tuple[str, str]]:
    """(where it came from, for errors; the text) of TEXT, or of each line of stdin."""
    if text is not None:
        yield "TEXT", text
        return
    for number, line in enumerate(sys.stdin, start=1):
        yield f"stdin line {number}", line.rstrip("\n")


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
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per input line (hypotheses, scores, finished)."
    ),
) -> None:
    """Translate TEXT (or each line of stdin): greedy, beam search or sampling.

    The text is normalised as the model's training pairs were (lower-cased and
    accent-stripped when it was trained so). Pieces still missing from the source
    vocabulary are read as <unk> and named once on stderr. An output cut off by
    --max-len before <eos> is marked "[cut off at --max-len N]". A blank line of stdin
    gives a blank line (with --json, an object with no hypotheses), so the output keeps
    to the input's lines.
    """
    from rnn_tui.engine.loading import load_translator
    from rnn_tui.engine.sampling import check_sampling
    from rnn_tui.engine.translation_search import (
        MAX_BEAM,
        MAX_OUTPUT_TOKENS,
        beam_search,
        greedy,
    )
    from rnn_tui.engine.translation_search import sample as sample_translation
    from rnn_tui.text_safety import visible

    if not 1 <= beam <= MAX_BEAM:
        raise UserError(f"--beam: expected a width of 1 to {MAX_BEAM}, got {beam}")
    if not 1 <= n_best <= beam:
        raise UserError(f"--n-best: expected 1 to --beam ({beam}), got {n_best}")
    if not 1 <= max_len <= MAX_OUTPUT_TOKENS:
        raise UserError(f"--max-len: expected 1 to {MAX_OUTPUT_TOKENS}, got {max_len}")
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
    if text is not None and not text.strip():
        raise UserError("TEXT: empty; expected a sentence to translate")
    reported: set[str] = set()
    for where, line in _lines(text):
        check_utf8(where, line)
        if not line.strip():  # the output keeps to the input's lines: nothing in, nothing out
            if as_json:
                nothing = {"source": line, "read_as": [], "unknown": [], "hypotheses": []}
                typer.echo(json.dumps(nothing))
            elif n_best == 1:
                typer.echo("")
            continue
        with named(where):
            source_ids = translator.source_ids(line)
        unknown = [p for p in translator.unknown_source_pieces(line) if p not in reported]
        if unknown:
            reported.update(unknown)
            shown = visible(", ".join(repr(p) for p in unknown))
            typer.echo(f"note: not in the source vocabulary, read as <unk>: {shown}", err=True)
        encoded = translator.encode(source_ids)
        if sample:
            hypotheses = [
                sample_translation(translator, encoded, temperature, top_k, seed, max_len)
            ]
        elif beam == 1:
            hypotheses = [greedy(translator, encoded, max_len)[0]]
        else:
            hypotheses = beam_search(translator, encoded, beam, alpha, max_len).hypotheses
        if as_json:
            typer.echo(json.dumps(_as_json(translator, line, hypotheses[:n_best], alpha)))
        elif n_best == 1:
            shown = visible(translator.target_text(hypotheses[0].tokens))
            typer.echo(shown + _cut(hypotheses[0], max_len))
        else:
            for rank, hypothesis in enumerate(hypotheses[:n_best], start=1):
                typer.echo(
                    f"{rank}\t{hypothesis.log_prob:.4f}\t{hypothesis.score(alpha):.4f}\t"
                    f"{visible(translator.target_text(hypothesis.tokens))}"
                    f"{_cut(hypothesis, max_len)}"
                )
        if attention_map:
            _print_attention(translator, encoded.source_ids, hypotheses[0])


def _cut(hypothesis, max_len: int) -> str:
    return "" if hypothesis.finished else f"  [cut off at --max-len {max_len}]"


def _as_json(translator, line: str, hypotheses: list, alpha: float) -> dict:
    return {
        "source": line,
        "read_as": translator.source_labels(translator.source_ids(line)),
        "unknown": translator.unknown_source_pieces(line),
        "hypotheses": [
            {
                "text": translator.target_text(h.tokens),
                "tokens": [translator.target_tokenizer.token_text(t) for t in h.tokens],
                "log_prob": h.log_prob,
                "score": h.score(alpha),
                "finished": h.finished,
            }
            for h in hypotheses
        ],
    }


def _print_attention(translator, source_ids: list[int], hypothesis) -> None:
    import numpy as np
    from rich.console import Console

    from rnn_tui.render.attention_map import attention_table

    weights = np.stack(hypothesis.attention)
    targets = [translator.target_tokenizer.token_text(i) for i in hypothesis.tokens]
    Console().print(attention_table(weights, translator.source_labels(source_ids), targets))
