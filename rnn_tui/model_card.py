"""A model card from a loaded model: what it is, what it was trained on, how well it does."""

from __future__ import annotations

from typing import Any

from rnn_tui.config import describe_translator
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.engine.translator import Translator


def _figure(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def _count(value: Any) -> str:
    """An integer count with thousands separators; anything else (a damaged card) as is."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _object(value: Any) -> dict[str, Any]:
    """A card entry that should hold an object; a damaged file may hold anything."""
    return value if isinstance(value, dict) else {}


def model_card_rows(model: LanguageModel) -> list[tuple[str, Any]]:
    """(field, value) pairs in reading order."""
    config = model.config
    card = model.meta.get("card", {})
    history = model.meta.get("history", {})
    data = model.meta.get("data_config", {})
    architecture = (
        f"{config.cell.upper()} window LM, context {config.context}, "
        f"{config.num_layers}×{config.hidden_size} tanh MLP"
        if config.cell == "ffnn"
        else f"{config.cell.upper()}{' (relu)' if config.nonlinearity == 'relu' else ''} "
        f"language model, {config.num_layers} layer(s) × {config.hidden_size} units"
    )
    rows: list[tuple[str, Any]] = [
        ("kind", "lm"),
        ("model", architecture),
        ("embedding", config.embedding_dim),
        ("dropout", config.dropout),
        ("tied weights", config.tie_weights),
        ("parameters", f"{model.parameter_count():,}"),
        ("tokenizer", f"{model.tokenizer.kind}, vocabulary {len(model.tokenizer):,}"),
        ("data", card.get("data", data.get("source", "?"))),
        ("licence", card.get("licence", "?")),
    ]
    if "imported" in card:
        return rows + imported_rows(card)
    rows += [
        ("split", f"{data.get('split', '?')}, validation {data.get('val_fraction', '?')}"),
        ("tokens seen", _count(history.get("tokens", 0))),
    ]
    return rows + training_rows(card, history)


def imported_rows(card: dict[str, Any]) -> list[tuple[str, Any]]:
    """Where an imported model came from and how its tensors were mapped."""
    imported = _object(card.get("imported"))
    rows: list[tuple[str, Any]] = [
        (name, imported[key])
        for name, key in (
            ("imported from", "source"),
            ("SHA-256", "sha256"),
            ("format", "format"),
            ("layout", "layout"),
            ("nonlinearity", "nonlinearity"),
            ("vocabulary", "vocabulary"),
        )
        if key in imported
    ]
    if imported.get("placeholders"):
        rows.append(("placeholders", f"{', '.join(map(str, imported['placeholders']))} (p = 0)"))
    if imported.get("decoding"):
        rows.append(("decoding", imported["decoding"]))
    mapping = _object(imported.get("mapping"))
    rows += [(f"  {ours}", theirs) for ours, theirs in mapping.items()]
    rows.append(("command", card.get("command", "?")))
    return rows


def training_rows(card: dict[str, Any], history: dict[str, Any]) -> list[tuple[str, Any]]:
    """How a model was trained and how well it does: rows shared by every kind of card."""
    rows: list[tuple[str, Any]] = [
        ("steps", history.get("steps", "?")),
        ("epochs", history.get("epochs", "?")),
        ("training time", f"{card.get('training_time_s', '?')} s"),
        ("machine", card.get("machine", "?")),
        ("torch", card.get("torch", "?")),
        ("command", card.get("command", "?")),
        ("storage", card.get("storage", "float32")),
    ]
    for name, value in _object(card.get("validation")).items():
        rows.append((name, _figure(value)))
    for name in ("val_loss", "exact_match"):
        if f"best_{name}" in history:
            rows.append((f"best {name}", _figure(history[f"best_{name}"])))
    if card.get("notes"):
        rows.append(("notes", card["notes"]))
    if history.get("interrupted"):
        rows.append(("note", "training was interrupted before its budget was spent"))
    return rows


def translator_card_rows(model: Translator) -> list[tuple[str, Any]]:
    """(field, value) pairs for a translator, in reading order."""
    config = model.config
    card = model.meta.get("card", {})
    history = model.meta.get("history", {})
    pairs = model.meta.get("pairs_config", {})
    parameters = sum(int(t.size) for t in model.tensors.values())
    rows: list[tuple[str, Any]] = [
        ("kind", "translator"),
        ("model", describe_translator(config)),
        ("embedding", config.embedding_dim),
        ("parameters", f"{parameters:,}"),
        (
            "tokenizers",
            f"source {model.source_tokenizer.kind} ({len(model.source_tokenizer):,}), "
            f"target {model.target_tokenizer.kind} ({len(model.target_tokenizer):,})",
        ),
        ("data", card.get("data", pairs.get("source", "?"))),
    ]
    if "imported" in card:
        rows.append(("licence", card.get("licence", "?")))
        if card.get("notes"):
            rows.append(("notes", card["notes"]))
        return rows + imported_rows(card)
    rows += [("pairs", card.get("pairs", "?")), ("licence", card.get("licence", "?"))]
    return rows + training_rows(card, history)
