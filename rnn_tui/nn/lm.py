"""Language models in PyTorch, for training. Same maths as `rnn_tui.engine.lm`.

Parameter names are the checkpoint's tensor names: `embedding.weight`,
`rnn.weight_ih_l{k}` …, `decoder.weight`, `decoder.bias` (and for the window
model `hidden_layers.{k}.weight/bias`).
"""

from __future__ import annotations

from typing import Any

import torch
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
        extra: dict[str, Any] = {"nonlinearity": "tanh"} if config.cell == "rnn" else {}
        self.rnn = _RECURRENT[config.cell](
            config.embedding_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
            **extra,
        )
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        if config.tie_weights:
            self.decoder.weight = self.embedding.weight

    def initial_state(self, batch_size: int, device: torch.device | str) -> Any:
        zeros = torch.zeros(
            self.config.num_layers, batch_size, self.config.hidden_size, device=device
        )
        return (zeros, zeros.clone()) if self.config.cell == "lstm" else zeros

    def forward(self, tokens: Tensor, state: Any) -> tuple[Tensor, Any]:
        """tokens (B, T) → logits (B, T, V), final state."""
        embedded = self.dropout(self.embedding(tokens))  # (B, T, D)
        output, state = self.rnn(embedded, state)  # (B, T, H)
        return self.decoder(self.dropout(output)), state


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

    def forward(self, tokens: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """tokens (B, T), context (B, K) → logits (B, T, V), new context (B, K)."""
        k = self.config.context
        history = torch.cat([state[:, 1:], tokens], dim=1)  # (B, K-1+T)
        windows = history.unfold(1, k, 1)  # (B, T, K)
        activation = self.embedding(windows).flatten(2)  # (B, T, K·D)
        for layer in self.hidden_layers:
            activation = self.dropout(torch.tanh(layer(activation)))
        return self.decoder(activation), history[:, -k:]


def build_language_model(config: ModelConfig) -> nn.Module:
    return WindowLM(config) if config.cell == "ffnn" else RecurrentLM(config)


def detach_state(state: Any) -> Any:
    """Cut the graph between truncated-BPTT windows; the values carry on."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()
