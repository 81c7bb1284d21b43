"""The encoder–decoder translator in NumPy, with every intermediate kept for display.

The equations are those of `rnn_tui.nn.seq2seq` (which trains the weights):

    encoder       →h_s = cell(E_src x_s, →h_{s-1}),  ←h_s = cell(E_src x_s, ←h_{s+1})
                  m_s = [→h_s ; ←h_s]  (top layer);  optional  M ← M + softmax(QKᵀ/√E) V
    context       c = [→h_S ; ←h_1] (top layer)
    bridge        s_0^l = tanh(W_b [→h^l ; ←h^l] + b_b)    (LSTM: c_0^l = W_bc [→c^l ; ←c^l] + b_bc)
    decoder step  s_t = cell(E_tgt y_{t-1}, s_{t-1})
                  e_tj = score(s_t, m_j);  α_t = softmax(e_t);  ctx_t = Σ_j α_tj m_j  (none: c)
                  s̃_t = tanh(W_c [ctx_t ; s_t] + b_c);  p_t = softmax(W_o s̃_t + b_o)

Every decoder function takes a leading batch of K hypotheses, so beam search
advances all its live hypotheses in one step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnn_tui.config import TranslatorConfig
from rnn_tui.data.pairs import encode_source, normalize_text
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS_ID, EOS_ID, SPECIALS, UNK_ID
from rnn_tui.engine.cells import CellTrace, CellWeights, cell_step, input_projection
from rnn_tui.engine.functions import log_softmax, softmax
from rnn_tui.errors import UserError

MAX_BEAM = 100  # hypotheses kept per step; K·V candidates are scored at each
MAX_OUTPUT_TOKENS = 1000


@dataclass(frozen=True)
class EncoderTrace:
    """What the encoder computed for one source sentence.

    `cells[l][d][s]` is layer l, direction d (0 forward, 1 backward), source
    position s (in reading order). `forward`/`backward` are the top layer's
    states per position, (S, H) each; `memory` is what the decoder attends to.
    """

    source_ids: list[int]
    cells: list[list[list[CellTrace]]]
    forward: np.ndarray
    backward: np.ndarray | None
    rnn_memory: np.ndarray  # (S, E) before self-attention
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
    cells: list[CellTrace]  # per layer
    state: DecoderState
    query: np.ndarray  # (K, E) = s_t
    scores: np.ndarray | None  # (K, S) raw e_tj (None without attention)
    weights: np.ndarray | None  # (K, S) α_t
    context: np.ndarray  # (K, E)
    attentional: np.ndarray  # (K, E) s̃_t
    logits: np.ndarray  # (K, V)
    log_probs: np.ndarray  # (K, V)


@dataclass(frozen=True)
class Hypothesis:
    tokens: tuple[int, ...]  # emitted ids (with the final <eos> when finished)
    log_prob: float
    finished: bool
    parent: int = -1  # index in the previous beam step's `live`
    attention: tuple[np.ndarray, ...] = ()  # per emitted token, (S,)

    def score(self, alpha: float) -> float:
        """Length-normalised log-probability: log p / |y|^α."""
        return self.log_prob / max(1, len(self.tokens)) ** alpha


@dataclass
class BeamStep:
    """The beam after one step: live hypotheses and those that finished at this step."""

    live: list[Hypothesis] = field(default_factory=list)
    finished: list[Hypothesis] = field(default_factory=list)


@dataclass
class BeamResult:
    hypotheses: list[Hypothesis]  # ended by <eos> first, then cut off; each best first
    steps: list[BeamStep]
    alpha: float


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

    # --- encoder ---------------------------------------------------------------
    def normalize_source(self, text: str) -> str:
        """User text as the training pairs were: NFC, one space, and lower-cased and
        accent-stripped when the checkpoint's pairs were (`--lower`, `--strip-accents`)."""
        pairs = self.meta.get("pairs_config") or {}
        return normalize_text(text, bool(pairs.get("lowercase")), bool(pairs.get("strip_accents")))

    def source_ids(self, text: str) -> list[int]:
        """The ids the encoder reads: the normalised text's tokens (reversed if trained
        so) then `<eos>`. Every path from user text to the encoder goes through here."""
        return encode_source(
            self.source_tokenizer, self.normalize_source(text), self.config.reverse_source
        ).tolist()

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
        cells: list[list[list[CellTrace]]] = []
        finals_h, finals_c = [], []
        outputs: list[np.ndarray] = []
        for directions in self.encoder_layers:
            layer_cells: list[list[CellTrace]] = []
            outputs = []
            ends_h, ends_c = [], []
            for d, weights in enumerate(directions):
                gx = input_projection(weights, layer_input)
                h = np.zeros(cfg.hidden_size, dtype=np.float32)
                c = np.zeros_like(h) if cfg.cell == "lstm" else None
                order = range(length) if d == 0 else range(length - 1, -1, -1)
                traces: list[CellTrace | None] = [None] * length
                for s in order:
                    trace = cell_step(cfg.cell, weights, gx[s], h, c)
                    h, c = trace.h, trace.c
                    traces[s] = trace
                layer_cells.append(traces)  # type: ignore[arg-type]
                outputs.append(np.stack([tr.h for tr in traces]))  # type: ignore[union-attr]
                ends_h.append(h)
                ends_c.append(c)
            cells.append(layer_cells)
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
        initial = DecoderState(
            h=[np.tanh(h @ t["bridge.weight"].T + t["bridge.bias"])[None, :] for h in finals_h],
            c=[
                None if c is None else (c @ t["bridge_cell.weight"].T + t["bridge_cell.bias"])[None]
                for c in finals_c
            ],
        )
        keys = None
        if cfg.attention == "additive":
            keys = memory @ t["score_key.weight"].T + t["score_key.bias"]
        return EncoderTrace(
            source_ids=list(source_ids),
            cells=cells,
            forward=outputs[0],
            backward=outputs[1] if cfg.bidirectional else None,
            rnn_memory=rnn_memory,
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
        cells, new_h, new_c = [], [], []
        for layer, weights in enumerate(self.decoder_layers):
            trace = cell_step(
                cfg.cell, weights, input_projection(weights, x), state.h[layer], state.c[layer]
            )
            cells.append(trace)
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
        attentional = np.tanh(
            np.concatenate([context, query], axis=-1) @ t["combine.weight"].T + t["combine.bias"]
        )
        logits = attentional @ t["output.weight"].T + t["output.bias"]
        return DecoderStep(
            input_tokens=np.asarray(tokens),
            cells=cells,
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

    # --- decoding ---------------------------------------------------------------
    def greedy(self, text: str, max_len: int = 100) -> tuple[Hypothesis, list[DecoderStep]]:
        """Pick the most probable token at each step until `<eos>` or `max_len` tokens."""
        encoded = self.encode(self.source_ids(text))
        return self.greedy_from(encoded, max_len)

    def greedy_from(
        self,
        encoded: EncoderTrace,
        max_len: int = 100,
        prefix: Sequence[int] = (),
        overrides: dict[int, np.ndarray] | None = None,
    ) -> tuple[Hypothesis, list[DecoderStep]]:
        """Greedy decoding; the first tokens are `prefix` (forced), and at each step t in
        `overrides` the attention weights are replaced (what-if)."""
        tokens, state = self.start(encoded)
        emitted: list[int] = []
        steps: list[DecoderStep] = []
        log_prob = 0.0
        overrides = overrides or {}
        for t in range(max_len):
            step = self.step(tokens, state, encoded, overrides.get(t))
            steps.append(step)
            token = int(prefix[t]) if t < len(prefix) else int(step.log_probs[0].argmax())
            log_prob += float(step.log_probs[0, token])
            emitted.append(token)
            if token == EOS_ID:
                break
            tokens, state = np.asarray([token]), step.state
        attention = tuple(s.weights[0] for s in steps) if steps[0].weights is not None else ()
        finished = emitted[-1] == EOS_ID
        return Hypothesis(tuple(emitted), log_prob, finished, attention=attention), steps

    def sample(
        self, text: str, temperature: float = 1.0, top_k: int = 0, seed: int = 0, max_len: int = 100
    ) -> Hypothesis:
        """Draw each token from softmax(z/T) restricted to the top k (same seed, same output)."""
        from rnn_tui.engine.sampling import check_sampling, sample_token

        check_sampling(temperature, top_k)
        rng = np.random.default_rng(seed)
        encoded = self.encode(self.source_ids(text))
        tokens, state = self.start(encoded)
        emitted: list[int] = []
        log_prob = 0.0
        for _ in range(max_len):
            step = self.step(tokens, state, encoded)
            logits = step.logits[0].astype(np.float64)
            logits[[i for i in range(len(SPECIALS)) if i != EOS_ID]] = -np.inf
            token = sample_token(logits, rng, temperature, top_k)
            log_prob += float(step.log_probs[0, token])
            emitted.append(token)
            if token == EOS_ID:
                break
            tokens, state = np.asarray([token]), step.state
        return Hypothesis(tuple(emitted), log_prob, emitted[-1] == EOS_ID)

    def beam_search(
        self, text: str, width: int = 5, alpha: float = 0.6, max_len: int = 100
    ) -> BeamResult:
        return self.beam_search_from(self.encode(self.source_ids(text)), width, alpha, max_len)

    def beam_search_from(
        self, encoded: EncoderTrace, width: int = 5, alpha: float = 0.6, max_len: int = 100
    ) -> BeamResult:
        """Beam search: keep the `width` most probable prefixes at every step.

        Candidates are ranked by cumulative log-probability. A candidate ending in
        `<eos>` among the top `width` finishes; the search stops when `width`
        hypotheses have finished (or none is live, or `max_len` is reached, where
        the live ones finish unended). Finished hypotheses are ranked by
        log p / |y|^α (α = 0: no length normalisation).
        """
        if not 1 <= width <= MAX_BEAM:
            raise UserError(f"--beam: expected a width of 1 to {MAX_BEAM}, got {width}")
        if not 1 <= max_len <= MAX_OUTPUT_TOKENS:
            raise UserError(f"--max-len: expected 1 to {MAX_OUTPUT_TOKENS}, got {max_len}")
        tokens, state = self.start(encoded)
        live = [Hypothesis((), 0.0, False)]
        finished: list[Hypothesis] = []
        steps: list[BeamStep] = []
        for _ in range(max_len):
            step = self.step(tokens, state, encoded)
            totals = np.asarray([h.log_prob for h in live])[:, None] + step.log_probs
            order = np.argsort(-totals, axis=None, kind="stable")
            beam = BeamStep()
            rows: list[int] = []
            for rank, flat in enumerate(order):
                parent, token = divmod(int(flat), totals.shape[1])
                source = live[parent]
                attention = source.attention
                if step.weights is not None:
                    attention = (*attention, step.weights[parent])
                candidate = Hypothesis(
                    (*source.tokens, token), float(totals[parent, token]), token == EOS_ID,
                    parent, attention,
                )  # fmt: skip
                if token == EOS_ID:
                    if rank < width:
                        beam.finished.append(candidate)
                    continue
                beam.live.append(candidate)
                rows.append(parent)
                if len(beam.live) == width:
                    break
            steps.append(beam)
            finished.extend(beam.finished)
            live = beam.live
            if len(finished) >= width or not live:
                break
            tokens = np.asarray([h.tokens[-1] for h in live])
            state = step.state.select(np.asarray(rows))
        else:
            finished.extend(live)  # out of length: they end unfinished
        ranked = sorted(finished, key=lambda h: (not h.finished, -h.score(alpha)))
        return BeamResult(ranked, steps, alpha)

    # --- text ---------------------------------------------------------------
    def target_text(self, tokens: tuple[int, ...] | list[int]) -> str:
        from rnn_tui.translation_metrics import hypothesis_pieces, pieces_text

        pieces = hypothesis_pieces(self.target_tokenizer, tokens)
        return pieces_text(pieces, self.target_tokenizer.kind)

    def source_labels(self, source_ids: list[int]) -> list[str]:
        return [self.source_tokenizer.token_text(i) for i in source_ids]
