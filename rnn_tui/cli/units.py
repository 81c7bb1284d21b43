"""`rnn-tui units`: rank a language model's units by how well they track a pattern."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from rnn_tui.cli.common import named, reports_user_errors
from rnn_tui.errors import UserError


@reports_user_errors
def units_command(
    checkpoint: Path = typer.Argument(..., help="A recurrent language-model checkpoint."),
    text: Path = typer.Option(..., "--text", help="A UTF-8 text file to read."),
    match: str = typer.Option(
        ..., "--match", help="Regular expression; tokens inside its matches count as 'inside'."
    ),
    top: int = typer.Option(10, "--top", help="How many units to list."),
    state: str = typer.Option("all", "--state", help="h, c (LSTM) or all: which states to score."),
    limit: int = typer.Option(20_000, "--limit", help="Read at most this many characters."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Score every unit by ROC AUC of its activation for inside vs outside the matches.

    AUC 1: higher at every inside token than at any outside one; 0: always lower
    inside. Ranked by selectivity |2·AUC − 1| (NumPy engine, no torch).
    """
    from rnn_tui.data.corpus import read_text_start
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.engine.probing import compile_pattern, rank_units, read_activations, regex_mask

    if top < 1:
        raise UserError(f"--top: expected 1 or more, got {top}")
    if limit < 1:
        raise UserError(f"--limit: expected 1 or more characters, got {limit}")
    if state not in ("h", "c", "all"):
        raise UserError(f"--state: expected h, c or all, got {state!r}")
    with named("--match", " "):
        compile_pattern(match)  # before the text is read: that can take a while
    model = load_language_model(checkpoint)
    content = read_text_start(text, "--text", limit)
    is_lstm = model.config.cell == "lstm"
    if state == "c" and not is_lstm:
        raise UserError(f"--state c: {checkpoint} is a {model.config.cell}; only an LSTM has c")
    kinds = ("h", "c") if state == "all" and is_lstm else (("h",) if state != "c" else ("c",))
    activations = read_activations(model, content)
    with named("--match", " "):
        inside = regex_mask(content, activations.offsets, match)
    ranked = rank_units(activations, inside, kinds, top)
    if as_json:
        record = {
            "checkpoint": str(checkpoint),
            "text": str(text),
            "match": match,
            "tokens": len(inside),
            "inside": int(inside.sum()),
            "units": [
                {
                    "layer": s.layer + 1, "state": s.kind, "unit": s.unit, "auc": s.auc,
                    "selectivity": s.selectivity, "mean_inside": s.mean_inside,
                    "mean_outside": s.mean_outside,
                }
                for s in ranked
            ],
        }  # fmt: skip
        typer.echo(json.dumps(record))
        return
    typer.echo(
        f"{text}: {len(inside):,} tokens, {int(inside.sum()):,} inside {match!r}; "
        "score = ROC AUC of the activation for inside vs outside"
    )
    typer.echo(f"{'rank':>4}  {'layer':>5}  state  {'unit':>5}  {'AUC':>6}  "
               f"{'|2AUC−1|':>8}  {'mean in':>8}  {'mean out':>8}")  # fmt: skip
    for rank, s in enumerate(ranked, start=1):
        typer.echo(
            f"{rank:>4}  {s.layer + 1:>5}  {s.kind:^5}  {s.unit:>5}  {s.auc:6.3f}  "
            f"{s.selectivity:8.3f}  {s.mean_inside:+8.3f}  {s.mean_outside:+8.3f}"
        )
