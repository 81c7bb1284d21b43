"""Checkpoint → NumPy model, with the tensor names and shapes checked first."""

from __future__ import annotations

from pathlib import Path

from rnn_tui.checkpoint import Checkpoint, load_checkpoint
from rnn_tui.config import ModelConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.engine.cells import GATE_COUNT
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.errors import UserError


def expected_lm_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor a language model of this config has, by its PyTorch name."""
    vocab, embed, hidden = config.vocab_size, config.embedding_dim, config.hidden_size
    shapes: dict[str, tuple[int, ...]] = {
        "embedding.weight": (vocab, embed),
        "decoder.weight": (vocab, hidden),
        "decoder.bias": (vocab,),
    }
    if config.cell == "ffnn":
        width = config.context * embed
        for k in range(config.num_layers):
            shapes[f"hidden_layers.{k}.weight"] = (hidden, width)
            shapes[f"hidden_layers.{k}.bias"] = (hidden,)
            width = hidden
        return shapes
    gates = GATE_COUNT[config.cell] * hidden
    for k in range(config.num_layers):
        shapes[f"rnn.weight_ih_l{k}"] = (gates, embed if k == 0 else hidden)
        shapes[f"rnn.weight_hh_l{k}"] = (gates, hidden)
        shapes[f"rnn.bias_ih_l{k}"] = (gates,)
        shapes[f"rnn.bias_hh_l{k}"] = (gates,)
    return shapes


def language_model_from_checkpoint(checkpoint: Checkpoint, path: Path | str) -> LanguageModel:
    try:
        config = ModelConfig.from_dict(checkpoint.meta["model_config"])
        tokenizer = Tokenizer.from_dict(checkpoint.meta["tokenizer"])
        config.validate()
    except (KeyError, TypeError, ValueError, UserError) as error:
        raise UserError(f"{path}: checkpoint metadata is incomplete or invalid ({error})") from None
    if len(tokenizer) != config.vocab_size:
        raise UserError(
            f"{path}: vocabulary has {len(tokenizer)} tokens "
            f"but the model expects {config.vocab_size}"
        )
    for name, shape in expected_lm_shapes(config).items():
        tensor = checkpoint.tensors.get(name)
        if tensor is None:
            raise UserError(f"{path}: checkpoint lacks tensor '{name}'")
        if tuple(tensor.shape) != shape:
            raise UserError(
                f"{path}: tensor '{name}' has shape {tuple(tensor.shape)}, expected {shape}"
            )
    return LanguageModel(config, tokenizer, checkpoint.tensors, checkpoint.meta)


def load_language_model(path: Path | str) -> LanguageModel:
    """Open an `lm` checkpoint in the NumPy engine (no torch needed)."""
    return language_model_from_checkpoint(load_checkpoint(Path(path), expected_kind="lm"), path)
