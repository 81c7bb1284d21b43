"""Explorer state for a translator, without any UI: a source, its encoding, the decoder's steps.

The decoder steps greedily (or along the reference target, when one is typed:
teacher forcing); `position` is how many target tokens have been produced so
far. The beam search for the same source is computed whole (in a worker) and
shown one step at a time, in step with the decoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_tui.data.vocab import EOS_ID
from rnn_tui.engine.functions import entropy_nats
from rnn_tui.engine.translation_search import BeamResult, BeamStep
from rnn_tui.engine.translator import DecoderStep, EncoderTrace, Translator
from rnn_tui.session.lm import NextTokens, Prediction, format_perplexity

DEFAULT_MAX_LEN = 60


@dataclass(frozen=True)
class ScoreRow:
    """One source position at this decoder step: raw score e_tj and weight α_tj."""

    position: int
    token: str
    score: float
    weight: float


class TranslatorSession:
    def __init__(self, translator: Translator, max_len: int = DEFAULT_MAX_LEN) -> None:
        self.translator = translator
        self.max_len = max_len
        self.source = ""
        self.encoded: EncoderTrace | None = None
        self.steps: list[DecoderStep] = []
        self.tokens: list[int] = []  # produced target ids
        self.position = 0
        self.beam: BeamResult | None = None
        self.prefix: list[int] = []  # what-if: forced first target tokens
        self.overrides: dict[int, np.ndarray] = {}  # what-if: step → attention weights
        self._pending: DecoderStep | None = None  # computed step for the next new token

    # --- stepping ---------------------------------------------------------------
    def set_source(self, text: str) -> None:
        """Read `text` and start the output again; a source the encoder refuses (UserError)
        leaves everything as it was."""
        encoded = self.translator.encode(self.translator.source_ids(text))
        self.source, self.encoded = text, encoded
        self.steps, self.tokens, self.position = [], [], 0
        self._pending = None
        self.beam = None
        self.prefix, self.overrides = [], {}

    @property
    def finished(self) -> bool:
        return (bool(self.tokens) and self.tokens[-1] == EOS_ID) or len(self.tokens) >= self.max_len

    def step(self) -> bool:
        """Produce the next target token greedily; False when the output is complete."""
        assert self.encoded is not None
        if self.position < len(self.tokens):
            self.position += 1
            return True
        if self.finished:
            return False
        t = len(self.tokens)
        trace = self._compute_next_step()
        self._pending = None
        self.steps.append(trace)
        forced = t < len(self.prefix)
        self.tokens.append(self.prefix[t] if forced else int(trace.log_probs[0].argmax()))
        self.position += 1
        return True

    def _compute_next_step(self) -> DecoderStep:
        """The decoder step that will choose target token number len(tokens) + 1."""
        assert self.encoded is not None
        if self._pending is not None:
            return self._pending
        if self.steps:
            tokens, state = np.asarray([self.tokens[-1]]), self.steps[-1].state
        else:
            tokens, state = self.translator.start(self.encoded)
        t = len(self.tokens)
        self._pending = self.translator.step(tokens, state, self.encoded, self.overrides.get(t))
        return self._pending

    @property
    def upcoming(self) -> DecoderStep | None:
        """The decoder step that chooses the next token to be shown (None when the output
        is complete): p(y_{t+1} | y_≤t, x) after t shown tokens."""
        if self.position < len(self.tokens):
            return self.steps[self.position]
        if self.finished:
            return None
        return self._compute_next_step()

    # --- what-if ---------------------------------------------------------------------
    def _redecode(self) -> None:
        """Decode again from the start under the current prefix and overrides."""
        position = self.position
        self.steps, self.tokens, self.position = [], [], 0
        self._pending = None
        self.run_to_end()
        self.position = min(max(position, len(self.prefix)), len(self.tokens))

    def force_prefix(self, text: str) -> None:
        """Make the output start with `text`; the decoder continues greedily after it."""
        self.prefix = self.translator.target_tokenizer.encode(text)
        self._redecode()

    def override_attention(self, step: int, source_position: int) -> None:
        """At decoder step `step`, put all attention on one source token."""
        assert self.encoded is not None
        weights = np.zeros(len(self.encoded.source_ids), dtype=np.float32)
        weights[source_position] = 1.0
        self.overrides[step] = weights
        self._redecode()

    def clear_what_if(self) -> None:
        self.prefix, self.overrides = [], {}
        self._redecode()

    def what_if_note(self) -> str:
        parts = []
        if self.prefix:
            text_of = self.translator.target_tokenizer.token_text
            parts.append("forced prefix " + repr(" ".join(text_of(t) for t in self.prefix)))
        for step, weights in sorted(self.overrides.items()):
            position = int(np.argmax(weights))
            parts.append(f"step {step + 1}: all attention on source {position} "
                         f"({self.source_tokens()[position]!r})")  # fmt: skip
        return "; ".join(parts)

    def back(self) -> bool:
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def run_to_end(self) -> None:
        while self.step():
            pass

    # --- what the view shows ------------------------------------------------------
    @property
    def current(self) -> DecoderStep | None:
        """The decoder step that produced the latest shown token."""
        return self.steps[self.position - 1] if self.position else None

    def source_tokens(self) -> list[str]:
        assert self.encoded is not None
        return self.translator.source_labels(self.encoded.source_ids)

    def target_tokens(self) -> list[str]:
        text_of = self.translator.target_tokenizer.token_text
        return [text_of(t) for t in self.tokens[: self.position]]

    def output_text(self) -> str:
        return self.translator.target_text(self.tokens[: self.position])

    def attention_rows(self) -> np.ndarray | None:
        """Target × source weights of the steps shown so far (None without attention)."""
        if self.translator.config.attention == "none" or self.position == 0:
            return None
        return np.stack([s.weights[0] for s in self.steps[: self.position]])  # type: ignore[index]

    def score_rows(self) -> list[ScoreRow]:
        step = self.current
        if step is None or step.weights is None or step.scores is None:
            return []
        labels = self.source_tokens()
        return [
            ScoreRow(j, labels[j], float(step.scores[0, j]), float(step.weights[0, j]))
            for j in range(len(labels))
        ]

    def next_tokens(self, k: int) -> NextTokens:
        """The k likeliest next target tokens under the distribution the greedy decoder
        chooses from at the next step (the step after the last shown token)."""
        text_of = self.translator.target_tokenizer.token_text
        perplexity = format_perplexity(self.output_perplexity())
        step = self.upcoming
        if step is None:
            why = "<eos> emitted" if self.tokens[-1] == EOS_ID else f"max length {self.max_len}"
            return NextTokens([], 0.0, (f"output complete ({why})",), f"output ppl {perplexity}")
        probs = np.exp(step.log_probs[0])
        best = np.argsort(-probs, kind="stable")[:k]
        predictions = [Prediction(int(i), text_of(int(i)), float(probs[i])) for i in best]
        entropy = entropy_nats(probs)
        n = self.position + 1
        full = f"next token {n}: p(y | y_<{n}, x), argmax"
        if self.position < len(self.prefix):
            captions = (
                f"{full} (forced by the what-if prefix)",
                f"y_{n}: forced by the what-if prefix",
                f"y_{n}: forced",
            )
        else:
            captions = (full, f"y_{n}: argmax of p(y | y_<{n}, x)", f"y_{n}: argmax")
        return NextTokens(
            predictions, entropy, captions, f"H {entropy:.2f} nats · output ppl {perplexity}"
        )

    def output_perplexity(self) -> float:
        """exp(−mean log p) of the tokens produced so far (nan before the first)."""
        if not self.position:
            return float("nan")
        chosen = [
            float(step.log_probs[0, token])
            for step, token in zip(self.steps[: self.position], self.tokens, strict=False)
        ]
        return float(np.exp(-np.mean(chosen)))

    def beam_step(self) -> BeamStep | None:
        """The beam after as many steps as the decoder has taken (its last step if shorter)."""
        if self.beam is None or self.position == 0 or not self.beam.steps:
            return None
        return self.beam.steps[min(self.position, len(self.beam.steps)) - 1]
