"""Hostile and damaged checkpoint files: the only outcomes are a model or one clear error."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_tui.bundled import bundled_models
from rnn_tui.engine.loading import load_language_model
from rnn_tui.errors import UserError

SOURCE = next(p for p in bundled_models() if p.stem == "shakespeare-rnn")  # the smallest LM
ORIGINAL = SOURCE.read_bytes()


def outcome(path: Path) -> str:
    try:
        model = load_language_model(path)
    except UserError as error:
        message = str(error)
        assert "\n" not in message and str(path) in message
        return "refused"
    trace = model.step(1, model.initial_state())
    assert trace.probs.shape == (model.config.vocab_size,)
    return "loaded"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(ORIGINAL) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    cut=st.one_of(st.none(), st.integers(0, len(ORIGINAL))),
)
@pytest.mark.slow
def test_mutated_checkpoints_load_or_are_refused(tmp_path: Path, edits, cut) -> None:
    data = bytearray(ORIGINAL)
    for offset, value in edits:
        data[offset] = value
    if cut is not None:
        data = data[:cut]
    path = tmp_path / "mutant.safetensors"
    path.write_bytes(bytes(data))
    assert outcome(path) in ("loaded", "refused")


def header_file(path: Path, header: dict, payload: bytes = b"") -> Path:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + payload)
    return path


def test_declared_10_gb_tensor_is_refused_without_allocating(tmp_path: Path) -> None:
    meta = {"format": "rnn-tui", "format_version": "1", "kind": "lm"}
    header = {
        "__metadata__": meta,
        "embedding.weight": {
            "dtype": "F32",
            "shape": [50_000, 50_000],
            "data_offsets": [0, 10**10],
        },
    }
    path = header_file(tmp_path / "huge.safetensors", header, b"\0" * 64)
    assert outcome(path) == "refused"


def test_lying_offsets_and_dtypes_are_refused(tmp_path: Path) -> None:
    meta = {"format": "rnn-tui", "format_version": "1", "kind": "lm"}
    cases = [
        {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}},  # size disagrees with shape
        {"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}},  # points past the end
        {"w": {"dtype": "Q99", "shape": [2], "data_offsets": [0, 8]}},  # no such dtype
    ]
    for index, tensors in enumerate(cases):
        path = header_file(
            tmp_path / f"lie{index}.safetensors", {"__metadata__": meta, **tensors}, b"\0" * 8
        )
        assert outcome(path) == "refused"


def test_malformed_metadata_json_is_refused(tmp_path: Path) -> None:
    meta = {"format": "rnn-tui", "format_version": "1", "kind": "lm", "model_config": "{not json"}
    path = header_file(tmp_path / "meta.safetensors", {"__metadata__": meta})
    assert outcome(path) == "refused"
    np.testing.assert_equal(outcome(SOURCE), "loaded")


def test_non_finite_weights_are_refused(tmp_path: Path) -> None:
    from rnn_tui.checkpoint import load_checkpoint, save_checkpoint

    checkpoint = load_checkpoint(SOURCE)
    checkpoint.tensors["decoder.bias"] = checkpoint.tensors["decoder.bias"].copy()
    checkpoint.tensors["decoder.bias"][3] = np.nan
    path = tmp_path / "nan.safetensors"
    save_checkpoint(path, checkpoint)
    with pytest.raises(UserError, match=r"tensor 'decoder\.bias' holds NaN or infinite values"):
        load_language_model(path)
