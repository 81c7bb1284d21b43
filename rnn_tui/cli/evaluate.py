"""`rnn-tui eval`: loss, perplexity and bits per character of a language model."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from rnn_tui.cli.common import reports_user_errors


@reports_user_errors
def evaluate_command(
    checkpoint: Path = typer.Argument(..., help="A language-model checkpoint (.safetensors)."),
    data: str = typer.Option(
        None,
        "--data",
        help="'shakespeare' or a UTF-8 text file. Default: the checkpoint's own corpus, "
        "whose validation split is scored. Another corpus is scored whole.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Score a language model on held-out text with the NumPy engine (no torch)."""
    import numpy as np

    from rnn_tui.config import DataConfig
    from rnn_tui.data.corpus import encode_documents, load_documents, prepare_corpus
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.figures import lm_figures

    model = load_language_model(checkpoint)
    own = DataConfig.from_dict(model.meta.get("data_config", {}))
    if data is None or data == own.source:
        ids: np.ndarray = prepare_corpus(own, model.tokenizer).val
        portion = f"{own.source} (validation split: {own.split}, {own.val_fraction:.0%})"
    else:
        ids = encode_documents(model.tokenizer, load_documents(data))
        portion = f"{data} (whole text)"
    result = model.evaluate(ids)
    figures = {"tokens": result.tokens, **lm_figures(result.loss, model.tokenizer.kind)}
    if as_json:
        typer.echo(json.dumps({"checkpoint": str(checkpoint), "data": portion, **figures}))
        return
    typer.echo(f"data        {portion}")
    typer.echo(f"tokens      {result.tokens:,}")
    typer.echo(f"loss        {figures['val_loss']:.4f} nats/token")
    typer.echo(f"perplexity  {figures['val_ppl']:.3f}")
    if "val_bpc" in figures:
        typer.echo(f"bpc         {figures['val_bpc']:.4f} bits/char")
