"""`rnn-tui info`: the model card of a checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from rnn_tui.cli.common import reports_user_errors


@reports_user_errors
def info_command(
    checkpoint: Path = typer.Argument(..., help="A checkpoint (.safetensors)."),
    as_json: bool = typer.Option(False, "--json", help="Print the card as one JSON object."),
) -> None:
    """Show a checkpoint's model card: config, parameter count, data, training and figures."""
    from rnn_tui.checkpoint import checkpoint_kind
    from rnn_tui.engine.loading import load_language_model, load_translator
    from rnn_tui.model_card import model_card_rows, translator_card_rows

    if checkpoint_kind(checkpoint) == "translator":
        rows = translator_card_rows(load_translator(checkpoint))
    else:
        rows = model_card_rows(load_language_model(checkpoint))
    if as_json:
        typer.echo(json.dumps(dict(rows)))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from rnn_tui.text_safety import visible

    table = Table(title=str(checkpoint), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, escape(visible(str(value))))  # the card is the file's text
    Console().print(table)
