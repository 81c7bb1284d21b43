"""Writing the safetensors format straight from NumPy arrays, without building the file
in memory first.

The format: an 8-byte little-endian length N, N bytes of UTF-8 JSON naming each tensor's
dtype, shape and byte range (`data_offsets`, from the end of the header) and holding the
string-to-string `__metadata__`, then the tensors' bytes, C order, little-endian, end to
end. The header is padded with spaces so that the data starts 8-byte aligned, as the
reference writer does. `safetensors.numpy.save` copies every tensor twice (to bytes, then
into one buffer) before a byte reaches the disk: for a 114 MB checkpoint that was most of
the time `rnn-tui import` spent writing (`bench/import_speed.py`).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np

DTYPE_NAMES = {
    np.dtype(np.float64): "F64",
    np.dtype(np.float32): "F32",
    np.dtype(np.float16): "F16",
    np.dtype(np.int64): "I64",
    np.dtype(np.int32): "I32",
    np.dtype(np.int16): "I16",
    np.dtype(np.int8): "I8",
    np.dtype(np.uint8): "U8",
    np.dtype(np.bool_): "BOOL",
}


def stored_form(array: np.ndarray) -> np.ndarray:
    """The array as the file holds it: C-contiguous and little-endian (a copy only if
    it is not already)."""
    native = np.dtype(array.dtype).newbyteorder("=")
    if native not in DTYPE_NAMES:
        raise TypeError(f"safetensors has no dtype for {array.dtype}")
    return np.ascontiguousarray(array, dtype=native.newbyteorder("<"))


def header_bytes(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> bytes:
    """The length-prefixed JSON header for `tensors` laid out end to end in this order."""
    header: dict[str, object] = {"__metadata__": dict(metadata)} if metadata else {}
    offset = 0
    for name, array in tensors.items():
        header[name] = {
            "dtype": DTYPE_NAMES[np.dtype(array.dtype).newbyteorder("=")],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text


def write_safetensors(
    stream: BinaryIO, tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]
) -> None:
    """Write `tensors` and `metadata` to `stream` as a safetensors file."""
    stored = {name: stored_form(array) for name, array in tensors.items()}
    stream.write(header_bytes(stored, metadata))
    for array in stored.values():
        if array.nbytes:
            stream.write(memoryview(array.reshape(-1).view(np.uint8)))
