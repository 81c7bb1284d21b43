"""`rnn-tui eval`: a language model's loss and bpc, or a translator's BLEU, chrF, exact match."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from rnn_tui.cli.common import progress_line, reports_user_errors
from rnn_tui.errors import UserError


@reports_user_errors
def evaluate_command(
    checkpoint: Path = typer.Argument(
        ..., help="A checkpoint (.safetensors): language model or translator."
    ),
    data: str = typer.Option(
        None,
        "--data",
        help="'shakespeare' or a UTF-8 text file, scored whole: every token, one stream "
        "from <bos>. Default: the checkpoint's own validation split, read as training "
        "validated it (up to 16 rows from zero states).",
    ),
    pairs: str = typer.Option(
        None,
        "--pairs",
        help="Translators: 'dates' or a TSV file scored whole. Default: the checkpoint's "
        "own held-out pairs.",
    ),
    beam: int = typer.Option(5, "--beam", help="Translators: beam width scored next to greedy."),
    alpha: float = typer.Option(0.6, "--alpha", help="Translators: beam length normalisation."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Score a model on held-out data with the NumPy engine (no torch)."""
    import numpy as np

    from rnn_tui.checkpoint import checkpoint_kind

    if checkpoint_kind(checkpoint) == "translator":
        from rnn_tui.cli.evaluate_translator import evaluate_translator

        if data is not None:
            raise UserError(f"--data: {checkpoint} is a translator; use --pairs for pairs")

        evaluate_translator(checkpoint, pairs, beam, alpha, as_json)
        return
    if pairs is not None:
        raise UserError(f"--pairs: {checkpoint} is a language model; use --data for text")

    from rnn_tui.config import DataConfig
    from rnn_tui.data.corpus import (
        checked_source,
        encode_documents,
        load_documents,
        prepare_corpus,
    )
    from rnn_tui.data.streams import evaluation_rows
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.figures import lm_figures
    from rnn_tui.text_safety import visible

    model = load_language_model(checkpoint)
    if "data_config" not in model.meta and data is None:
        raise UserError(
            f"--data: {checkpoint} was imported and has no validation split of its own; "
            "give a text file to score"
        )
    own = DataConfig.from_dict(model.meta.get("data_config", {}))
    asked = data is not None and own.source != "shakespeare"
    same = os.path.realpath(os.path.expanduser(data or "")) == os.path.realpath(own.source)
    if asked and same:
        data = own.source  # the model's own file, named: its validation split
    if data is None or data == own.source:
        checked_source(own, checkpoint, asked=asked)
        ids: np.ndarray = prepare_corpus(own, model.tokenizer).val
        rows = evaluation_rows(ids).shape[0]
        portion = (
            f"{own.source} (validation split: {own.split}, {own.val_fraction:.0%}; "
            f"{rows} rows from zero states, as training validated)"
        )
        result = model.evaluate(ids, progress=progress_line("scoring tokens"))
    else:
        ids = encode_documents(model.tokenizer, load_documents(data), bos=model.reads_bos)
        start = "<bos>" if model.reads_bos else "its first token (this model has no <bos>)"
        portion = f"{data} (whole text: one stream from {start})"
        result = model.evaluate_text(ids, progress=progress_line("scoring tokens"))
    figures = {"tokens": result.tokens, **lm_figures(result.loss, model.tokenizer.kind)}
    if as_json:
        typer.echo(json.dumps({"checkpoint": str(checkpoint), "data": portion, **figures}))
        return
    typer.echo(f"data        {visible(portion)}")
    typer.echo(f"tokens      {result.tokens:,}")
    typer.echo(f"loss        {figures['val_loss']:.4f} nats/token")
    typer.echo(f"perplexity  {figures['val_ppl']:.3f}")
    if "val_bpc" in figures:
        typer.echo(f"bpc         {figures['val_bpc']:.4f} bits/char")
