"""Chapter 1: why recurrence — an RNN against a fixed-window language model."""

from __future__ import annotations

from rnn_tui.session.lessons.contents import title
from rnn_tui.session.lessons.structure import Chapter, Exercise

RECURRENT, WINDOW = "shakespeare-rnn", "shakespeare-window"
TEXT = (
    "KING HENRY:\nWhat news, my lord of Warwick? Speak it plainly.\n\n"
    "WARWICK:\nMy gracious lord, the rebels have gone home.\n\n"
    "KING HENRY:\nThen Warwick shall be thanked."
)
START = 6  # characters read when the chapter opens
SHOWN = 8  # characters listed one by one
FAR_BETTER = 1.5  # nats: the RNN is this much less surprised


class RecurrenceLive:
    """The bundled character RNN and a fixed-window model of about its size read the
    same text; → reads one more character into both."""

    def __init__(self) -> None:
        from rnn_tui.session.lessons.models import bundled_language_model
        from rnn_tui.session.lm import LanguageModelSession

        self.models = {name: bundled_language_model(name) for name in (RECURRENT, WINDOW)}
        self.sessions = {name: LanguageModelSession(m) for name, m in self.models.items()}
        self.window = self.models[WINDOW].config.context
        self.text = TEXT
        self.read_to(START)

    def read_to(self, count: int) -> None:
        for session in self.sessions.values():
            session.reset(self.text[:count])
        self.count = count

    def surprisals(self, name: str) -> list[float]:
        """−log p (nats) of each character read, for model `name`."""
        return self.sessions[name].surprisals[1:]

    def means(self) -> tuple[float, float]:
        """Mean −log p per character read, (RNN, window)."""
        rnn, window = self.surprisals(RECURRENT), self.surprisals(WINDOW)
        return sum(rnn) / len(rnn), sum(window) / len(window)

    def last_gap(self) -> float:
        """The window model's −log p of the last character minus the RNN's."""
        return self.surprisals(WINDOW)[-1] - self.surprisals(RECURRENT)[-1]

    def panel(self) -> list[str]:
        read = self.text[: self.count]
        rnn, window = self.surprisals(RECURRENT), self.surprisals(WINDOW)
        seen = read[-self.window :]
        lines = [
            f"the window model sees only the last {self.window} characters: {seen!r}; "
            f"the RNN has read all {self.count}",
            "  char      RNN −log p   window −log p",
        ]
        first = max(0, self.count - SHOWN)
        for k in range(first, self.count):
            lines.append(f"  {read[k]!r:8} {rnn[k]:12.4f} {window[k]:15.4f}")
        mean_rnn, mean_window = self.means()
        lines.append(
            f"mean over the {self.count} characters: RNN {mean_rnn:.4f}, "
            f"window {mean_window:.4f} nats"
        )
        cards = {
            n: m.meta.get("card", {}).get("validation", {}).get("val_loss")
            for n, m in self.models.items()
        }
        if all(isinstance(v, float) for v in cards.values()):
            lines.append(
                f"held-out plays (model cards, measured in training): RNN {cards[RECURRENT]:.4f}, "
                f"window {cards[WINDOW]:.4f} nats per character"
            )
        return lines

    def step(self) -> bool:
        if self.count >= len(self.text):
            return False
        for session in self.sessions.values():
            session.type_text(self.text[self.count])
        self.count += 1
        return True

    def back(self) -> bool:
        if self.count <= 1:
            return False
        for session in self.sessions.values():
            session.back()
        self.count -= 1
        return True

    def type_text(self, text: str) -> str:
        self.text = text or TEXT
        self.read_to(len(self.text))
        return f"both models read your {self.count} characters"

    def set_value(self, text: str) -> str:
        return "this chapter has no values to set; t gives a new text"


CHAPTER = Chapter(
    number=1,
    title=title(1),
    text=[
        "A language model gives the probability of the next token from the ones before.",
        "The simplest one looks at a fixed window: the last K tokens, embedded, through",
        "feed-forward layers to a softmax. Whatever lies further back is invisible to it.",
        "A recurrent network carries a state instead,",
        "    s_t = φ(W s_{t−1} + U x_t + b),   y_t = softmax(V s_t),",
        "so every token read so far can shape the prediction, through the same W, U",
        "and V at each step. The two models here have 240,338 and 223,442 weights and",
        "learnt from the same plays; the window model sees 8 characters. Step through it and",
        "compare their surprisal −log p character by character: look for the places",
        "where knowing more than 8 characters back helps.",
    ],
    keys="→/← reads one character more or less, t gives both models a text of your own",
    open_live=RecurrenceLive,
    exercises=[
        Exercise(
            "mean",
            "What is the window model's mean −log p per character over the text read?",
            "It is the last line but one: the window column's mean.",
            expected=lambda live: live.means()[1],  # type: ignore[attr-defined]
        ),
        Exercise(
            "further",
            "Step to a character the RNN predicts far better: −log p lower by over "
            f"{FAR_BETTER:g} nats.",
            "Try the colon after a speaker's name: the window no longer sees that the "
            "line began with the name.",
            reached=lambda live: live.last_gap() > FAR_BETTER,  # type: ignore[attr-defined]
        ),
    ],
)
