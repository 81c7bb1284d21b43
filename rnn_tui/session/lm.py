"""A language-model session: feed tokens one at a time, keep every step's trace.

Step k of the session fed token w_k (step 0 feeds `<bos>`, or the first token for a
model trained without one) and produced the distribution p(· | w_≤k) over the next
token. The surprisal of w_k is
−log p(w_k | w_<k), read from step k−1's distribution.

Full traces are kept for the most recent `keep_traces` steps so memory stays
bounded during long autoplay; stepping back past them replays the tokens from the
nearest earlier saved state (one every `keep_traces` steps), never from the start.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnn_tui.data.vocab import EOS_ID
from rnn_tui.engine.functions import entropy_nats
from rnn_tui.engine.lm import LanguageModel, State, StepTrace
from rnn_tui.engine.sampling import check_sampling, draw, sampling_distribution
from rnn_tui.session.trajectory import Trajectory, pca_trajectory

Progress = Callable[[int, int], bool]  # (done, total) → go on?
PROGRESS_EVERY = 500  # tokens between progress reports while reading a prompt


@dataclass(frozen=True)
class Prediction:
    """One entry of the next-token distribution: `probability` in the distribution the
    token is chosen from, `raw` the model's own p(token) = softmax(z)_token (T = 1)."""

    token: int
    text: str
    probability: float
    raw: float | None = None


@dataclass(frozen=True)
class NextTokens:
    """What the next-token panel shows: the distribution the next token is chosen from."""

    predictions: list[Prediction]  # best first
    entropy: float  # nats, of the distribution the predictions come from
    captions: tuple[str, ...]  # which distribution that is, in ever fewer words
    summary: str  # entropy and the running perplexity, named


def units_by_activity(states: np.ndarray) -> np.ndarray:
    """Unit indices of a (units, steps) matrix, busiest first: by mean |value| over the
    steps, ties in index order."""
    return np.argsort(-np.abs(states).mean(axis=1), kind="stable")


def format_perplexity(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


class LanguageModelSession:
    def __init__(self, model: LanguageModel, seed: int = 0, keep_traces: int = 256) -> None:
        self.model = model
        self.keep_traces = keep_traces
        self.mode = "sample"  # or "argmax"
        self.temperature = 1.0
        self.top_k = 0
        self.seed = seed
        self._rng: np.random.Generator | None = None
        self.tokens: list[int] = []
        self.surprisals: list[float] = []
        self.sources: list[str] = []  # how each token was chosen: prompt, argmax, sample, typed
        self._traces: dict[int, StepTrace] = {}
        self._saved_states: dict[int, State] = {}  # the state after every keep_traces-th step
        self.prompt = ""  # what `reset()` reads again
        self.reset()

    # --- reading ---------------------------------------------------------------

    @property
    def position(self) -> int:
        """Index of the last step (0 = only `<bos>` read)."""
        return len(self.tokens) - 1

    @property
    def current(self) -> StepTrace:
        return self.trace_at(self.position)

    def trace_at(self, step: int) -> StepTrace:
        if step not in self._traces:
            self._replay(step)
        return self._traces[step]

    def recent_traces(self, count: int) -> list[StepTrace]:
        """Traces of the last `count` steps that are still kept, oldest first."""
        first = max(0, self.position - count + 1)
        return [self._traces[s] for s in range(first, self.position + 1) if s in self._traces]

    def text(self) -> str:
        return self.model.tokenizer.decode(self.tokens)

    def _choosable_logits(self) -> np.ndarray:
        """This step's logits z in float64, the model's `never_chosen` ids at −∞."""
        return self.model.choosable_logits(self.current.logits)

    def choice_distribution(self) -> np.ndarray:
        """The distribution the next token is sampled from, (V,) in float64:
        softmax(z/T) over the top k logits, specials excluded."""
        return sampling_distribution(self._choosable_logits(), self.temperature, self.top_k)

    def next_tokens(self, k: int) -> NextTokens:
        """The k likeliest next tokens and a caption naming their distribution.

        Sampling: the distribution the token is drawn from (T, top-k, no specials),
        the model's raw p = softmax(z) beside each (grey). Argmax: the raw p itself;
        the likeliest non-special token is taken (specials never are).
        """
        raw = self.current.probs
        shown = raw if self.mode == "argmax" else self.choice_distribution()
        order = [int(i) for i in np.argsort(-shown, kind="stable")[:k] if shown[i] > 0]
        text_of = self.model.tokenizer.token_text
        if self.mode == "argmax":
            predictions = [Prediction(i, text_of(i), float(raw[i])) for i in order]
            captions: tuple[str, ...] = ("argmax of p = softmax(z)", "argmax of p")
        else:
            predictions = [Prediction(i, text_of(i), float(shown[i]), float(raw[i])) for i in order]
            top = f", top {self.top_k}" if self.top_k else ""
            k = f" k={self.top_k}" if self.top_k else ""  # the status line's notation
            scaled = f"softmax(z/{self.temperature:.3g})"
            # Why the two differ even at T = 1 and every k: p's share on the specials,
            # which rnn-tui's own models never choose (an imported model's placeholders
            # have p = 0 anyway).
            out = ", specials out" if self.model.reads_bos else ""
            captions = (
                f"{scaled}{top}{out} · grey: p",
                f"{scaled}{top} · grey: p",
                f"{scaled}{k} · grey: p",
                f"{scaled}{k}",
            )
        entropy = entropy_nats(shown)
        summary = f"H {entropy:.2f} nats · text ppl {format_perplexity(self.perplexity())}"
        return NextTokens(predictions, entropy, captions, summary)

    def text_pieces(self, count: int) -> tuple[list[str], list[float], str]:
        """The last `count` tokens read, as the text strip shows them (`<bos>` left out, a
        `lines` model's `<eos>` as the line break it stands for), their surprisals, and
        what goes between two words."""
        first = max(1 if self.model.reads_bos else 0, len(self.tokens) - count)
        tokenizer = self.model.tokenizer
        pieces = [
            "\n" if tokenizer.kind == "lines" and t == EOS_ID else tokenizer.token_text(t)
            for t in self.tokens[first:]
        ]
        return pieces, self.surprisals[first:], "" if tokenizer.kind == "char" else " "

    def mean_surprisal(self) -> float:
        """The mean of −log p(x_t | x_<t) over the tokens read after `<bos>`, in nats
        (nan if none): the text's cross-entropy under the model."""
        values = self.surprisals[1:]
        return sum(values) / len(values) if values else float("nan")

    def perplexity(self) -> float:
        """exp of the mean surprisal of the tokens read after `<bos>` (nan if none)."""
        return math.exp(self.mean_surprisal())

    def trajectory(self, layer: int) -> Trajectory:
        """The kept steps' h_t of `layer` projected on their first two principal components."""
        traces = self.recent_traces(self.keep_traces)
        states = np.stack([t.layers[layer].h for t in traces])
        return pca_trajectory(states, self.position - len(traces) + 1)

    @property
    def rng(self) -> np.random.Generator:
        """The sampler's generator, made on first use: numpy.random takes ~50 ms to import,
        which the explorer's first view does not need."""
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
        return self._rng

    # --- changing --------------------------------------------------------------

    def reset(self, prompt: str | None = None, progress: Progress | None = None) -> bool:
        """Start again from `<bos>` and read `prompt` (None: the last prompt given), keeping
        the sampling settings. `progress(characters read, characters)` is called every
        `PROGRESS_EVERY` tokens; when it returns False reading stops and this returns False."""
        if prompt is None:
            prompt = self.prompt
        self.prompt = prompt
        self.tokens, self.surprisals, self.sources = [], [], []
        self._traces.clear()
        self._saved_states.clear()
        self._rng = None  # sampling starts again from the seed
        ids = self.model.tokenizer.encode(prompt)
        opening = self.model.opening(ids)
        skipped = len(opening) - len(ids)  # `<bos>` (or `<eos>` for an empty prompt)
        for token in opening[:skipped]:
            self._feed(token, "start")
        for count, token in enumerate(ids, start=1):
            self._feed(token, "start" if count == 1 and not skipped else "prompt")
            report = progress is not None and count % PROGRESS_EVERY == 0
            if report and not progress(round(len(prompt) * count / len(ids)), len(prompt)):
                return False
        return True

    def set_sampling(self, temperature: float, top_k: int) -> None:
        check_sampling(temperature, top_k)
        self.temperature, self.top_k = temperature, top_k

    def choose_next(self) -> int:
        """The next token by the current mode, from `choice_distribution` (what the panel
        shows); specials are never chosen."""
        if self.mode == "argmax":
            return int(np.argmax(self._choosable_logits()))
        return draw(self.choice_distribution(), self.rng)

    def advance(self) -> StepTrace:
        return self._feed(self.choose_next(), self.mode)

    def type_text(self, text: str, progress: Progress | None = None) -> bool:
        """Teacher forcing: feed the tokens of `text`. `progress` as for `reset`: when it
        returns False feeding stops there and this returns False."""
        ids = self.model.tokenizer.encode(text)
        for count, token in enumerate(ids, start=1):
            self._feed(token, "typed")
            report = progress is not None and count % PROGRESS_EVERY == 0
            if report and not progress(round(len(text) * count / len(ids)), len(text)):
                return False
        return True

    def copy(self) -> LanguageModelSession:
        """A session at the same step that goes on apart from this one (a worker reads a
        long text into it while this one is shown). The model and the step traces, which
        are never changed, are shared."""
        twin = copy.copy(self)
        twin.tokens, twin.surprisals = list(self.tokens), list(self.surprisals)
        twin.sources, twin._traces = list(self.sources), dict(self._traces)
        twin._saved_states = dict(self._saved_states)
        twin._rng = copy.deepcopy(self._rng)
        return twin

    def back(self) -> bool:
        """Undo the last step (never the `<bos>` step). False if nothing to undo."""
        if self.position == 0:
            return False
        self._traces.pop(self.position, None)
        self._saved_states.pop(self.position, None)
        self.tokens.pop()
        self.surprisals.pop()
        self.sources.pop()
        return True

    def _feed(self, token: int, source: str) -> StepTrace:
        if self.tokens:
            previous = self.current
            surprisal = -math.log(max(float(previous.probs[token]), 1e-45))
            state = previous.state
        else:  # nothing predicted the first token: `<bos>`, or a zero-state model's first word
            surprisal, state = math.nan, self.model.initial_state()
        trace = self.model.step(token, state)
        self.tokens.append(token)
        self.surprisals.append(surprisal)
        self.sources.append(source)
        self._traces[self.position] = trace
        self._traces.pop(self.position - self.keep_traces, None)
        if self.position % self.keep_traces == 0:
            self._saved_states[self.position] = trace.state
        return trace

    def _replay(self, step: int) -> None:
        """Recompute the traces of the `keep_traces` steps up to `step` (after they were
        dropped), from the last state saved before them: at most 2·keep_traces steps."""
        first_kept = max(0, step - self.keep_traces + 1)
        saved = [s for s in self._saved_states if s < first_kept]
        start = max(saved, default=-1)
        state = self._saved_states[start] if saved else self.model.initial_state()
        for s in range(start + 1, step + 1):
            trace = self.model.step(self.tokens[s], state)
            state = trace.state
            if s >= first_kept:
                self._traces[s] = trace
