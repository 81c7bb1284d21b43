"""The vocabulary of a model trained elsewhere: from a file, or rebuilt from its corpus."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rnn_tui.data.corpus import read_text_file
from rnn_tui.data.vocab import EOS
from rnn_tui.errors import UserError

CORPUS_FILES = ("train.txt", "valid.txt", "test.txt")


def read_vocab_file(path: Path) -> list[str]:
    """One token per line, line n = id n; or a JSON list of strings (`.json`), which can
    hold tokens a line cannot (a newline, a space) for character-level models."""
    what = f"--vocab {path}"
    text = read_text_file(path, "--vocab")
    if path.suffix == ".json":
        try:
            tokens = json.loads(text)
        except json.JSONDecodeError as error:
            raise UserError(f"{what}: not valid JSON (line {error.lineno})") from None
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise UserError(f"{what}: expected a JSON list of strings")
        return tokens
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    tokens = [line.removesuffix("\r") for line in lines]
    if not tokens:
        raise UserError(f"{what}: holds no tokens")
    return tokens


def corpus_vocab(folder: Path) -> list[str]:
    """The vocabulary PyTorch's `word_language_model` example builds (`data.Corpus`): the
    words of train.txt, then valid.txt, then test.txt, in order of first appearance,
    each line's words followed by `<eos>`."""
    what = f"--vocab-from-corpus {folder}"
    if not folder.is_dir():
        raise UserError(f"{what}: not a folder (expected one holding {', '.join(CORPUS_FILES)})")
    seen: dict[str, None] = {}
    for name in CORPUS_FILES:
        path = folder / name
        if not path.exists():
            raise UserError(f"{what}: lacks {name} (expected {', '.join(CORPUS_FILES)})")
        text = read_text_file(path, "--vocab-from-corpus")
        # Lines as `open(…, encoding="utf8")` yields them (universal newlines: \n, \r\n,
        # \r), as the example iterates; str.splitlines() would also break at \x0b, \x85…
        for line in io.StringIO(text, newline=None):
            for word in [*line.split(), EOS]:
                seen.setdefault(word, None)
    return list(seen)
