"""The encoder–decoder translator in PyTorch, for training. Same maths as `engine.translator`.

Encoder (per layer l, per direction, over source x_1 … x_S):
    →h_s = cell(E_src x_s, →h_{s-1}),   ←h_s = cell(E_src x_s, ←h_{s+1})
    m_s  = [→h_s ; ←h_s]                              memory (top layer), width E = H·D
Optional self-attention over the memory (one head, learned W_Q, W_K, W_V):
    A = softmax(Q Kᵀ / √E) with Q = M W_Qᵀ, K = M W_Kᵀ, V = M W_Vᵀ;   M ← M + A V
Context vector and bridge:
    c = [→h_S ; ←h_1] (top layer)                     the plain model's context vector
    s_0^l = tanh(W_b [→h_S^l ; ←h_1^l] + b_b)         (LSTM: c_0^l = W_bc [→c^l ; ←c^l] + b_bc)
    plain: s_0^l = [→h_S^l ; ←h_1^l] itself, no bridge
Decoder step t (Luong et al. 2015 placement: attend after the recurrent step):
    s_t = cell(E_tgt y_{t-1}, s_{t-1})
    score(s_t, m_j) = s_t·m_j                          dot
                    = (W_a s_t)·m_j                    general
                    = vᵀ tanh(W_q s_t + W_k m_j + b_k)  additive (Bahdanau et al. 2015)
    α_t = softmax(scores), padding masked to exactly 0;   ctx_t = Σ_j α_tj m_j
    (attention none: ctx_t = c for every t — the bottleneck)
    s̃_t = tanh(W_c [ctx_t ; s_t] + b_c);   p(y_t | …) = softmax(W_o s̃_t + b_o)
    plain: p(y_t | …) = softmax(W_o s_t + b_o), no combine layer
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_tui.config import TranslatorConfig
from rnn_tui.data.vocab import BOS_ID, EOS_ID, PAD_ID

_RECURRENT = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@dataclass
class Encoded:
    memory: Tensor  # (B, S, E)
    mask: Tensor  # (B, S) True on real tokens
    summary: Tensor  # (B, E) the context vector c
    state: Any  # decoder's initial state: (L, B, E) or a (h, c) pair


class SelfAttention(nn.Module):
    """One scaled dot-product head over the memory, added back (residual)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.query = nn.Linear(width, width, bias=False)
        self.key = nn.Linear(width, width, bias=False)
        self.value = nn.Linear(width, width, bias=False)

    def forward(self, memory: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        scores = self.query(memory) @ self.key(memory).transpose(1, 2) / math.sqrt(memory.shape[-1])
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, S, S)
        return memory + weights @ self.value(memory), weights


class Seq2Seq(nn.Module):
    def __init__(self, config: TranslatorConfig) -> None:
        super().__init__()
        self.config = config
        width, extra = config.state_size, {}
        if config.cell == "rnn":
            extra = {"nonlinearity": "tanh"}
        self.source_embedding = nn.Embedding(config.source_vocab_size, config.embedding_dim)
        self.target_embedding = nn.Embedding(config.target_vocab_size, config.embedding_dim)
        recurrent = _RECURRENT[config.cell]
        self.encoder = recurrent(
            config.embedding_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            bidirectional=config.bidirectional,
            batch_first=True,
            **extra,
        )
        self.self_attention = SelfAttention(width) if config.self_attention else None
        self.bridge = None if config.plain else nn.Linear(width, width)
        lstm_bridge = config.cell == "lstm" and not config.plain
        self.bridge_cell = nn.Linear(width, width) if lstm_bridge else None
        self.decoder = recurrent(
            config.embedding_dim, width, num_layers=config.num_layers, batch_first=True, **extra
        )
        if config.attention == "general":
            self.score_general = nn.Linear(width, width, bias=False)
        if config.attention == "additive":
            self.score_query = nn.Linear(width, width, bias=False)
            self.score_key = nn.Linear(width, width)
            self.score_v = nn.Linear(width, 1, bias=False)
        self.combine = None if config.plain else nn.Linear(2 * width, width)
        self.output = nn.Linear(width, config.target_vocab_size)
        self.dropout = nn.Dropout(config.dropout)

    # --- encoder ---------------------------------------------------------------
    def _layer_finals(self, final: Tensor) -> Tensor:
        """(L·D, B, H) → (L, B, D·H): each layer's forward and backward finals side by side."""
        layers, directions = self.config.num_layers, self.config.directions
        final = final.view(layers, directions, final.shape[1], final.shape[2])
        return torch.cat([final[:, d] for d in range(directions)], dim=-1)

    def encode(self, source: Tensor, lengths: Tensor) -> Encoded:
        """source (B, S) padded with `<pad>`, lengths (B,) → memory, mask, context, state."""
        mask = source != PAD_ID
        embedded = self.dropout(self.source_embedding(source))
        packed = pack_padded_sequence(
            embedded, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        output, final = self.encoder(packed)
        memory, _ = pad_packed_sequence(output, batch_first=True, total_length=source.shape[1])
        if self.self_attention is not None:
            memory, _ = self.self_attention(memory, mask)
        if self.config.cell == "lstm":
            h = self._layer_finals(final[0])
            c = self._layer_finals(final[1])
            if self.bridge is None:
                state: Any = (h.contiguous(), c.contiguous())
            else:
                assert self.bridge_cell is not None
                state = (torch.tanh(self.bridge(h)).contiguous(), self.bridge_cell(c).contiguous())
        else:
            h = self._layer_finals(final)
            state = (h if self.bridge is None else torch.tanh(self.bridge(h))).contiguous()
        return Encoded(memory=memory, mask=mask, summary=h[-1], state=state)

    # --- attention ---------------------------------------------------------------
    def scores(self, queries: Tensor, memory: Tensor) -> Tensor:
        """queries (B, T, E), memory (B, S, E) → raw scores (B, T, S)."""
        kind = self.config.attention
        if kind == "dot":
            return queries @ memory.transpose(1, 2)
        if kind == "general":
            return self.score_general(queries) @ memory.transpose(1, 2)
        keys = self.score_key(memory)[:, None, :, :]  # (B, 1, S, E)
        hidden = torch.tanh(self.score_query(queries)[:, :, None, :] + keys)
        return self.score_v(hidden).squeeze(-1)

    def attend(self, queries: Tensor, encoded: Encoded) -> tuple[Tensor, Tensor | None]:
        """Context per query (B, T, E) and attention weights (B, T, S) (None without attention)."""
        if self.config.attention == "none":
            return encoded.summary[:, None, :].expand_as(queries), None
        raw = self.scores(queries, encoded.memory)
        raw = raw.masked_fill(~encoded.mask[:, None, :], float("-inf"))
        weights = torch.softmax(raw, dim=-1)
        return weights @ encoded.memory, weights

    def project(self, states: Tensor, encoded: Encoded) -> tuple[Tensor, Tensor | None]:
        """Decoder states (B, T, E) → logits (B, T, V) and the attention weights."""
        context, weights = self.attend(states, encoded)
        if self.combine is None:
            return self.output(self.dropout(states)), weights
        attentional = torch.tanh(self.combine(torch.cat([context, states], dim=-1)))
        return self.output(self.dropout(attentional)), weights

    # --- decoder ---------------------------------------------------------------
    def decode_steps(self, inputs: Tensor, state: Any, encoded: Encoded) -> tuple[Tensor, Any]:
        """Run the decoder over known inputs (B, T): logits (B, T, V), final state."""
        states, state = self.decoder(self.dropout(self.target_embedding(inputs)), state)
        logits, _ = self.project(states, encoded)
        return logits, state

    def forward(
        self, source: Tensor, lengths: Tensor, target_in: Tensor, teacher_forcing: float = 1.0
    ) -> Tensor:
        """Logits (B, T, V) for each target position.

        With `teacher_forcing` < 1 each step's input is the reference token with
        that probability, else the model's own previous argmax.
        """
        encoded = self.encode(source, lengths)
        if teacher_forcing >= 1.0:
            logits, _ = self.decode_steps(target_in, encoded.state, encoded)
            return logits
        state, steps = encoded.state, []
        token = target_in[:, :1]
        for t in range(target_in.shape[1]):
            logits, state = self.decode_steps(token, state, encoded)
            steps.append(logits)
            if t + 1 < target_in.shape[1]:
                forced = torch.rand(token.shape, device=token.device) < teacher_forcing
                token = torch.where(forced, target_in[:, t + 1 : t + 2], logits.argmax(-1))
        return torch.cat(steps, dim=1)

    @torch.no_grad()
    def greedy(self, source: Tensor, lengths: Tensor, max_len: int) -> Tensor:
        """Greedy decoding of a batch: (B, ≤max_len) ids, `<pad>` after each `<eos>`."""
        encoded = self.encode(source, lengths)
        batch = source.shape[0]
        token = torch.full((batch, 1), BOS_ID, dtype=torch.long, device=source.device)
        state, out = encoded.state, []
        done = torch.zeros(batch, dtype=torch.bool, device=source.device)
        for _ in range(max_len):
            logits, state = self.decode_steps(token, state, encoded)
            token = logits.argmax(-1)
            out.append(token.masked_fill(done[:, None], PAD_ID))
            done |= token.squeeze(1) == EOS_ID
            if bool(done.all()):
                break
        return torch.cat(out, dim=1)


def sequence_loss(logits: Tensor, targets: Tensor, reduction: str = "mean") -> Tensor:
    """Cross-entropy over real target tokens (padding ignored)."""
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]),
        targets.reshape(-1),
        ignore_index=PAD_ID,
        reduction=reduction,
    )
