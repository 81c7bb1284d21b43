"""`rnn-tui convert`: rewrite a checkpoint with float16 (or float32) storage."""

from __future__ import annotations

from pathlib import Path

import typer

from rnn_tui.cli.common import check_output_file, reports_user_errors
from rnn_tui.errors import UserError


@reports_user_errors
def convert_command(
    source: Path = typer.Argument(..., help="Checkpoint to read."),
    target: Path = typer.Argument(..., help="Checkpoint to write."),
    dtype: str = typer.Option("float16", "--dtype", help="float16 (half the size) or float32."),
    note: str = typer.Option("", "--note", help="Text added to the model card's notes."),
    force: bool = typer.Option(False, "--force", help="Overwrite TARGET if it exists."),
) -> None:
    """Store a checkpoint's float tensors as float16 or float32 (loading upcasts to float32)."""
    import numpy as np

    from rnn_tui.checkpoint import Checkpoint, load_checkpoint, save_checkpoint

    if dtype not in ("float16", "float32"):
        raise UserError(f"--dtype: expected float16 or float32, got {dtype!r}")
    check_output_file(target, force)
    checkpoint = load_checkpoint(source)
    tensors = {
        name: array.astype(dtype) if np.issubdtype(array.dtype, np.floating) else array
        for name, array in checkpoint.tensors.items()
    }
    meta = dict(checkpoint.meta)
    card = dict(meta.get("card", {}))
    card["storage"] = dtype
    if note:
        card["notes"] = note
    meta["card"] = card
    save_checkpoint(target, Checkpoint(kind=checkpoint.kind, tensors=tensors, meta=meta))
    typer.echo(f"wrote {target} ({target.stat().st_size:,} bytes, {dtype})")
