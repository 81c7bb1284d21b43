"""Models trained elsewhere, written as rnn-tui checkpoints (`rnn-tui import`).

NumPy only: a `torch.save` file is read without torch (`torch_files`), so importing
works in an install without the `train` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnn_tui.checkpoint import Checkpoint, save_checkpoint
from rnn_tui.errors import UserError
from rnn_tui.importing.language_models import Layout, build_language_model
from rnn_tui.importing.renumbering import sha256_beside, sha256_of
from rnn_tui.importing.torch_files import module_attributes, named_arrays, read_torch_file


def torch_language_model(
    source: Path,
    tokens: Sequence[str],
    tokenizer_kind: str,
    vocab_what: str,
    layout: Layout | None = None,
    card: dict[str, Any] | None = None,
    nonlinearity: str | None = None,
) -> Checkpoint:
    """A state dict or pickled module of embedding → RNN/GRU/LSTM → linear, as a checkpoint.

    An nn.RNN's φ (tanh or relu) is read from a pickled module; a state dict does not
    hold it, so there it is `nonlinearity`, or tanh (nn.RNN's default), said in the card.
    """
    from rnn_tui.importing.language_models import find_layout

    digest = sha256_beside(source)
    read = read_torch_file(source)
    tensors = named_arrays(read.content, source)
    layout_name = "given by --map"
    if layout is None:
        layout_name, layout = find_layout(tensors, source)
    attributes = module_attributes(read.content)
    recurrent = attributes.get(layout.rnn.rstrip("."), {})
    stored = (
        f"pickled module ({', '.join(sorted(read.classes))}); nothing in it was run"
        if read.classes
        else "state dict"
    )
    recorded = recurrent.get("nonlinearity")
    if nonlinearity and recorded and nonlinearity != recorded:
        raise UserError(f"--nonlinearity: {source} records {recorded!r}, not {nonlinearity!r}")
    phi = str(nonlinearity or recorded or "tanh")
    how = "recorded in the file" if recorded else ("given" if nonlinearity else "assumed")
    imported = {
        "source": str(source),
        "nonlinearity": f"{phi} ({how})",
        "sha256": "",  # filled in below, once the hashing thread is done
        "format": f"torch.save, {stored}",
        "layout": layout_name,
        "vocabulary": vocab_what,
    }
    checkpoint = build_language_model(
        tensors,
        layout,
        tokens,
        tokenizer_kind,
        str(source),
        vocab_what,
        {**(card or {}), "imported": imported},
        nonlinearity=phi,
    )
    checkpoint.meta["card"]["imported"]["sha256"] = digest()
    return checkpoint


def keras_language_model(
    source: Path,
    tokens: Sequence[str],
    tokenizer_kind: str,
    vocab_what: str,
    card: dict[str, Any] | None = None,
) -> Checkpoint:
    """A Keras Embedding → SimpleRNN/GRU/LSTM → Dense model (.keras or .h5) as a checkpoint."""
    from rnn_tui.importing.keras_files import keras_language_model_tensors

    tensors, phi = keras_language_model_tensors(source)
    imported = {
        "source": str(source),
        "sha256": sha256_of(source),
        "format": "Keras 3 (.keras)" if source.suffix == ".keras" else "Keras HDF5 (.h5)",
        "layout": "Keras Embedding → recurrent layers → Dense (matrices transposed; "
        "GRU gates z, r, h reordered to r, z, n)",
        "nonlinearity": f"{phi} (recorded in the file)",
        "vocabulary": vocab_what,
    }
    return build_language_model(
        tensors,
        Layout("embedding.weight", "rnn.", "decoder.weight"),
        tokens,
        tokenizer_kind,
        str(source),
        vocab_what,
        {**(card or {}), "imported": imported},
        nonlinearity=phi,
    )


def _array(tensor: Any) -> np.ndarray:
    """A torch tensor (or anything array-like) as a float32 NumPy array, without torch."""
    if hasattr(tensor, "detach"):
        tensor = tensor.detach().cpu().float().numpy()
    return np.asarray(tensor, dtype=np.float32)


def export_language_model(
    path: str | Path,
    *,
    embedding: Any,
    rnn: Any,
    head: Any,
    tokens: Sequence[str],
    tokenizer: str = "lines",
    card: dict[str, Any] | None = None,
) -> Path:
    """Write an rnn-tui checkpoint of a model built from `nn.Embedding`, `nn.RNN`/`nn.GRU`/
    `nn.LSTM` and `nn.Linear`; `tokens[i]` is the string of id i. Returns the path.

        import rnn_tui
        rnn_tui.export_language_model(
            "mine.safetensors", embedding=model.encoder, rnn=model.rnn,
            head=model.decoder, tokens=corpus.dictionary.idx2word,
        )
    """
    from rnn_tui.importing.language_models import build_language_model

    tensors = {"embedding.weight": _array(embedding.weight), "head.weight": _array(head.weight)}
    if getattr(head, "bias", None) is not None:
        tensors["head.bias"] = _array(head.bias)
    for name, value in rnn.state_dict().items():
        tensors[f"rnn.{name}"] = _array(value)
    out = Path(path)
    checkpoint = build_language_model(
        tensors,
        Layout("embedding.weight", "rnn.", "head.weight"),
        list(tokens),
        tokenizer,
        "export_language_model",
        "tokens",
        {
            "data": "not trained by rnn-tui (written by rnn_tui.export_language_model)",
            **(card or {}),
            "imported": {"format": "Python objects (rnn_tui.export_language_model)"},
        },
        nonlinearity=str(getattr(rnn, "nonlinearity", "tanh")),
    )
    save_checkpoint(out, checkpoint)
    return out


__all__ = ["export_language_model", "keras_language_model", "torch_language_model"]
