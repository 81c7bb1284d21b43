"""Language-model training task: truncated BPTT over parallel rows of one token stream.

Each step reads the next window of every row; the hidden state that ends one
window starts the next, detached so gradients stop at the window edge
(truncated BPTT). At the end of the stream (an epoch) the state is zeroed.

Under torchrun the B rows are shared out: rank r reads rows [r·B/N, (r+1)·B/N),
so N processes together read exactly the rows one process would.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from rnn_tui.checkpoint import Checkpoint
from rnn_tui.config import DataConfig, ModelConfig, TrainConfig
from rnn_tui.data.corpus import PreparedCorpus
from rnn_tui.data.streams import evaluation_rows, training_rows, window_at, windows
from rnn_tui.figures import lm_figures
from rnn_tui.nn.lm import build_language_model, detach_state
from rnn_tui.train.device import to_device
from rnn_tui.train.distributed import World
from rnn_tui.train.export import module_tensors

EVAL_WINDOW = 256


class WindowLoss(nn.Module):
    """One training window as a single module call, so DistributedDataParallel can wrap it:
    (inputs, state, targets) → (mean −log p(target), final state)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: Tensor, state: Any, targets: Tensor) -> tuple[Tensor, Any]:
        features, state = self.model.features(inputs, state)
        return self.model.token_loss(features, targets), state


class LanguageModelTask:
    def __init__(
        self,
        corpus: PreparedCorpus,
        model_config: ModelConfig,
        data_config: DataConfig,
        train_config: TrainConfig,
        device: torch.device,
        world: World | None = None,
    ) -> None:
        self.world = world = world or World()
        self.corpus = corpus
        self.model_config = model_config
        self.data_config = data_config
        self.train_config = train_config
        self.device = device
        what = f"--data {data_config.source}"
        self.share = world.share(train_config.batch_size, "--batch")
        rows = training_rows(corpus.train, train_config.batch_size, train_config.bptt, what)
        self.rows = to_device(rows[self.share], device)
        self.val_rows = to_device(evaluation_rows(corpus.val)[world.rank :: world.size], device)
        self.model = build_language_model(model_config).to(device)
        adaptive = model_config.softmax == "adaptive"
        self.trainable = world.wrap(WindowLoss(self.model), device, some_unused=adaptive)
        self.local_batch = self.rows.shape[0]
        self.batch_dim = 0 if model_config.cell == "ffnn" else 1  # of the carried state
        self.last_column = self.rows.shape[1] - 1
        self.steps_per_epoch = math.ceil(self.last_column / train_config.bptt)
        self.tokens_per_step = train_config.batch_size * train_config.bptt
        self.epoch = 0
        self.position = 0
        self.state = self.model.initial_state(self.local_batch, device)

    def position_tensors(self) -> dict[str, torch.Tensor]:
        """Where the data stream stands and the hidden state carried into the next window
        (every row's, gathered from all ranks under torchrun)."""
        carried = self.state if isinstance(self.state, tuple) else (self.state,)
        tensors = {
            f"carried.{i}": torch.cat(self.world.gather(saved(part)), self.batch_dim)
            for i, part in enumerate(carried)
        }
        tensors["position"] = torch.tensor([self.epoch, self.position], dtype=torch.int64)
        return tensors

    def restore_position(self, tensors: dict[str, torch.Tensor]) -> None:
        self.epoch, self.position = (int(v) for v in tensors["position"])
        carried = [
            tensors[f"carried.{i}"]
            .narrow(self.batch_dim, self.share.start, self.local_batch)
            .to(self.device)
            for i in range(2)
            if f"carried.{i}" in tensors
        ]
        self.state = tuple(carried) if self.model_config.cell == "lstm" else carried[0]

    def epochs_done(self) -> float:
        return self.epoch + self.position / self.last_column

    def training_loss(self) -> Tensor:
        if self.position >= self.last_column:
            self.epoch += 1
            self.position = 0
            self.state = self.model.initial_state(self.local_batch, self.device)
        inputs, targets = window_at(self.rows, self.position, self.train_config.bptt)  # (B, T)
        loss, state = self.trainable(inputs, self.state, targets)
        self.state = detach_state(state)  # truncated BPTT: no gradient into the previous window
        self.position += inputs.shape[1]
        return loss

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Validation loss in nats/token, perplexity, and bits per character for char models.

        Under torchrun each rank scores its share of the validation rows and the sums are
        added across ranks."""
        self.model.eval()
        rows = self.val_rows
        sums = torch.zeros(2, dtype=torch.float64, device=self.device)  # −Σ log p, tokens
        if rows.shape[0]:
            state = self.model.initial_state(rows.shape[0], self.device)
            for _, inputs, targets in windows(rows, EVAL_WINDOW):
                features, state = self.model.features(inputs, state)
                sums[0] += self.model.token_loss(features, targets, reduction="sum").double()
                sums[1] += targets.numel()
        self.model.train()
        total, count = self.world.sum(sums).tolist()
        loss = total / count
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


def saved(state: Tensor) -> Tensor:
    """A carried state as stored: on the CPU, float32 (autocast may have made it bf16/fp16;
    casting back is exact)."""
    state = state.detach().cpu()
    return state.float() if state.is_floating_point() else state
