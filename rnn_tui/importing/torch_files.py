"""Tensors out of a `torch.save` file, without torch and without running anything in it.

A `torch.save` file is a zip archive: `<name>/data.pkl`, a pickle whose tensors point
(by "persistent ids") at raw storages `<name>/data/<key>`. A pickle is a program: its
GLOBAL opcodes name any importable callable and REDUCE calls it. This reader runs that
program with a fixed table instead of imports:

- the tensor rebuilders (`torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`) and
  the storage types become NumPy code that views the storage bytes;
- `collections.OrderedDict`, `set`, `frozenset` stay what they are;
- every other class (the user's `RNNModel`, `torch.nn.LSTM`) becomes a `Recorded`
  object: created with `__new__` of a plain stand-in, its pickled state kept as data,
  nothing of the class looked up or run. Calling such a name (REDUCE: a function
  call, the way a malicious pickle runs `os.system`) is refused.

So a whole pickled module (`torch.save(model, f)`, the default of PyTorch's
`word_language_model` example) gives the same tensors as its state dict.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnn_tui.errors import UserError
from rnn_tui.files import regular_file_size
from rnn_tui.importing.zip_members import StoredMembers

MAX_PICKLE_BYTES = 64 * 1024 * 1024
SAVE_A_STATE_DICT = "save a state dict instead: torch.save(model.state_dict(), 'model.pt')"

_STORAGE_DTYPES: dict[str, Any] = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16",
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class RefusedPickle(Exception):
    """The pickle asked for something this reader does not do."""


class Recorded:
    """An object of a class the reader did not construct: its name and pickled state."""

    origin = "?"
    state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


def _stand_in(origin: str) -> type:
    """A class for NEWOBJ to instantiate in place of `origin`; calling it is refused."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise RefusedPickle(f"it calls {origin}(…) while loading")

    def new(cls: type, *args: Any, **kwargs: Any) -> Recorded:
        return Recorded.__new__(cls)

    stand_in = type(origin, (Recorded,), {"__init__": refuse, "__new__": new, "origin": origin})
    stand_in.__module__ = "rnn_tui.importing.recorded"
    return stand_in


@dataclass(frozen=True)
class _StorageType:
    name: str


def _bfloat16_to_float32(raw: np.ndarray) -> np.ndarray:
    return (raw.astype(np.uint32) << 16).view(np.float32)


class _TorchUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, members: StoredMembers, prefix: str, path: Path) -> None:
        super().__init__(io.BytesIO(data))
        self.members, self.archive, self.prefix, self.path = members, members.archive, prefix, path
        self.storages: dict[str, np.ndarray] = {}
        self.classes: set[str] = set()

    def find_class(self, module: str, name: str) -> Any:
        origin = f"{module}.{name}"
        if origin in ("torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor"):
            return self.rebuild_tensor
        if origin in (
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
        ):
            return lambda data, *_: data
        if origin == "collections.OrderedDict":
            return OrderedDict
        if origin in ("builtins.set", "__builtin__.set"):
            return set
        if origin in ("builtins.frozenset", "__builtin__.frozenset"):
            return frozenset
        if module in ("torch", "torch.storage") and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "torch" and name in ("Size", "device", "dtype"):
            return _plain(origin)
        self.classes.add(origin)
        return _stand_in(origin)

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise RefusedPickle("it holds a persistent id that is not a tensor storage")
        _, kind, key, _location, count = pid
        if not isinstance(kind, _StorageType) or not isinstance(count, int):
            raise RefusedPickle("it holds a storage of an unknown type")
        if key not in self.storages:
            self.storages[key] = self.read_storage(str(key), kind, count)
        return self.storages[key]

    def read_storage(self, key: str, kind: _StorageType, count: int) -> np.ndarray:
        dtype = _STORAGE_DTYPES[kind.name]
        raw_dtype = np.dtype(np.uint16 if dtype == "bfloat16" else dtype)
        name = f"{self.prefix}/data/{key}"
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise UserError(f"{self.path}: damaged torch file (no storage {key!r})") from None
        if info.compress_type != zipfile.ZIP_STORED:  # torch.save never compresses them
            raise RefusedPickle(f"storage {key!r} is compressed (a zip bomb would fill memory)")
        if info.file_size != count * raw_dtype.itemsize:
            raise UserError(
                f"{self.path}: damaged torch file (storage {key!r} holds {info.file_size} bytes, "
                f"{count} × {raw_dtype.itemsize} expected)"
            )
        raw = self.members.read(info).view(raw_dtype.newbyteorder("<"))
        return _bfloat16_to_float32(raw) if dtype == "bfloat16" else raw

    @staticmethod
    def rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> np.ndarray:
        if not isinstance(storage, np.ndarray):
            raise RefusedPickle("it rebuilds a tensor from something that is not a storage")
        shape, strides = tuple(size), tuple(stride)
        if not all(isinstance(n, int) and n >= 0 for n in (offset, *shape, *strides)):
            raise RefusedPickle("it rebuilds a tensor with an impossible shape")
        if len(shape) != len(strides):
            raise RefusedPickle("it rebuilds a tensor with an impossible shape")
        if 0 in shape:
            return np.zeros(shape, dtype=storage.dtype)
        last = offset + sum((n - 1) * s for n, s in zip(shape, strides, strict=True))
        if last >= len(storage):
            raise RefusedPickle("a tensor reaches past the end of its storage")
        count = int(np.prod(shape))
        contiguous = [int(np.prod(shape[k + 1 :])) for k in range(len(shape))]
        if all(n == 1 or s == c for n, s, c in zip(shape, strides, contiguous, strict=True)):
            return storage[offset : offset + count].reshape(shape)  # a view: no copy
        item = storage.itemsize
        view = np.lib.stride_tricks.as_strided(
            storage[offset:], shape=shape, strides=[s * item for s in strides], writeable=False
        )
        return np.array(view)


def _plain(origin: str) -> Any:
    """torch.Size / device / dtype: plain values (a tuple, a string)."""
    if origin == "torch.Size":
        return tuple
    return lambda *args: f"{origin}{args!r}"


@dataclass
class TorchFile:
    """What a torch.save file held: its object (a dict of arrays, or `Recorded` modules)
    and the names of the classes it would have constructed."""

    content: Any
    classes: set[str]


def read_torch_file(path: Path) -> TorchFile:
    """Unpickle a `torch.save` zip file with the restricted table above."""
    size = regular_file_size(path, str(path), "torch.save file")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UserError(
            f"{path}: not a torch.save zip file ({size} bytes; a bare pickle or torch < 1.6 "
            f"is not read); with torch >= 1.6, {SAVE_A_STATE_DICT}"
        ) from None
    with archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise UserError(f"{path}: a zip file, but not one written by torch.save (no data.pkl)")
        info = archive.getinfo(pickles[0])
        if info.file_size > MAX_PICKLE_BYTES:
            raise UserError(f"{path}: its pickle is {info.file_size:,} bytes, too large to read")
        prefix = pickles[0].split("/")[0]
        order = (
            archive.read(f"{prefix}/byteorder")
            if f"{prefix}/byteorder" in archive.namelist()
            else b"little"
        )
        if order.strip() != b"little":
            raise UserError(f"{path}: saved on a big-endian machine; only little-endian is read")
        with StoredMembers(path, archive) as members:
            unpickler = _TorchUnpickler(archive.read(pickles[0]), members, prefix, path)
            try:
                content = unpickler.load()
                members.verify()
            except RefusedPickle as refusal:
                raise UserError(f"{path}: not read, {refusal}; {SAVE_A_STATE_DICT}") from None
            except (
                pickle.UnpicklingError,
                EOFError,
                TypeError,
                ValueError,
                AttributeError,
            ) as error:
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise UserError(
                    f"{path}: unreadable pickle ({reason}); {SAVE_A_STATE_DICT}"
                ) from None
    return TorchFile(content, unpickler.classes)


def named_arrays(content: Any, path: Path) -> dict[str, np.ndarray]:
    """The tensors of a state dict, or of a pickled module (its parameters and buffers by
    their state-dict names: `encoder.weight`, `rnn.weight_ih_l0`, …)."""
    if isinstance(content, dict) and all(isinstance(k, str) for k in content):
        if all(isinstance(v, np.ndarray) for v in content.values()):
            return dict(content)
        for key in ("state_dict", "model_state_dict", "model"):  # common training checkpoints
            if key in content:
                return named_arrays(content[key], path)
    if isinstance(content, Recorded):
        arrays: dict[str, np.ndarray] = {}
        _collect(content, "", arrays, depth=0)
        if arrays:
            return arrays
    raise UserError(
        f"{path}: holds no tensors by name (neither a state dict nor a pickled nn.Module)"
    )


def _collect(module: Recorded, prefix: str, arrays: dict[str, np.ndarray], depth: int) -> None:
    """Parameters and buffers of a recorded nn.Module and its submodules, by dotted name."""
    if depth > 64:
        raise UserError("the pickled module nests more than 64 levels deep")
    state = module.state if isinstance(module.state, dict) else {}
    for group in ("_parameters", "_buffers"):
        for name, value in (state.get(group) or {}).items():
            if isinstance(value, np.ndarray):
                arrays[f"{prefix}{name}"] = value
    for name, child in (state.get("_modules") or {}).items():
        if isinstance(child, Recorded):
            _collect(child, f"{prefix}{name}.", arrays, depth + 1)


def module_attributes(content: Any) -> dict[str, dict[str, Any]]:
    """Plain attributes (strings, numbers, booleans) of every recorded module, by dotted
    name ("" for the top): what a state dict lacks, such as `nonlinearity` of an nn.RNN."""
    found: dict[str, dict[str, Any]] = {}

    def visit(module: Recorded, prefix: str, depth: int) -> None:
        state = module.state if isinstance(module.state, dict) else {}
        plain = {
            k: v
            for k, v in state.items()
            if isinstance(v, str | int | float | bool) and not k.startswith("_")
        }
        found[prefix.rstrip(".")] = {"class": module.origin, **plain}
        for name, child in (state.get("_modules") or {}).items():
            if isinstance(child, Recorded) and depth < 64:
                visit(child, f"{prefix}{name}.", depth + 1)

    if isinstance(content, Recorded):
        visit(content, "", 0)
    return found
