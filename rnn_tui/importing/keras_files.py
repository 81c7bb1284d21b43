"""A Keras language model (`.keras`, Keras 3; `.h5`, Keras 2 / legacy) → PyTorch-named
tensors, read with zipfile, json and h5py: neither TensorFlow nor Keras is imported.

The model is a chain Embedding → SimpleRNN/GRU/LSTM layers (one cell type, one width,
`return_sequences=True`) → Dense, Dropout anywhere (inactive at inference). Keras
stores x·K (kernel `(In, G·H)`), PyTorch W·x (`(G·H, In)`): every matrix is
transposed. Gate order:

    LSTM   Keras i, f, c, o  =  PyTorch i, f, g, o          (same blocks)
    GRU    Keras z, r, h     →  PyTorch r, z, n             (blocks reordered)

Keras' GRU with `reset_after=True` (its default since 2.3) applies r after the
recurrent product, r ⊙ (U_h h + b_rh), with two bias rows (input, recurrent): that is
PyTorch's GRU exactly. `reset_after=False` applies r before it, U_h (r ⊙ h): a
different cell, refused. Keras' LSTM has one bias; it becomes b_u with b_w = 0.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from rnn_tui.errors import UserError
from rnn_tui.files import regular_file_size

RECURRENT = {"SimpleRNN": "rnn", "GRU": "gru", "LSTM": "lstm"}
SUPPORTED = "Embedding, SimpleRNN/GRU/LSTM, Dropout, Dense"
MAX_CONFIG_BYTES = 16 * 1024 * 1024
MAX_ARRAY_BYTES = 2 << 30  # one weight array; HDF5 compression can make a small file claim more


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise UserError("reading Keras files needs h5py: pip install 'rnn-tui[keras]'") from None
    return h5py


def _layers(config: Any, path: Path) -> list[dict[str, Any]]:
    """The model's layers in order, without InputLayer: (class_name, config) dicts."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise UserError(f"{path}: its model config is not a Keras model description")
    layers = config["config"].get("layers")
    if not isinstance(layers, list):
        raise UserError(f"{path}: a {config.get('class_name')} model without a list of layers")
    return [
        layer
        for layer in layers
        if isinstance(layer, dict) and layer.get("class_name") != "InputLayer"
    ]


def read_keras_file(path: Path) -> tuple[list[dict[str, Any]], dict[str, list[np.ndarray]]]:
    """The layers and each layer's weights (in Keras' order) of a .keras or .h5 file."""
    size = regular_file_size(path, str(path), "Keras model file")
    h5py = _h5py()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "config.json" not in names or "model.weights.h5" not in names:
                raise UserError(f"{path}: a zip file, but not a .keras model (no config.json)")
            if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                raise UserError(f"{path}: its config.json is too large to be a model's")
            config = json.loads(archive.read("config.json"))
            layers = _layers(config, path)
            with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as weights:
                return layers, _keras3_weights(weights, layers, path)
    try:
        handle = h5py.File(path, "r")
    except OSError:
        raise UserError(
            f"{path}: neither a .keras zip nor an HDF5 .h5 file ({size} bytes)"
        ) from None
    with handle:
        raw = handle.attrs.get("model_config")
        if raw is None:
            raise UserError(
                f"{path}: an HDF5 file without a model config (weights only? save the whole "
                "model with model.save)"
            )
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        layers = _layers(config, path)
        return layers, _legacy_weights(handle, layers, path)


def _snake_case(name: str) -> str:
    """Keras' file name for a layer class: `SimpleRNN` → `simple_rnn`, `LSTM` → `lstm`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _keras3_weights(
    weights: Any, layers: list[dict[str, Any]], path: Path
) -> dict[str, list[np.ndarray]]:
    """Keras 3 files a layer's variables under its class's snake-case name, numbered
    in model order (`layers/gru`, `layers/gru_1`, …), not under the layer's own name;
    a recurrent layer's are in `…/cell/vars/<i>`, others' in `…/vars/<i>`."""
    out: dict[str, list[np.ndarray]] = {}
    used: dict[str, int] = {}
    for layer in layers:
        base = _snake_case(str(layer.get("class_name", "")))
        used[base] = used.get(base, -1) + 1
        filed = base if used[base] == 0 else f"{base}_{used[base]}"
        group = weights.get(f"layers/{filed}")
        holder = None if group is None else (group.get("cell/vars") or group.get("vars"))
        count = len(holder) if holder is not None else 0
        out[layer["config"].get("name", "")] = [
            _bounded(holder[str(i)], path) for i in range(count)
        ]
    return out


def _legacy_weights(
    handle: Any, layers: list[dict[str, Any]], path: Path
) -> dict[str, list[np.ndarray]]:
    """Keras 2 / legacy .h5: `model_weights/<name>` lists its datasets in `weight_names`."""
    root = handle.get("model_weights", handle)
    out: dict[str, list[np.ndarray]] = {}
    for layer in layers:
        name = layer["config"].get("name", "")
        group = root.get(name)
        if group is None:
            out[name] = []
            continue
        names = [
            n.decode() if isinstance(n, bytes) else str(n)
            for n in group.attrs.get("weight_names", [])
        ]
        out[name] = [_bounded(group[n], path) for n in names]
    return out


def _bounded(dataset: Any, path: Path) -> np.ndarray:
    """A dataset's values, after checking what reading them would allocate."""
    size = int(np.prod(dataset.shape)) * dataset.dtype.itemsize
    if size > MAX_ARRAY_BYTES:
        raise UserError(f"{path}: a weight array claims {size:,} bytes; not read")
    return np.asarray(dataset)


def _gru_blocks(matrix: np.ndarray, hidden: int) -> np.ndarray:
    """Columns z, r, h (Keras) → r, z, n (PyTorch), on the last axis."""
    z, r, h = (matrix[..., k * hidden : (k + 1) * hidden] for k in range(3))
    return np.concatenate([r, z, h], axis=-1)


def _refuse(path: Path, layer: dict[str, Any], why: str) -> UserError:
    name = layer["config"].get("name", "?")
    return UserError(f"{path}: layer '{name}' ({layer.get('class_name')}) {why}")


def keras_language_model_tensors(path: Path) -> tuple[dict[str, np.ndarray], str]:
    """PyTorch-named tensors (embedding.weight, rnn.*, decoder.*) and the RNN's φ."""
    layers, weights = read_keras_file(path)
    kinds = [layer.get("class_name") for layer in layers]
    unknown = [k for k in kinds if k not in ("Embedding", "Dropout", "Dense", *RECURRENT)]
    if unknown:
        raise UserError(
            f"{path}: holds {', '.join(map(str, dict.fromkeys(unknown)))}; "
            f"a language model of {SUPPORTED} is read"
        )
    chain = [layer for layer in layers if layer.get("class_name") != "Dropout"]
    shape = [layer["class_name"] for layer in chain]
    middle = shape[1:-1]
    if (
        len(shape) < 3
        or shape[0] != "Embedding"
        or shape[-1] != "Dense"
        or not all(k in RECURRENT for k in middle)
    ):
        raise UserError(
            f"{path}: layers {' → '.join(shape)}; expected Embedding → recurrent layers → Dense"
        )
    if len(set(middle)) > 1:
        raise UserError(f"{path}: mixes {' and '.join(sorted(set(middle)))}; one cell type is read")
    cell = RECURRENT[middle[0]]
    tensors: dict[str, np.ndarray] = {}
    embedding = chain[0]
    (tensors["embedding.weight"],) = _take(weights, embedding, 1, path)
    nonlinearity, hidden = "tanh", None
    for k, layer in enumerate(chain[1:-1]):
        config = layer["config"]
        if not config.get("return_sequences"):
            raise _refuse(path, layer, "returns only its last state (return_sequences=False)")
        if config.get("go_backwards"):
            raise _refuse(path, layer, "reads backwards (go_backwards=True)")
        activation = config.get("activation", "tanh")
        if cell != "rnn" and activation != "tanh":
            raise _refuse(path, layer, f"has activation {activation!r}; tanh is read")
        if cell == "rnn":
            if activation not in ("tanh", "relu"):
                raise _refuse(path, layer, f"has activation {activation!r}; tanh or relu is read")
            nonlinearity = activation
        if cell != "rnn" and config.get("recurrent_activation", "sigmoid") != "sigmoid":
            raise _refuse(
                path, layer,
                f"has recurrent_activation {config.get('recurrent_activation')!r} "
                "(Keras 2's hard_sigmoid?); sigmoid is read",
            )  # fmt: skip
        if cell == "gru" and not config.get("reset_after", True):
            raise _refuse(
                path, layer,
                "has reset_after=False: r is applied before the recurrent product, a "
                "different GRU from PyTorch's and rnn-tui's (train with reset_after=True)",
            )  # fmt: skip
        use_bias = config.get("use_bias", True)
        values = _take(weights, layer, 3 if use_bias else 2, path)
        kernel, recurrent = values[0], values[1]
        units = recurrent.shape[0]
        if hidden is not None and units != hidden:
            raise _refuse(
                path, layer, f"has {units} units, the layer below {hidden}; one width is read"
            )
        hidden = units
        bias = values[2] if use_bias else np.zeros(kernel.shape[1], dtype=np.float32)
        if cell == "gru":
            kernel, recurrent = _gru_blocks(kernel, units), _gru_blocks(recurrent, units)
            bias = bias.reshape(-1, kernel.shape[1])
            b_u = _gru_blocks(bias[0], units)
            b_w = _gru_blocks(bias[1], units) if len(bias) > 1 else np.zeros_like(b_u)
        else:
            b_u, b_w = bias.reshape(-1), np.zeros(kernel.shape[1], dtype=np.float32)
        tensors[f"rnn.weight_ih_l{k}"] = kernel.T
        tensors[f"rnn.weight_hh_l{k}"] = recurrent.T
        tensors[f"rnn.bias_ih_l{k}"] = b_u
        tensors[f"rnn.bias_hh_l{k}"] = b_w
    dense = chain[-1]
    if dense["config"].get("activation") not in ("softmax", "linear", None):
        raise _refuse(path, dense, f"has activation {dense['config'].get('activation')!r}; "
                      "softmax (probabilities) or linear (logits) is read")  # fmt: skip
    dense_values = _take(weights, dense, 2 if dense["config"].get("use_bias", True) else 1, path)
    tensors["decoder.weight"] = dense_values[0].T
    if len(dense_values) > 1:
        tensors["decoder.bias"] = dense_values[1]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}, nonlinearity


def _take(
    weights: dict[str, list[np.ndarray]], layer: dict[str, Any], count: int, path: Path
) -> list[np.ndarray]:
    found = weights.get(layer["config"].get("name", ""), [])
    if len(found) != count:
        raise _refuse(path, layer, f"has {len(found)} weight arrays in the file, {count} expected")
    return found
