"""Language-model training task: truncated BPTT over parallel rows of one token stream.

Each step reads the next window of every row; the hidden state that ends one
window starts the next, detached so gradients stop at the window edge
(truncated BPTT). At the end of the stream (an epoch) the state is zeroed.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from rnn_tui.checkpoint import Checkpoint
from rnn_tui.config import DataConfig, ModelConfig, TrainConfig
from rnn_tui.data.corpus import PreparedCorpus
from rnn_tui.data.streams import evaluation_rows, training_rows, window_at, windows
from rnn_tui.figures import lm_figures
from rnn_tui.nn.lm import build_language_model, detach_state
from rnn_tui.train.export import module_tensors

EVAL_WINDOW = 256


class LanguageModelTask:
    def __init__(
        self,
        corpus: PreparedCorpus,
        model_config: ModelConfig,
        data_config: DataConfig,
        train_config: TrainConfig,
        device: torch.device,
    ) -> None:
        self.corpus = corpus
        self.model_config = model_config
        self.data_config = data_config
        self.train_config = train_config
        self.device = device
        what = f"--data {data_config.source}"
        self.rows = torch.from_numpy(
            training_rows(corpus.train, train_config.batch_size, train_config.bptt, what)
        ).to(device)
        self.val_rows = torch.from_numpy(evaluation_rows(corpus.val)).to(device)
        self.model = build_language_model(model_config).to(device)
        self.last_column = self.rows.shape[1] - 1
        self.steps_per_epoch = math.ceil(self.last_column / train_config.bptt)
        self.tokens_per_step = train_config.batch_size * train_config.bptt
        self.epoch = 0
        self.position = 0
        self.state = self.model.initial_state(train_config.batch_size, device)

    def position_tensors(self) -> dict[str, torch.Tensor]:
        """Where the data stream stands and the hidden state carried into the next window."""
        carried = self.state if isinstance(self.state, tuple) else (self.state,)
        tensors = {f"carried.{i}": part.detach().cpu() for i, part in enumerate(carried)}
        tensors["position"] = torch.tensor([self.epoch, self.position], dtype=torch.int64)
        return tensors

    def restore_position(self, tensors: dict[str, torch.Tensor]) -> None:
        self.epoch, self.position = (int(v) for v in tensors["position"])
        carried = [
            tensors[f"carried.{i}"].to(self.device) for i in range(2) if f"carried.{i}" in tensors
        ]
        self.state = tuple(carried) if self.model_config.cell == "lstm" else carried[0]

    def epochs_done(self) -> float:
        return self.epoch + self.position / self.last_column

    def training_loss(self) -> Tensor:
        if self.position >= self.last_column:
            self.epoch += 1
            self.position = 0
            self.state = self.model.initial_state(self.train_config.batch_size, self.device)
        inputs, targets = window_at(self.rows, self.position, self.train_config.bptt)  # (B, T)
        features, state = self.model.features(inputs, self.state)  # (B, T, H)
        self.state = detach_state(state)  # truncated BPTT: no gradient into the previous window
        self.position += inputs.shape[1]
        return self.model.token_loss(features, targets)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Validation loss in nats/token, perplexity, and bits per character for char models."""
        self.model.eval()
        rows = self.val_rows
        state = self.model.initial_state(rows.shape[0], self.device)
        total = torch.zeros((), dtype=torch.float64, device=self.device)
        count = 0
        for _, inputs, targets in windows(rows, EVAL_WINDOW):
            features, state = self.model.features(inputs, state)
            total += self.model.token_loss(features, targets, reduction="sum").double()
            count += targets.numel()
        self.model.train()
        loss = float(total) / count
        return lm_figures(loss, self.data_config.tokenizer)

    def checkpoint(self, history: dict[str, Any], card: dict[str, Any]) -> Checkpoint:
        return Checkpoint(
            kind="lm",
            tensors=module_tensors(self.model),
            meta={
                "model_config": self.model_config.to_dict(),
                "data_config": self.data_config.to_dict(),
                "train_config": self.train_config.to_dict(),
                "tokenizer": self.corpus.tokenizer.to_dict(),
                "history": history,
                "card": card,
            },
        )
