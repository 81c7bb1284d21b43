"""The bundled models the lessons read (NumPy engine, no torch)."""

from __future__ import annotations

from pathlib import Path

from rnn_tui.bundled import bundled_models
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.loading import load_language_model, load_translator
from rnn_tui.engine.translator import Translator
from rnn_tui.errors import UserError


def bundled_path(stem: str) -> Path:
    for path in bundled_models():
        if path.stem == stem:
            return path
    raise UserError(f"the lesson needs the bundled model {stem}, which this install lacks")


def bundled_language_model(stem: str) -> LanguageModel:
    return load_language_model(bundled_path(stem))


def bundled_translator(stem: str) -> Translator:
    return load_translator(bundled_path(stem))
