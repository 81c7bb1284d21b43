"""Language models in PyTorch, for training. Same maths as `rnn_tui.engine.lm`.

Parameter names are the checkpoint's tensor names: `embedding.weight`,
`rnn.weight_ih_l{k}` …, `decoder.weight`, `decoder.bias` (and for the window
model `hidden_layers.{k}.weight/bias`).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_tui.config import ModelConfig
from rnn_tui.data.vocab import PAD_ID

_RECURRENT = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class RecurrentLM(nn.Module):
    """Embedding → stacked RNN/GRU/LSTM (dropout between layers) → linear decoder."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.dropout = nn.Dropout(config.dropout)
        extra: dict[str, Any] = (
            {"nonlinearity": config.nonlinearity} if config.cell == "rnn" else {}
        )
        self.rnn = _RECURRENT[config.cell](
            config.embedding_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
            **extra,
        )
        if config.softmax == "adaptive":
            self.adaptive = nn.AdaptiveLogSoftmaxWithLoss(
                config.hidden_size, config.vocab_size, config.adaptive_cutoffs(), div_value=4.0
            )
        else:
            self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
            if config.tie_weights:
                self.decoder.weight = self.embedding.weight

    def initial_state(self, batch_size: int, device: torch.device | str) -> Any:
        zeros = torch.zeros(
            self.config.num_layers, batch_size, self.config.hidden_size, device=device
        )
        return (zeros, zeros.clone()) if self.config.cell == "lstm" else zeros

    def features(self, tokens: Tensor, state: Any) -> tuple[Tensor, Any]:
        """tokens (B, T) → top-layer states (B, T, H) after dropout, final state."""
        embedded = self.dropout(self.embedding(tokens))  # (B, T, D)
        output, state = self.rnn(embedded, state)  # (B, T, H)
        return self.dropout(output), state

    def token_loss(self, features: Tensor, targets: Tensor, reduction: str = "mean") -> Tensor:
        """−log p(target) from the features, summed or averaged over tokens.

        The adaptive softmax computes only the head and the target's own cluster.
        """
        flat, flat_targets = features.reshape(-1, features.shape[-1]), targets.reshape(-1)
        if self.config.softmax == "adaptive":
            target_log_prob = self.adaptive(flat, flat_targets).output
            if reduction == "sum":
                return -target_log_prob.double().sum()
            return -target_log_prob.mean()
        logits = self.decoder(flat)
        if reduction == "sum":  # evaluation: accumulate in float64
            logits = logits.double()
        return F.cross_entropy(logits, flat_targets, reduction=reduction)

    def forward(self, tokens: Tensor, state: Any) -> tuple[Tensor, Any]:
        """tokens (B, T) → logits (B, T, V), final state (adaptive: full log-probabilities)."""
        features, state = self.features(tokens, state)
        if self.config.softmax == "adaptive":
            flat = features.reshape(-1, features.shape[-1])
            return self.adaptive.log_prob(flat).reshape(*features.shape[:-1], -1), state
        return self.decoder(features), state


class WindowLM(nn.Module):
    """The fixed-window baseline: last K embeddings concatenated → tanh MLP → decoder."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.dropout = nn.Dropout(config.dropout)
        widths = [config.context * config.embedding_dim] + [config.hidden_size] * config.num_layers
        self.hidden_layers = nn.ModuleList(
            nn.Linear(widths[k], widths[k + 1]) for k in range(config.num_layers)
        )
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def initial_state(self, batch_size: int, device: torch.device | str) -> Tensor:
        """The context before the first token: K copies of `<pad>`."""
        return torch.full(
            (batch_size, self.config.context), PAD_ID, dtype=torch.long, device=device
        )

    def features(self, tokens: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """tokens (B, T), context (B, K) → last MLP activations (B, T, H), new context (B, K)."""
        k = self.config.context
        history = torch.cat([state[:, 1:], tokens], dim=1)  # (B, K-1+T)
        windows = history.unfold(1, k, 1)  # (B, T, K)
        activation = self.embedding(windows).flatten(2)  # (B, T, K·D)
        for layer in self.hidden_layers:
            activation = self.dropout(torch.tanh(layer(activation)))
        return activation, history[:, -k:]

    def token_loss(self, features: Tensor, targets: Tensor, reduction: str = "mean") -> Tensor:
        logits = self.decoder(features).reshape(-1, self.config.vocab_size)
        if reduction == "sum":  # evaluation: accumulate in float64
            logits = logits.double()
        return F.cross_entropy(logits, targets.reshape(-1), reduction=reduction)

    def forward(self, tokens: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """tokens (B, T), context (B, K) → logits (B, T, V), new context (B, K)."""
        features, state = self.features(tokens, state)
        return self.decoder(features), state


def build_language_model(config: ModelConfig) -> nn.Module:
    return WindowLM(config) if config.cell == "ffnn" else RecurrentLM(config)


def detach_state(state: Any) -> Any:
    """Cut the graph between truncated-BPTT windows; the values carry on."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()
