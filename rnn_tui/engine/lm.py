"""Language models in NumPy: `step(token, state) → StepTrace` with every number shown.

Recurrent LM (cell ∈ rnn, gru, lstm; L layers):

    x_t       = E[w_t]                               embedding, (D,)
    h_t^{(1)} = cell(x_t, h_{t-1}^{(1)})             first layer
    h_t^{(l)} = cell(h_t^{(l-1)}, h_{t-1}^{(l)})     layers l = 2 … L
    z_t       = V h_t^{(L)} + b_V                    logits over the vocabulary
    p(w_{t+1} | w_≤t) = softmax(z_t)

A text is read from the zero state after `<bos>` (w_0 = `<bos>`), or, for a model
trained without one (`config.start == "zero"`, imported), from its first token.

Fixed-window baseline (cell = ffnn, context K):

    e_t = [E[w_{t-K+1}]; …; E[w_t]]                  concatenation, (K·D,)
    a^{(1)} = tanh(W_1 e_t + b_1),  a^{(l)} = tanh(W_l a^{(l-1)} + b_l)
    z_t = V a^{(L)} + b_V

It sees exactly K tokens and nothing before them — that is the point of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnn_tui.config import ModelConfig
from rnn_tui.data.streams import evaluation_rows, windows
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS_ID, EOS_ID, PAD_ID, SPECIALS
from rnn_tui.engine.cells import CellTrace, CellWeights, cell_step, input_projection
from rnn_tui.engine.functions import log_softmax, softmax
from rnn_tui.errors import UserError

LayerState = tuple[np.ndarray, np.ndarray | None]
State = Any  # tuple[LayerState, ...] for recurrent cells; (…, K) int array for ffnn

_LOOKUP_TABLE_LIMIT = 1 << 22  # floats in a precomputed (vocab, G·H) first-layer table


Progress = Callable[[int, int], None]  # (done, total), for the CLI's progress line


@dataclass(frozen=True)
class StepTrace:
    """Everything one step computed: input token, per-layer traces, output distribution."""

    token: int
    layers: tuple[CellTrace, ...]
    logits: np.ndarray
    probs: np.ndarray
    state: State


@dataclass(frozen=True)
class Evaluation:
    """Mean negative log-likelihood over `tokens` predictions, in nats per token."""

    loss: float
    tokens: int


class LanguageModel:
    """A language model whose weights came from a checkpoint (names as in `rnn_tui.nn`)."""

    def __init__(
        self,
        config: ModelConfig,
        tokenizer: Tokenizer,
        weights: dict[str, np.ndarray],
        meta: dict[str, Any] | None = None,
        dtype: type = np.float32,
    ) -> None:
        self.config = config
        self.tokenizer = tokenizer
        self.meta = meta or {}  # the checkpoint's card, history and data settings
        self.dtype = dtype  # float32 to match torch; float64 for finite-difference checks
        self.weights = {name: np.ascontiguousarray(w, dtype=dtype) for name, w in weights.items()}
        self.embedding = self.weights["embedding.weight"]
        self.adaptive = config.softmax == "adaptive"
        if self.adaptive:
            self.head_w = self.weights["adaptive.head.weight"]
            self.cutoffs = [*config.adaptive_cutoffs(), config.vocab_size]
            self.tails = [
                (
                    self.weights[f"adaptive.tail.{i}.0.weight"],
                    self.weights[f"adaptive.tail.{i}.1.weight"],
                )
                for i in range(len(self.cutoffs) - 1)
            ]
        else:
            self.decoder_w = self.weights["decoder.weight"]
            self.decoder_b = self.weights["decoder.bias"]
        if config.cell == "ffnn":
            self.mlp = [
                (self.weights[f"hidden_layers.{k}.weight"], self.weights[f"hidden_layers.{k}.bias"])
                for k in range(config.num_layers)
            ]
            self.cells: list[CellWeights] = []
            return
        self.cells = [
            CellWeights(
                u=self.weights[f"rnn.weight_ih_l{k}"],
                w=self.weights[f"rnn.weight_hh_l{k}"],
                b_u=self.weights[f"rnn.bias_ih_l{k}"],
                b_w=self.weights[f"rnn.bias_hh_l{k}"],
                nonlinearity=config.nonlinearity,
            )
            for k in range(config.num_layers)
        ]
        first = self.cells[0]
        self._first_gx: np.ndarray | None = None
        if len(self.embedding) * first.u.shape[0] <= _LOOKUP_TABLE_LIMIT:
            self._first_gx = input_projection(first, self.embedding)  # (vocab, G·H)

    @property
    def is_recurrent(self) -> bool:
        return self.config.cell != "ffnn"

    @property
    def reads_bos(self) -> bool:
        return self.config.start == "bos"

    @property
    def never_chosen(self) -> tuple[int, ...]:
        """Ids generation never picks: all four specials for rnn-tui's own models; for an
        imported model only the placeholders (its own `<eos>` and `<unk>` are words it
        was trained to predict, as its own sampler would emit them)."""
        if self.reads_bos:
            return tuple(range(len(SPECIALS)))
        return self.tokenizer.vocab.placeholders

    def choosable_logits(self, logits: np.ndarray) -> np.ndarray:
        """`logits` in float64 with the `never_chosen` ids at −∞."""
        choosable = logits.astype(np.float64)
        choosable[..., list(self.never_chosen)] = -np.inf
        return choosable

    def opening(self, ids: Sequence[int]) -> list[int]:
        """The tokens a text of `ids` is read as from the zero state: `<bos>` first, or
        (a model trained without `<bos>`) the text itself; such a model reading an empty
        text starts from `<eos>`, the end of a previous line, when it knows one."""
        if self.reads_bos:
            return [BOS_ID, *ids]
        if ids:
            return list(ids)
        if EOS_ID not in self.tokenizer.vocab.placeholders:
            return [EOS_ID]
        raise UserError("this model has no <bos> and no <eos> to start from: give it a prompt")

    def parameter_count(self) -> int:
        names = set(self.weights)
        if self.config.tie_weights:
            names.discard("decoder.weight")
        return int(sum(self.weights[name].size for name in names))

    def initial_state(self, batch_shape: tuple[int, ...] = ()) -> State:
        """Zero states for recurrent cells; a context of `<pad>` for the window model."""
        if not self.is_recurrent:
            return np.full((*batch_shape, self.config.context), PAD_ID, dtype=np.int64)
        size = self.config.hidden_size
        zeros = np.zeros((*batch_shape, size), dtype=self.dtype)
        cell_state = zeros if self.config.cell == "lstm" else None
        return tuple((zeros, cell_state) for _ in self.cells)

    def step(self, token: int, state: State) -> StepTrace:
        """Feed one token; return its full trace and the distribution over the next token."""
        layers, new_state, top = self._advance(np.asarray(token), state)
        logits = self.output_logits(top)
        return StepTrace(
            token=int(token), layers=layers, logits=logits, probs=softmax(logits), state=new_state
        )

    def _advance(
        self, tokens: np.ndarray, state: State
    ) -> tuple[tuple[CellTrace, ...], State, np.ndarray]:
        """One step for a token (or a batch of tokens): layer traces, new state, top activation."""
        if not self.is_recurrent:
            context = np.concatenate([state[..., 1:], tokens[..., None]], axis=-1)
            activation = self.embedding[context].reshape(*context.shape[:-1], -1)
            traces = []
            for w, b in self.mlp:
                pre = activation @ w.T + b
                activation = np.tanh(pre)
                traces.append(CellTrace(h=activation, pre={"a": pre}))
            return tuple(traces), context, activation
        traces = []
        new_state = []
        for k, (weights, (h, c)) in enumerate(zip(self.cells, state, strict=True)):
            gx = self._first_inputs(tokens) if k == 0 else input_projection(weights, traces[-1].h)
            trace = cell_step(self.config.cell, weights, gx, h, c)
            traces.append(trace)
            new_state.append((trace.h, trace.c))
        return tuple(traces), tuple(new_state), traces[-1].h

    def _first_inputs(self, tokens: np.ndarray) -> np.ndarray:
        """U x + b_u of the first layer for tokens of any shape (…, G·H): a row of the
        table of every token's, where the vocabulary is small enough for one."""
        if self._first_gx is not None:
            return self._first_gx[tokens]
        return input_projection(self.cells[0], self.embedding[tokens])

    def output_logits(self, top: np.ndarray) -> np.ndarray:
        """z = V h + b_V; for the adaptive softmax, the full log p over the vocabulary:

        head = log softmax(W_head h) over [shortlist words ; one entry per cluster i]
        log p(w) = head[w]                                         w in the shortlist
        log p(w) = head[cluster i] + log softmax(W_i,1 (W_i,0 h))[w − lo_i]   w in cluster i
        (log-probabilities are valid logits: softmax of them gives p back).
        """
        if not self.adaptive:
            return top @ self.decoder_w.T + self.decoder_b
        head = log_softmax(top @ self.head_w.T)
        shortlist = self.cutoffs[0]
        parts = [head[..., :shortlist]]
        for i, (project, out) in enumerate(self.tails):
            tail = log_softmax((top @ project.T) @ out.T)
            parts.append(tail + head[..., shortlist + i : shortlist + i + 1])
        return np.concatenate(parts, axis=-1)

    def forward(self, tokens: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Logits for a batch of sequences: tokens (B, T) → logits (B, T, V), final state."""
        if not self.is_recurrent:
            tops = []
            for t in range(tokens.shape[1]):
                _, state, top = self._advance(tokens[:, t], state)
                tops.append(top)
            return self.output_logits(np.stack(tops, axis=1)), state
        layers, final = self.read_layers(tokens, state)
        return self.output_logits(layers[-1][0]), final

    def read_layers(
        self, tokens: np.ndarray, state: State, inputs_per_step: bool = False
    ) -> tuple[list[tuple[np.ndarray, np.ndarray | None]], State]:
        """Every layer's states over a batch of sequences: tokens (B, T) → per layer
        (s, c), each (B, T, H) (c for the LSTM, else None), and the final state.

        A recurrent stack is read layer by layer: a layer's inputs U x_t + b_u do not
        depend on its recurrence, so they come from one product over all T steps, and
        only W s_{t−1} is computed step by step (the same sums as `step`, in fewer calls).
        `inputs_per_step`: each U x_t as `step` computes it, one product per step, so that
        one row's states equal, bit for bit, those of stepping it (BLAS sums a product over
        all T steps in another order).
        """
        layers: list[tuple[np.ndarray, np.ndarray | None]] = []
        final = []
        outputs: np.ndarray | None = None  # the layer below's s_t: this layer's x_t
        for weights, (h, c) in zip(self.cells, state, strict=True):
            gx: np.ndarray | None = None  # U x_t + b_u of every step, when made at once
            if not inputs_per_step:
                gx = (
                    self._first_inputs(tokens)
                    if outputs is None
                    else input_projection(weights, outputs)
                )
            states, cells = [], []
            for t in range(tokens.shape[1]):
                if gx is not None:
                    gx_t = gx[:, t]
                elif outputs is None:
                    gx_t = self._first_inputs(tokens[:, t])
                else:
                    gx_t = input_projection(weights, outputs[:, t])
                trace = cell_step(self.config.cell, weights, gx_t, h, c)
                h, c = trace.h, trace.c
                states.append(h)
                if c is not None:
                    cells.append(c)
            outputs = np.stack(states, axis=1)  # (B, T, H)
            layers.append((outputs, np.stack(cells, axis=1) if cells else None))
            final.append((h, c))
        return layers, tuple(final)

    def evaluate(
        self, ids: np.ndarray, window: int = 256, progress: Progress | None = None
    ) -> Evaluation:
        """Mean −log p(w_{t+1} | w_≤t) over a stream, read as `evaluation_rows` rows.

        The same rows and carried state as the trainer's validation, so the figure
        matches the one recorded in the checkpoint.
        """
        return self._score_rows(evaluation_rows(ids), window, progress)

    def evaluate_text(
        self, ids: np.ndarray, window: int = 256, progress: Progress | None = None
    ) -> Evaluation:
        """Mean −log p(w_t | <bos> w_<t) over every token of one text, read as one stream
        from `<bos>` and the start state (what scoring a text means; nothing is dropped).

        `ids` is the stream as `encode_documents` makes it (each document after its
        `<bos>`); a leading `<bos>` is added when missing and is itself never scored.
        A model without `<bos>` reads the stream as it is and scores from its second token.
        """
        stream = np.asarray(ids, dtype=np.int64)
        if self.reads_bos and len(stream) and stream[0] != BOS_ID:
            stream = np.concatenate([[BOS_ID], stream])
        if len(stream) < 2:
            raise UserError("the text to score has no tokens")
        return self._score_rows(stream[None, :], window, progress)  # one row, (1, N+1)

    def _score_rows(
        self, rows: np.ndarray, window: int, progress: Progress | None = None
    ) -> Evaluation:
        """Mean −log p of each row's next token, rows read side by side from the start state
        in windows of `window` steps, the state carried from one window to the next;
        `progress(tokens scored, tokens)` after each window."""
        state = self.initial_state((rows.shape[0],))
        total, count = 0.0, 0
        every = rows.shape[0] * (rows.shape[1] - 1)
        for _, inputs, targets in windows(rows, window):
            logits, state = self.forward(inputs, state)
            logp = log_softmax(logits.astype(np.float64))
            total -= float(np.take_along_axis(logp, targets[..., None], axis=-1).sum())
            count += targets.size
            if progress is not None:
                progress(count, every)
        return Evaluation(loss=total / count, tokens=count)

    def surprisals(self, tokens: Sequence[int]) -> np.ndarray:
        """−log p(w_t | <bos> w_<t) in nats for each token of a text, from the start state
        (a model without `<bos>` has no prediction for the first token: NaN)."""
        state = self.initial_state()
        result = np.full(len(tokens), np.nan, dtype=np.float64)
        if not tokens:
            return result
        read = self.opening(tokens)
        first_predicted = 0 if self.reads_bos else 1
        for t, token in enumerate(tokens[first_predicted:], start=first_predicted):
            trace = self.step(read[t - first_predicted], state)
            result[t] = -np.log(max(float(trace.probs[token]), 1e-45))
            state = trace.state
        return result
