"""Several language models reading the same text in lock-step (no UI).

The leader (the first model, or whichever is chosen) picks each next token by
argmax; every other model is fed the same token, so their surprisals and
next-token distributions are for exactly the same history.
"""

from __future__ import annotations

from pathlib import Path

from rnn_tui.engine.lm import LanguageModel
from rnn_tui.session.lm import LanguageModelSession, Progress


class CompareSession:
    def __init__(self, models: list[tuple[Path, LanguageModel]], prompt: str = "") -> None:
        self.names = [path.stem for path, _ in models]
        self.sessions = [LanguageModelSession(model) for _, model in models]
        for session in self.sessions:
            session.mode = "argmax"
        self.leader = 0
        self.reset(prompt)

    def reset(self, prompt: str, progress: Progress | None = None) -> bool:
        """Every model starts again and reads `prompt`, one after another; `progress`
        counts the characters of all of them, and False from it stops the reading (this
        returns False)."""
        total = len(prompt) * len(self.sessions)
        for index, session in enumerate(self.sessions):
            if progress is None:
                session.reset(prompt)
                continue
            before = index * len(prompt)
            if not session.reset(prompt, lambda done, _, b=before: progress(b + done, total)):
                return False
        return True

    def step(self) -> None:
        leader = self.sessions[self.leader]
        leader.advance()
        text = leader.model.tokenizer.token_text(leader.tokens[-1])
        for index, session in enumerate(self.sessions):
            if index != self.leader:
                session.type_text(text)

    def back(self) -> None:
        for session in self.sessions:
            session.back()

    def next_leader(self) -> None:
        self.leader = (self.leader + 1) % len(self.sessions)
