"""`rnn-tui train lm`: parse options into configs and hand them to the trainer."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from rnn_tui.cli.common import reports_user_errors, reproducible_command
from rnn_tui.config import DataConfig, ModelConfig, TrainConfig
from rnn_tui.errors import UserError

train_app = typer.Typer(help="Train a model (imports torch).", no_args_is_help=True)

CHECKPOINT_NAMES = ("last.safetensors", "best.safetensors", "metrics.jsonl", "resume.safetensors")


def prepare_out_dir(out: Path | None, prefix: str, force: bool) -> Path:
    """A fresh output directory; an existing run is never overwritten without --force."""
    if out is None:
        out = Path("runs") / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    existing = [name for name in CHECKPOINT_NAMES if (out / name).exists()]
    if existing and not force:
        raise UserError(
            f"--out {out}: already holds a run ({', '.join(existing)}); use --force to overwrite"
        )
    for name in existing:
        (out / name).unlink()
    out.mkdir(parents=True, exist_ok=True)
    return out


@train_app.command("lm")
@reports_user_errors
def train_lm(
    typer_context: typer.Context,
    data: str = typer.Option(
        "shakespeare", "--data", help="'shakespeare' (bundled plays) or a UTF-8 text file."
    ),
    tokenizer: str = typer.Option("char", "--tokenizer", help="char or word."),
    cell: str = typer.Option(
        "lstm", "--cell", help="rnn, gru, lstm, or ffnn (fixed-window baseline)."
    ),
    hidden: int = typer.Option(256, "--hidden", help="Hidden units per layer."),
    layers: int = typer.Option(2, "--layers", help="Stacked layers."),
    embed: int = typer.Option(64, "--embed", help="Embedding size."),
    dropout: float = typer.Option(
        0.0, "--dropout", help="Dropout between layers and before the decoder."
    ),
    tie_weights: bool = typer.Option(
        False, "--tie-weights", help="Share embedding and decoder weights."
    ),
    context: int = typer.Option(8, "--context", help="ffnn only: tokens of context K."),
    batch: int = typer.Option(32, "--batch", help="Parallel rows per step."),
    bptt: int = typer.Option(128, "--bptt", help="Truncated-BPTT window length."),
    lr: float = typer.Option(2e-3, "--lr", help="Peak learning rate (AdamW)."),
    weight_decay: float = typer.Option(
        0.01, "--weight-decay", help="AdamW weight decay on matrices."
    ),
    warmup: int = typer.Option(100, "--warmup", help="Linear warm-up steps."),
    clip: float = typer.Option(1.0, "--clip", help="Clip the global gradient norm (0 = off)."),
    steps: int = typer.Option(0, "--steps", help="Budget: optimiser steps (0 = no limit)."),
    epochs: float = typer.Option(
        0.0, "--epochs", help="Budget: passes over the data (0 = no limit)."
    ),
    minutes: float = typer.Option(
        0.0, "--minutes", help="Budget: wall-clock minutes (0 = no limit)."
    ),
    eval_every: int = typer.Option(200, "--eval-every", help="Evaluate and save every N steps."),
    log_every: int = typer.Option(50, "--log-every", help="Report progress every N steps."),
    val_fraction: float = typer.Option(0.1, "--val-fraction", help="Share of the corpus held out."),
    split: str = typer.Option("tail", "--split", help="tail (contiguous end) or blocks (seeded)."),
    min_freq: int = typer.Option(1, "--min-freq", help="Word level: drop rarer words to <unk>."),
    max_vocab: int = typer.Option(0, "--max-vocab", help="Cap on vocabulary size (0 = none)."),
    seed: int = typer.Option(0, "--seed", help="Seed for weights, split and order."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    out: Path = typer.Option(
        None, "--out", help="Output directory (default runs/lm-<cell>-<time>)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite a run already in --out."),
    resume: Path = typer.Option(
        None,
        "--resume",
        help="Continue the run in this directory exactly (its own settings; "
        "--steps/--epochs/--minutes, if given, replace its budget).",
    ),
) -> None:
    """Train a language model with truncated BPTT; write checkpoints and metrics.jsonl."""
    if resume is not None:
        from rnn_tui.train.run_lm import resume_language_model_training

        outcome = resume_language_model_training(
            resume, {"steps": steps, "epochs": epochs, "minutes": minutes}
        )
        report_interrupt(outcome)
        return
    data_config = DataConfig(
        source=data,
        tokenizer=tokenizer,
        val_fraction=val_fraction,
        split=split,  # type: ignore[arg-type]
        seed=seed,
        min_freq=min_freq,
        max_vocab=max_vocab,
    )
    train_config = TrainConfig(
        batch_size=batch,
        bptt=bptt,
        lr=lr,
        weight_decay=weight_decay,
        warmup_steps=warmup,
        clip=clip,
        steps=steps,
        epochs=epochs,
        minutes=minutes,
        eval_every=eval_every,
        log_every=log_every,
        seed=seed,
        device=device,
    )
    ModelConfig(
        cell=cell,
        vocab_size=1,
        embedding_dim=embed,
        hidden_size=hidden,  # type: ignore[arg-type]
        num_layers=layers,
        dropout=dropout,
        tie_weights=tie_weights,
        context=context,
    ).validate()
    data_config.validate()
    train_config.validate()
    out_dir = prepare_out_dir(out, f"lm-{cell}", force)

    from rnn_tui.train.run_lm import run_language_model_training

    outcome = run_language_model_training(
        data_config,
        dict(
            cell=cell,
            embedding_dim=embed,
            hidden_size=hidden,
            num_layers=layers,
            dropout=dropout,
            tie_weights=tie_weights,
            context=context,
        ),
        train_config,
        out_dir,
        command=reproducible_command(typer_context),
    )
    report_interrupt(outcome)


def report_interrupt(outcome) -> None:
    """After Ctrl+C/SIGTERM the trainer has saved; say where and exit 130."""
    if outcome.interrupted:
        print(
            f"interrupted at step {outcome.steps}; saved {outcome.last_path} "
            f"(continue with --resume {outcome.last_path.parent})",
            file=sys.stderr,
        )
        raise typer.Exit(130)
