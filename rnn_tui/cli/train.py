"""`rnn-tui train lm`: parse options into configs and hand them to the trainer."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from rnn_tui.cli import train_options as opt
from rnn_tui.cli.common import reports_user_errors, reproducible_command
from rnn_tui.config import DataConfig, ModelConfig, TrainConfig
from rnn_tui.errors import UserError
from rnn_tui.train.run_dir import RunDirRequest
from rnn_tui.train.torchrun_env import process_rank

train_app = typer.Typer(help="Train a model (imports torch).", no_args_is_help=True)


RESUME_MAY_CHANGE = {"resume", "steps", "epochs", "minutes"}


TRAIN_EXTRA = (
    "pip install 'rnn-tui[train]' (CPU only: first pip install torch "
    "--index-url https://download.pytorch.org/whl/cpu)"
)


def require_torch() -> None:
    """Training needs PyTorch, which the explorer and every other command do without."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise UserError(f"rnn-tui train needs PyTorch, which is not installed: {TRAIN_EXTRA}")


def refuse_changes_on_resume(context: typer.Context) -> None:
    """`--resume` continues the saved run as it was saved: options that would change the
    model, data or optimiser are refused by name rather than silently ignored."""
    from rnn_tui.cli.click_compat import parameter_given

    given = [
        max(parameter.opts, key=len)
        for parameter in context.command.params
        if parameter.name not in RESUME_MAY_CHANGE and parameter_given(context, parameter.name)
    ]
    if given:
        raise UserError(
            f"--resume: continues the saved run unchanged; {', '.join(given)} cannot change it "
            "(only --steps, --epochs and --minutes extend its budget)"
        )


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
    softmax: str = typer.Option(
        "full", "--softmax", help="full, or adaptive (clustered; for large word vocabularies)."
    ),
    cutoffs: str = typer.Option(
        "", "--cutoffs", help="Adaptive softmax cluster edges, e.g. 2000,10000 (default)."
    ),
    batch: int = typer.Option(32, "--batch", help="Parallel rows per step."),
    bptt: int = typer.Option(128, "--bptt", help="Truncated-BPTT window length."),
    lr: opt.LearningRate = 2e-3,
    weight_decay: opt.WeightDecay = 0.01,
    warmup: opt.Warmup = 100,
    clip: opt.Clip = 1.0,
    steps: opt.Steps = 0,
    epochs: opt.Epochs = 0.0,
    minutes: opt.Minutes = 0.0,
    eval_every: opt.EvalEvery = 200,
    log_every: opt.LogEvery = 50,
    val_fraction: float = typer.Option(0.1, "--val-fraction", help="Share of the corpus held out."),
    split: str = typer.Option("tail", "--split", help="tail (contiguous end) or blocks (seeded)."),
    min_freq: int = typer.Option(1, "--min-freq", help="Word level: drop rarer words to <unk>."),
    max_vocab: int = typer.Option(0, "--max-vocab", help="Cap on vocabulary size (0 = none)."),
    seed: opt.Seed = 0,
    device: opt.Device = "auto",
    precision: opt.Precision = "fp32",
    out: Path = typer.Option(
        None, "--out", help="Output directory (default runs/lm-<cell>-<time>)."
    ),
    force: opt.Force = False,
    resume: opt.Resume = None,
) -> None:
    """Train a language model with truncated BPTT; write checkpoints and metrics.jsonl."""
    require_torch()
    if resume is not None:
        from rnn_tui.train.run_lm import resume_language_model_training

        refuse_changes_on_resume(typer_context)
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
        precision=precision,
    )
    try:
        cutoff_sizes = tuple(int(c) for c in cutoffs.split(",") if c.strip())
    except ValueError:
        raise UserError(f"--cutoffs: expected sizes like 2000,10000, got {cutoffs!r}") from None
    ModelConfig(
        softmax=softmax,
        cutoffs=cutoff_sizes,
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
    run_dir = RunDirRequest(out, f"lm-{cell}", force)

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
            softmax=softmax,
            cutoffs=cutoff_sizes,
        ),
        train_config,
        run_dir,
        command=reproducible_command(typer_context),
    )
    report_interrupt(outcome)


def report_interrupt(outcome) -> None:
    """After Ctrl+C/SIGTERM the trainer has saved; say where and exit 130."""
    if outcome.interrupted:
        if process_rank():  # under torchrun rank 0 speaks for all
            raise typer.Exit(130)
        print(
            f"interrupted at step {outcome.steps}; saved {outcome.last_path} "
            f"(continue with --resume {outcome.last_path.parent})",
            file=sys.stderr,
        )
        raise typer.Exit(130)


@train_app.command("translate")
@reports_user_errors
def train_translate(
    typer_context: typer.Context,
    pairs: str = typer.Option(
        "dates", "--pairs", help="'dates' (generated) or a TSV file: source<TAB>target[<TAB>…]."
    ),
    reverse_pairs: bool = typer.Option(
        False, "--reverse-pairs", help="Swap the file's columns (translate second → first)."
    ),
    max_len: int = typer.Option(
        0, "--max-len", help="Keep pairs with ≤ N tokens a side (0 = all)."
    ),
    prefix_filter: str = typer.Option(
        "",
        "--prefix-filter",
        help="Keep pairs whose first column starts with one of these comma-separated words "
        "('tutorial': i am, he is, she is, you are, we are, they are and contractions).",
    ),
    source_tokenizer: str = typer.Option("char", "--source-tokenizer", help="char or word."),
    target_tokenizer: str = typer.Option("char", "--target-tokenizer", help="char or word."),
    lower: bool = typer.Option(False, "--lower", help="Lower-case both sides."),
    strip_accents: bool = typer.Option(False, "--strip-accents", help="Drop accents (é → e)."),
    size: int = typer.Option(50_000, "--size", help="dates: training pairs to generate."),
    held_out: int = typer.Option(2_000, "--held-out", help="dates: held-out pairs."),
    val_fraction: float = typer.Option(0.1, "--val-fraction", help="TSV: share held out."),
    cell: str = typer.Option("gru", "--cell", help="rnn, gru or lstm (encoder and decoder)."),
    hidden: int = typer.Option(128, "--hidden", help="Encoder units per direction per layer."),
    layers: int = typer.Option(1, "--layers", help="Stacked layers (encoder and decoder)."),
    embed: int = typer.Option(64, "--embed", help="Embedding size (both sides)."),
    bidirectional: bool = typer.Option(False, "--bidirectional", help="Bidirectional encoder."),
    attention: str = typer.Option(
        "additive", "--attention", help="none (context vector only), dot, general or additive."
    ),
    self_attention: bool = typer.Option(
        False, "--self-attention", help="A self-attention layer over the encoder states."
    ),
    reverse_source: bool = typer.Option(
        False, "--reverse-source", help="Read the source backwards (Sutskever et al. 2014)."
    ),
    plain: bool = typer.Option(
        False,
        "--plain",
        help="No bridge and no combine layer: the decoder starts from the "
        "encoder's final state and its output reads s_t (with --attention none).",
    ),
    teacher_forcing: float = typer.Option(
        1.0, "--teacher-forcing", help="Probability of feeding the reference token (else argmax)."
    ),
    dropout: float = typer.Option(0.0, "--dropout", help="Dropout on embeddings and outputs."),
    batch: int = typer.Option(64, "--batch", help="Pairs per step."),
    lr: opt.LearningRate = 3e-3,
    weight_decay: opt.WeightDecay = 0.01,
    warmup: opt.Warmup = 100,
    clip: opt.Clip = 1.0,
    steps: opt.Steps = 0,
    epochs: opt.Epochs = 0.0,
    minutes: opt.Minutes = 0.0,
    eval_every: opt.EvalEvery = 500,
    log_every: opt.LogEvery = 50,
    seed: opt.Seed = 0,
    device: opt.Device = "auto",
    precision: opt.Precision = "fp32",
    licence: str = typer.Option(
        None, "--licence", help="The pair file's licence and attribution, for the model card."
    ),
    out: Path = typer.Option(None, "--out", help="Output directory (default runs/mt-<time>)."),
    force: opt.Force = False,
    resume: opt.Resume = None,
) -> None:
    """Train an encoder–decoder translator; write checkpoints and metrics.jsonl."""
    require_torch()
    from rnn_tui.config import PairsConfig, TranslatorConfig

    if resume is not None:
        from rnn_tui.train.run_translate import resume_translation_training

        refuse_changes_on_resume(typer_context)
        outcome = resume_translation_training(
            resume, {"steps": steps, "epochs": epochs, "minutes": minutes}
        )
        report_interrupt(outcome)
        return
    if not 0.0 <= teacher_forcing <= 1.0:
        raise UserError(f"--teacher-forcing: expected a ratio in [0, 1], got {teacher_forcing}")
    if pairs != "dates" and not os.path.lexists(pairs):
        raise UserError(f"--pairs {pairs}: no such file (or 'dates' for generated dates)")
    pairs_config = PairsConfig(
        source=pairs,
        size=size,
        held_out=held_out,
        val_fraction=val_fraction,
        reverse_pairs=reverse_pairs,
        max_len=max_len,
        prefix_filter=tuple(p.strip() for p in prefix_filter.split(",") if p.strip()),
        source_tokenizer=source_tokenizer,  # type: ignore[arg-type]
        target_tokenizer=target_tokenizer,  # type: ignore[arg-type]
        lowercase=lower,
        strip_accents=strip_accents,
        seed=seed,
    )
    settings = dict(
        cell=cell,
        embedding_dim=embed,
        hidden_size=hidden,
        num_layers=layers,
        bidirectional=bidirectional,
        attention=attention,
        self_attention=self_attention,
        reverse_source=reverse_source,
        dropout=dropout,
        plain=plain,
    )
    train_config = TrainConfig(
        batch_size=batch,
        bptt=1,
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
        precision=precision,
        extra={"teacher_forcing": teacher_forcing},
    )
    TranslatorConfig(**settings, source_vocab_size=1, target_vocab_size=1).validate()  # type: ignore[arg-type]
    pairs_config.validate()
    train_config.validate()
    run_dir = RunDirRequest(out, "mt", force)

    from rnn_tui.train.run_translate import run_translation_training

    outcome = run_translation_training(
        pairs_config,
        settings,
        train_config,
        run_dir,
        command=reproducible_command(typer_context),
        licence=licence,
    )
    report_interrupt(outcome)
