"""Chapter 3: the language-model loss, −log p(w_1 … w_m) = −Σ log p(w_i | w_<i)."""

from __future__ import annotations

import math

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.structure import Chapter, Exercise

TEXT = "To be, or not to be"
SHOWN = 12  # tokens listed one by one; earlier ones are summed in one line
EASY = 1.8  # nats per token: the bundled RNN's validation loss is 1.52


class LossLive:
    """A character RNN reading a fixed line (→ reads one more character) or your own."""

    def __init__(self) -> None:
        # Here, not at the top: the chapter list imports every chapter, and must not
        # wait for NumPy and the engine.
        from rnn_tui.session.lessons.models import bundled_language_model
        from rnn_tui.session.lm import LanguageModelSession

        self.model = bundled_language_model("shakespeare-rnn")
        self.session = LanguageModelSession(self.model)
        self.text = TEXT
        self.session.reset(self.text[:6])

    def read(self) -> list[tuple[str, float, float]]:
        """(token, p(w_i | w_<i), −log p) for every token read after `<bos>`."""
        s = self.session
        text_of = self.model.tokenizer.token_text
        pairs = zip(s.tokens[1:], s.surprisals[1:], strict=True)
        return [(text_of(t), math.exp(-n), n) for t, n in pairs]

    def loss(self) -> float:
        return sum(n for _, _, n in self.read())

    def per_token(self) -> float:
        """L/m (infinite before any token is read)."""
        read = self.read()
        return self.loss() / len(read) if read else math.inf

    def panel(self) -> list[str]:
        read = self.read()
        lines = ["  i  w_i   p(w_i | w_<i)   −log p"]
        earlier = read[:-SHOWN] if len(read) > SHOWN else []
        if earlier:
            lines.append(f"  1–{len(earlier)}: {len(earlier)} earlier tokens, "
                         f"Σ −log p = {sum(n for _, _, n in earlier):.4f}")  # fmt: skip
        for i, (token, p, nats) in enumerate(read[len(earlier) :], start=len(earlier) + 1):
            lines.append(f"{i:3d}  {token!r:5} {p:13.4f}   {nats:7.4f}")
        lines.append(f"m = {len(read)} tokens read after <bos>")
        return lines

    def step(self) -> bool:
        read = self.model.tokenizer.decode(self.session.tokens)
        if not self.text.startswith(read) or len(read) >= len(self.text):
            return False
        self.session.type_text(self.text[len(read)])
        return True

    def back(self) -> bool:
        return self.session.back()

    def type_text(self, text: str) -> str:
        self.text = text
        self.session.reset(text)
        return f"read {len(self.read())} tokens of your text"

    def set_value(self, text: str) -> str:
        return "this chapter has no values to set"


CHAPTER = Chapter(
    number=3,
    title=title(3),
    text=[
        "A language model gives each next token a probability, p(w_i | w_1 … w_i−1).",
        "The chain rule makes the probability of a whole text their product,",
        "    p(w_1 … w_m) = Π_i p(w_i | w_<i),",
        "and its negative log a sum: the loss L = −log p(w_1 … w_m) = −Σ_i log p(w_i | w_<i).",
        "Each term is the model's surprise at one token: near 0 when it expected it, large",
        "when it did not. Training lowers the sum over the training text: it moves U, W and",
        "V so that what comes next gets more probability. L/m is the loss per token in",
        "nats, and exp(L/m), the perplexity, is the number of equally likely choices that",
        "would surprise the model as much. Below (Live) a character RNN reads a line.",
    ],
    keys="→ reads the next character, ← undoes it, t reads a text of your own",
    open_live=LossLive,
    exercises=[
        Exercise(
            "loss",
            "Add up the surprisals: what is L = −log p(w_1 … w_m) of the text read, in nats?",
            "Sum the −log p column (and the line of earlier tokens, if there is one).",
            expected=lambda live: live.loss(),  # type: ignore[attr-defined]
        ),
        Exercise(
            "perplexity",
            "What is the perplexity exp(L/m) of the text read?",
            "Divide your L by m, the number of tokens, then take exp.",
            expected=lambda live: math.exp(live.per_token()),  # type: ignore[attr-defined]
        ),
        Exercise(
            "easy",
            f"Give the model a text it finds easy: bring the loss per token L/m below {EASY} nats.",
            "Press t and type ordinary lower-case English; longer texts give it context.",
            reached=lambda live: live.per_token() < EASY,  # type: ignore[attr-defined]
        ),
    ],
)
