"""The encoder–decoder translator in NumPy, with every intermediate kept for display.

The equations are those of `rnn_tui.nn.seq2seq` (which trains the weights):

    encoder       →h_s = cell(E_src x_s, →h_{s-1}),  ←h_s = cell(E_src x_s, ←h_{s+1})
                  m_s = [→h_s ; ←h_s]  (top layer);  optional  M ← M + softmax(QKᵀ/√E) V
    context       c = [→h_S ; ←h_1] (top layer)
    bridge        s_0^l = tanh(W_b [→h^l ; ←h^l] + b_b)    (LSTM: c_0^l = W_bc [→c^l ; ←c^l] + b_bc)
                  plain: s_0^l = [→h^l ; ←h^l] itself (c_0^l likewise)
    decoder step  s_t = cell(E_tgt y_{t-1}, s_{t-1})
                  e_tj = score(s_t, m_j);  α_t = softmax(e_t);  ctx_t = Σ_j α_tj m_j  (none: c)
                  s̃_t = tanh(W_c [ctx_t ; s_t] + b_c);  p_t = softmax(W_o s̃_t + b_o)
                  plain (no attention): s̃_t = s_t,  p_t = softmax(W_o s_t + b_o)

Every decoder function takes a leading batch of K hypotheses, so beam search
advances all its live hypotheses in one step. Greedy, sampled and beam decoding
are in `rnn_tui.engine.translation_search`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnn_tui.config import TranslatorConfig
from rnn_tui.data.pairs import encode_source, normalize_text
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS_ID, UNK_ID
from rnn_tui.engine.cells import CellWeights, cell_step, input_projection
from rnn_tui.engine.functions import log_softmax, several_rows, softmax
from rnn_tui.errors import UserError

# The encoder keeps every state (S × hidden per direction) and attention scores all S of
# them at each output step: 100,000 characters read as one source took the bundled dates
# model 600 MB and 13 s. Sentences and paragraphs are far below this.
MAX_SOURCE_TOKENS = 1000


@dataclass(frozen=True)
class EncoderTrace:
    """What the encoder computed for one source sentence.

    `forward`/`backward` are the top layer's states per source position (in
    reading order), (S, H) each; `memory` is what the decoder attends to.
    """

    source_ids: list[int]
    forward: np.ndarray
    backward: np.ndarray | None
    memory: np.ndarray  # (S, E)
    self_attention: np.ndarray | None  # (S, S), rows are queries
    context: np.ndarray  # (E,)
    initial_state: DecoderState
    keys: np.ndarray | None = None  # additive attention: W_k m_j + b_k, (S, E)


@dataclass(frozen=True)
class DecoderState:
    """Per layer: h (K, E) and, for the LSTM, c (K, E)."""

    h: list[np.ndarray]
    c: list[np.ndarray | None]

    def select(self, rows: np.ndarray) -> DecoderState:
        return DecoderState(
            [h[rows] for h in self.h], [None if c is None else c[rows] for c in self.c]
        )


@dataclass(frozen=True)
class DecoderStep:
    """One decoder step for K hypotheses; arrays have a leading K axis."""

    input_tokens: np.ndarray  # (K,)
    state: DecoderState
    query: np.ndarray  # (K, E) = s_t
    scores: np.ndarray | None  # (K, S) raw e_tj (None without attention)
    weights: np.ndarray | None  # (K, S) α_t
    context: np.ndarray  # (K, E)
    attentional: np.ndarray  # (K, E) s̃_t
    logits: np.ndarray  # (K, V)
    log_probs: np.ndarray  # (K, V)


def _weights(tensors: dict[str, np.ndarray], prefix: str, layer: int, suffix: str) -> CellWeights:
    return CellWeights(
        u=tensors[f"{prefix}.weight_ih_l{layer}{suffix}"],
        w=tensors[f"{prefix}.weight_hh_l{layer}{suffix}"],
        b_u=tensors[f"{prefix}.bias_ih_l{layer}{suffix}"],
        b_w=tensors[f"{prefix}.bias_hh_l{layer}{suffix}"],
    )


class Translator:
    def __init__(
        self,
        config: TranslatorConfig,
        source_tokenizer: Tokenizer,
        target_tokenizer: Tokenizer,
        tensors: dict[str, np.ndarray],
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.tensors = {k: v.astype(np.float32, copy=False) for k, v in tensors.items()}
        self.meta = meta or {}
        t = self.tensors
        suffixes = ["", "_reverse"][: config.directions]
        self.encoder_layers = [
            [_weights(t, "encoder", k, s) for s in suffixes] for k in range(config.num_layers)
        ]
        self.decoder_layers = [_weights(t, "decoder", k, "") for k in range(config.num_layers)]
        self._transposed: dict[str, np.ndarray] = {}  # row-major Wᵀ, made on first use

    def times_transposed(self, x: np.ndarray, name: str) -> np.ndarray:
        """x Wᵀ for the matrix W = tensors[name] (out, in); `several_rows` of x multiply a
        row-major copy of Wᵀ, kept once made."""
        w = self.tensors[name]
        if not several_rows(x):
            return x @ w.T
        if name not in self._transposed:
            self._transposed[name] = np.ascontiguousarray(w.T)
        return x @ self._transposed[name]

    # --- encoder ---------------------------------------------------------------
    def normalize_source(self, text: str) -> str:
        """User text as the training pairs were: NFC, one space, and lower-cased and
        accent-stripped when the checkpoint's pairs were (`--lower`, `--strip-accents`)."""
        pairs = self.meta.get("pairs_config") or {}
        return normalize_text(text, bool(pairs.get("lowercase")), bool(pairs.get("strip_accents")))

    def source_ids(self, text: str) -> list[int]:
        """The ids the encoder reads: the normalised text's tokens (reversed if trained
        so) then `<eos>`. Every path from user text to the encoder goes through here, so
        a source longer than MAX_SOURCE_TOKENS is refused here."""
        ids = encode_source(
            self.source_tokenizer, self.normalize_source(text), self.config.reverse_source
        ).tolist()
        if len(ids) - 1 > MAX_SOURCE_TOKENS:
            raise UserError(
                f"the source is {len(ids) - 1:,} tokens long; "
                f"the encoder reads at most {MAX_SOURCE_TOKENS:,} (one sentence or paragraph)"
            )
        return ids

    def unknown_source_pieces(self, text: str) -> list[str]:
        """The pieces of the normalised `text` that the source vocabulary lacks (read as
        `<unk>`), each once, in order."""
        tokenizer = self.source_tokenizer
        pieces = Tokenizer.split(tokenizer.kind, self.normalize_source(text))
        unknown = [p for p in pieces if tokenizer.vocab.id_of(p) == UNK_ID]
        return list(dict.fromkeys(unknown))

    def encode(self, source_ids: list[int]) -> EncoderTrace:
        cfg, t = self.config, self.tensors
        layer_input = t["source_embedding.weight"][np.asarray(source_ids)]
        length = len(source_ids)
        finals_h, finals_c = [], []
        outputs: list[np.ndarray] = []
        for directions in self.encoder_layers:
            outputs = []
            ends_h, ends_c = [], []
            for d, weights in enumerate(directions):
                gx = input_projection(weights, layer_input)
                h = np.zeros(cfg.hidden_size, dtype=np.float32)
                c = np.zeros_like(h) if cfg.cell == "lstm" else None
                order = range(length) if d == 0 else range(length - 1, -1, -1)
                states = np.zeros((length, cfg.hidden_size), dtype=np.float32)
                for s in order:
                    trace = cell_step(cfg.cell, weights, gx[s], h, c)
                    h, c = trace.h, trace.c
                    states[s] = h
                outputs.append(states)
                ends_h.append(h)
                ends_c.append(c)
            layer_input = np.concatenate(outputs, axis=-1)
            finals_h.append(np.concatenate(ends_h))
            finals_c.append(np.concatenate(ends_c) if cfg.cell == "lstm" else None)  # type: ignore[arg-type]
        rnn_memory = layer_input
        memory, self_weights = rnn_memory, None
        if cfg.self_attention:
            q = rnn_memory @ t["self_attention.query.weight"].T
            k = rnn_memory @ t["self_attention.key.weight"].T
            v = rnn_memory @ t["self_attention.value.weight"].T
            self_weights = softmax(q @ k.T / np.float32(math.sqrt(rnn_memory.shape[-1])))
            memory = rnn_memory + self_weights @ v
        if cfg.plain:
            initial = DecoderState(
                h=[h[None, :] for h in finals_h],
                c=[None if c is None else c[None] for c in finals_c],
            )
        else:
            initial = DecoderState(
                h=[np.tanh(h @ t["bridge.weight"].T + t["bridge.bias"])[None, :] for h in finals_h],
                c=[
                    None
                    if c is None
                    else (c @ t["bridge_cell.weight"].T + t["bridge_cell.bias"])[None]
                    for c in finals_c
                ],
            )
        keys = None
        if cfg.attention == "additive":
            keys = memory @ t["score_key.weight"].T + t["score_key.bias"]
        return EncoderTrace(
            source_ids=list(source_ids),
            forward=outputs[0],
            backward=outputs[1] if cfg.bidirectional else None,
            memory=memory,
            self_attention=self_weights,
            context=finals_h[-1],
            initial_state=initial,
            keys=keys,
        )

    # --- decoder ---------------------------------------------------------------
    def attention_scores(self, query: np.ndarray, encoded: EncoderTrace) -> np.ndarray:
        """Raw scores e (K, S) of each query s_t against every memory state m_j."""
        t, memory = self.tensors, encoded.memory
        if self.config.attention == "dot":
            return query @ memory.T
        if self.config.attention == "general":
            return (query @ t["score_general.weight"].T) @ memory.T
        assert encoded.keys is not None
        hidden = np.tanh((query @ t["score_query.weight"].T)[:, None, :] + encoded.keys[None])
        return (hidden @ t["score_v.weight"].T)[..., 0]

    def step(
        self,
        tokens: np.ndarray,
        state: DecoderState,
        encoded: EncoderTrace,
        attention_override: np.ndarray | None = None,
    ) -> DecoderStep:
        """Feed the previous tokens (K,) to the decoder; return everything it computed.

        `attention_override` (S,) replaces this step's weights α_t (what-if): the
        scores are still computed and shown, but the context is Σ_j override_j m_j.
        """
        t, cfg = self.tensors, self.config
        x = t["target_embedding.weight"][tokens]
        new_h, new_c = [], []
        for layer, weights in enumerate(self.decoder_layers):
            trace = cell_step(
                cfg.cell, weights, input_projection(weights, x), state.h[layer], state.c[layer]
            )
            new_h.append(trace.h)
            new_c.append(trace.c)
            x = trace.h
        query = x
        scores = weights = None
        if cfg.attention == "none":
            context = np.broadcast_to(encoded.context, query.shape)
        else:
            scores = self.attention_scores(query, encoded)
            weights = softmax(scores)
            if attention_override is not None:
                weights = np.broadcast_to(
                    np.asarray(attention_override, dtype=weights.dtype), weights.shape
                ).copy()
            context = weights @ encoded.memory
        if cfg.plain:
            attentional = query
        else:
            attentional = np.tanh(
                self.times_transposed(np.concatenate([context, query], axis=-1), "combine.weight")
                + t["combine.bias"]
            )
        logits = self.times_transposed(attentional, "output.weight") + t["output.bias"]
        return DecoderStep(
            input_tokens=np.asarray(tokens),
            state=DecoderState(new_h, new_c),
            query=query,
            scores=scores,
            weights=weights,
            context=np.asarray(context),
            attentional=attentional,
            logits=logits,
            log_probs=log_softmax(logits.astype(np.float64)),
        )

    def start(self, encoded: EncoderTrace) -> tuple[np.ndarray, DecoderState]:
        return np.asarray([BOS_ID]), encoded.initial_state

    def encode_text(self, text: str) -> EncoderTrace:
        """`encode` of what `source_ids` makes of user text."""
        return self.encode(self.source_ids(text))

    # --- text ---------------------------------------------------------------
    def target_text(self, tokens: tuple[int, ...] | list[int]) -> str:
        from rnn_tui.translation_metrics import hypothesis_pieces, pieces_text

        pieces = hypothesis_pieces(self.target_tokenizer, tokens)
        return pieces_text(pieces, self.target_tokenizer.kind)

    def source_labels(self, source_ids: list[int]) -> list[str]:
        return [self.source_tokenizer.token_text(i) for i in source_ids]
