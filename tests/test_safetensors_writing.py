"""Checkpoints are written by our own safetensors writer: the reference implementation
(the safetensors package, in Rust) must read back every tensor bit for bit."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load

from rnn_tui.importing.renumbering import Renumbering, rows_by_id
from rnn_tui.safetensors_writing import write_safetensors


def written(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    stream = io.BytesIO()
    write_safetensors(stream, tensors, metadata)
    return stream.getvalue()


def test_the_reference_reader_reads_back_every_dtype_and_layout(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base = rng.standard_normal((5, 7)).astype(np.float32)
    tensors = {
        "f32": base,
        "transposed": base.T,  # not contiguous: written in C order
        "big_endian": rng.standard_normal(6).astype(">f8"),
        "f16": rng.standard_normal((2, 3)).astype(np.float16),
        "i64": np.arange(-3, 9, dtype=np.int64).reshape(3, 4),
        "i32": np.arange(5, dtype=np.int32),
        "i16": np.arange(4, dtype=np.int16),
        "i8": np.arange(-2, 3, dtype=np.int8),
        "u8": np.arange(250, 256, dtype=np.uint8),
        "bool": np.array([True, False, True]),
        "scalar": np.float32(2.5) * np.ones((), dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "ünïcode name": np.ones(3, dtype=np.float32),
    }
    metadata = {"format": "rnn-tui", "card": '{"note": "é ✓"}'}
    data = written(tensors, metadata)
    (header_length,) = struct.unpack("<Q", data[:8])
    assert (8 + header_length) % 8 == 0  # the tensors start 8-byte aligned
    read = load(data)
    assert set(read) == set(tensors)
    for name, array in tensors.items():
        assert read[name].dtype == array.dtype.newbyteorder("=") or name == "big_endian"
        np.testing.assert_array_equal(read[name], array, err_msg=name)
    path = tmp_path / "t.safetensors"
    path.write_bytes(data)
    with safe_open(path, framework="np") as handle:
        assert handle.metadata() == metadata


def test_a_dtype_the_format_lacks_is_refused() -> None:
    with pytest.raises(TypeError, match="complex64"):
        written({"z": np.zeros(2, dtype=np.complex64)}, {})


@pytest.mark.parametrize("seed", range(6))
def test_rows_move_as_np_take_moves_them(seed: int) -> None:
    """The run-by-run copy gives the rows `np.take` gives, placeholders filled, for orders
    with long runs, short runs and none."""
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 40))
    matrix = rng.standard_normal((rows, 3)).astype(np.float32)
    ids = np.arange(rows)
    if seed % 3 == 1:
        ids = rng.permutation(rows)
    elif seed % 3 == 2:
        cut = int(rng.integers(0, rows))
        ids = np.r_[ids[cut:], ids[:cut]]
    holes = rng.integers(0, 5)
    source_ids = np.insert(ids, rng.integers(0, rows + 1, size=holes), -1).astype(np.int64)
    order = Renumbering(tuple(map(str, range(len(source_ids)))), source_ids, ())
    expected = np.take(matrix, np.maximum(source_ids, 0), axis=0)
    expected[source_ids < 0] = -7.0
    np.testing.assert_array_equal(rows_by_id(matrix, order, fill=-7.0), expected)
