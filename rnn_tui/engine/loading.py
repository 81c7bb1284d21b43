"""Checkpoint → NumPy model, with the tensor names and shapes checked first."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rnn_tui.checkpoint import Checkpoint, load_checkpoint
from rnn_tui.config import ModelConfig, SettingError, TranslatorConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.engine.cells import GATE_COUNT
from rnn_tui.engine.lm import LanguageModel
from rnn_tui.errors import UserError

if TYPE_CHECKING:
    from rnn_tui.engine.translator import Translator


def expected_lm_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor a language model of this config has, by its PyTorch name."""
    vocab, embed, hidden = config.vocab_size, config.embedding_dim, config.hidden_size
    shapes: dict[str, tuple[int, ...]] = {"embedding.weight": (vocab, embed)}
    if config.softmax == "adaptive":
        cutoffs = [*config.adaptive_cutoffs(), vocab]
        shapes["adaptive.head.weight"] = (cutoffs[0] + len(cutoffs) - 1, hidden)
        for i in range(len(cutoffs) - 1):
            width = hidden // (4 ** (i + 1))
            shapes[f"adaptive.tail.{i}.0.weight"] = (width, hidden)
            shapes[f"adaptive.tail.{i}.1.weight"] = (cutoffs[i + 1] - cutoffs[i], width)
    else:
        shapes["decoder.weight"] = (vocab, hidden)
        shapes["decoder.bias"] = (vocab,)
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


@contextlib.contextmanager
def metadata_errors(path: Path | str) -> Iterator[None]:
    """Whatever reading the configs and vocabularies raises, as one line naming the file:
    a setting by its field (`model_config.hidden_size`), a missing key, a wrong value."""
    try:
        yield
    except SettingError as error:
        raise UserError(f"{path}: {error.render(lambda f: f'model_config.{f}')}") from None
    except KeyError as error:
        raise UserError(f"{path}: checkpoint metadata lacks {error}") from None
    except (TypeError, ValueError, UserError) as error:
        raise UserError(f"{path}: checkpoint metadata is invalid ({error})") from None


def _check_layer_count(
    layers: int, per_layer: int, checkpoint: Checkpoint, path: Path | str
) -> None:
    """Refuse a layer count the file's tensors cannot hold, before any list of expected
    tensors is built from it (a crafted `num_layers = 10**9` would fill memory)."""
    if layers * per_layer > len(checkpoint.tensors):
        raise UserError(
            f"{path}: model_config.num_layers is {layers}, but the file holds only "
            f"{len(checkpoint.tensors)} tensors ({per_layer} per layer needed)"
        )


def language_model_from_checkpoint(checkpoint: Checkpoint, path: Path | str) -> LanguageModel:
    with metadata_errors(path):
        config = ModelConfig.from_dict(checkpoint.meta["model_config"])
        tokenizer = Tokenizer.from_dict(checkpoint.meta["tokenizer"])
        config.validate()
    _check_layer_count(config.num_layers, 2 if config.cell == "ffnn" else 4, checkpoint, path)
    tensors = checkpoint.tensors
    if config.tie_weights and "decoder.weight" not in tensors and "embedding.weight" in tensors:
        tensors["decoder.weight"] = tensors["embedding.weight"]  # tied: stored once (imports)
    if len(tokenizer) != config.vocab_size:
        raise UserError(
            f"{path}: vocabulary has {len(tokenizer)} tokens "
            f"but the model expects {config.vocab_size}"
        )
    _check_shapes(checkpoint, expected_lm_shapes(config), path)
    return LanguageModel(config, tokenizer, checkpoint.tensors, checkpoint.meta)


def load_language_model(path: Path | str) -> LanguageModel:
    """Open an `lm` checkpoint in the NumPy engine (no torch needed)."""
    return language_model_from_checkpoint(load_checkpoint(Path(path), expected_kind="lm"), path)


def expected_translator_shapes(config: TranslatorConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor a translator of this config has, by its PyTorch name."""
    embed, hidden, width = config.embedding_dim, config.hidden_size, config.state_size
    gates = GATE_COUNT[config.cell]
    shapes: dict[str, tuple[int, ...]] = {
        "source_embedding.weight": (config.source_vocab_size, embed),
        "target_embedding.weight": (config.target_vocab_size, embed),
        "output.weight": (config.target_vocab_size, width),
        "output.bias": (config.target_vocab_size,),
    }
    if not config.plain:
        shapes |= {
            "bridge.weight": (width, width),
            "bridge.bias": (width,),
            "combine.weight": (width, 2 * width),
            "combine.bias": (width,),
        }
    for k in range(config.num_layers):
        for suffix in ["", "_reverse"][: config.directions]:
            shapes[f"encoder.weight_ih_l{k}{suffix}"] = (gates * hidden, embed if k == 0 else width)
            shapes[f"encoder.weight_hh_l{k}{suffix}"] = (gates * hidden, hidden)
            shapes[f"encoder.bias_ih_l{k}{suffix}"] = (gates * hidden,)
            shapes[f"encoder.bias_hh_l{k}{suffix}"] = (gates * hidden,)
        shapes[f"decoder.weight_ih_l{k}"] = (gates * width, embed if k == 0 else width)
        shapes[f"decoder.weight_hh_l{k}"] = (gates * width, width)
        shapes[f"decoder.bias_ih_l{k}"] = (gates * width,)
        shapes[f"decoder.bias_hh_l{k}"] = (gates * width,)
    if config.cell == "lstm" and not config.plain:
        shapes["bridge_cell.weight"] = (width, width)
        shapes["bridge_cell.bias"] = (width,)
    if config.self_attention:
        for name in ("query", "key", "value"):
            shapes[f"self_attention.{name}.weight"] = (width, width)
    if config.attention == "general":
        shapes["score_general.weight"] = (width, width)
    if config.attention == "additive":
        shapes["score_query.weight"] = (width, width)
        shapes["score_key.weight"] = (width, width)
        shapes["score_key.bias"] = (width,)
        shapes["score_v.weight"] = (1, width)
    return shapes


def _check_shapes(
    checkpoint: Checkpoint, expected: dict[str, tuple[int, ...]], path: Path | str
) -> None:
    for name, shape in expected.items():
        tensor = checkpoint.tensors.get(name)
        if tensor is None:
            raise UserError(f"{path}: checkpoint lacks tensor '{name}'")
        if tuple(tensor.shape) != shape:
            raise UserError(
                f"{path}: tensor '{name}' has shape {tuple(tensor.shape)}, expected {shape}"
            )
        if not np.isfinite(tensor).all():
            raise UserError(f"{path}: tensor '{name}' holds NaN or infinite values (damaged file?)")


def translator_from_checkpoint(checkpoint: Checkpoint, path: Path | str) -> Translator:
    with metadata_errors(path):
        config = TranslatorConfig.from_dict(checkpoint.meta["model_config"])
        source = Tokenizer.from_dict(checkpoint.meta["source_tokenizer"])
        target = Tokenizer.from_dict(checkpoint.meta["target_tokenizer"])
        config.validate()
    _check_layer_count(config.num_layers * 2, 4, checkpoint, path)  # encoder and decoder
    for side, tokenizer, size in (
        ("source", source, config.source_vocab_size),
        ("target", target, config.target_vocab_size),
    ):
        if len(tokenizer) != size:
            raise UserError(
                f"{path}: {side} vocabulary has {len(tokenizer)} tokens "
                f"but the model expects {size}"
            )
    _check_shapes(checkpoint, expected_translator_shapes(config), path)
    from rnn_tui.engine.translator import Translator  # not loaded for language models

    return Translator(config, source, target, checkpoint.tensors, checkpoint.meta)


def load_translator(path: Path | str) -> Translator:
    """Open a `translator` checkpoint in the NumPy engine (no torch needed)."""
    return translator_from_checkpoint(load_checkpoint(Path(path), expected_kind="translator"), path)
