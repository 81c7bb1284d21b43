from __future__ import annotations

import json
import pickle
import random
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnn_tui import checkpoint as checkpoint_module
from rnn_tui.checkpoint import FORMAT_VERSION, Checkpoint, load_checkpoint, save_checkpoint
from rnn_tui.engine.loading import load_language_model
from rnn_tui.errors import UserError


def sample(kind: str = "lm") -> Checkpoint:
    rng = np.random.default_rng(0)
    return Checkpoint(
        kind=kind,
        tensors={
            "a.weight": rng.normal(size=(3, 4)).astype(np.float32),
            "b": np.arange(5, dtype=np.float32),
        },
        meta={
            "model_config": {"cell": "lstm"},
            "history": {"steps": 3, "evaluations": [{"v": 1.5}]},
        },
    )


def test_round_trip_keeps_tensors_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    original = sample()
    save_checkpoint(path, original)
    loaded = load_checkpoint(path, expected_kind="lm")
    assert loaded.kind == "lm" and loaded.meta == original.meta
    for name, tensor in original.tensors.items():
        np.testing.assert_array_equal(loaded.tensors[name], tensor)
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]  # no temporary left


def test_float16_tensors_are_upcast(tmp_path: Path) -> None:
    path = tmp_path / "half.safetensors"
    save_checkpoint(path, Checkpoint("lm", {"w": np.array([1.5, -2.25], dtype=np.float16)}))
    loaded = load_checkpoint(path)
    assert loaded.tensors["w"].dtype == np.float32
    np.testing.assert_array_equal(loaded.tensors["w"], [1.5, -2.25])


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "last.safetensors"
    save_checkpoint(path, sample())

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module.os, "fsync", broken_fsync)
    with pytest.raises(UserError, match=r"last\.safetensors: cannot save \(disk full\); the"):
        save_checkpoint(path, Checkpoint("lm", {"other": np.zeros(2, dtype=np.float32)}))
    monkeypatch.undo()
    assert set(load_checkpoint(path).tensors) == {"a.weight", "b"}
    assert [p.name for p in tmp_path.iterdir()] == ["last.safetensors"]


def test_wrong_kind_and_newer_version_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.safetensors"
    save_checkpoint(path, sample(kind="translator"))
    with pytest.raises(
        UserError, match="a translator checkpoint, expected a language-model checkpoint"
    ):
        load_checkpoint(path, expected_kind="lm")
    from safetensors.numpy import save_file

    newer = tmp_path / "newer.safetensors"
    save_file(
        {"x": np.zeros(1, dtype=np.float32)},
        str(newer),
        metadata={"format": "rnn-tui", "format_version": str(FORMAT_VERSION + 1), "kind": "lm"},
    )
    with pytest.raises(UserError, match="newer than this rnn-tui reads"):
        load_checkpoint(newer)
    foreign = tmp_path / "foreign.safetensors"
    save_file({"x": np.zeros(1, dtype=np.float32)}, str(foreign))
    with pytest.raises(UserError, match="not an rnn-tui checkpoint"):
        load_checkpoint(foreign)


def test_pickles_are_refused_without_being_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(UserError, match="pickle"):
        load_checkpoint(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"abc",
        struct.pack("<Q", 10**12) + b"{}",
        struct.pack("<Q", 4) + b"nope",
        random.Random(0).randbytes(200),  # seeded: the same test id every run
    ],
)
def test_corrupt_files_get_a_clear_error(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(payload)
    with pytest.raises(UserError) as error:
        load_checkpoint(path)
    assert str(path) in str(error.value)


def test_truncated_real_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "whole.safetensors"
    save_checkpoint(path, sample())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 7])
    with pytest.raises(UserError, match="not a valid"):
        load_checkpoint(path)


def test_lm_loader_checks_shapes(tiny_lstm_checkpoint: Path, tmp_path: Path) -> None:
    checkpoint = load_checkpoint(tiny_lstm_checkpoint)
    checkpoint.tensors["decoder.bias"] = np.zeros(3, dtype=np.float32)
    broken = tmp_path / "broken.safetensors"
    save_checkpoint(broken, checkpoint)
    with pytest.raises(UserError, match=r"decoder\.bias.*expected"):
        load_language_model(broken)


def test_checkpoint_loads_without_torch(tiny_lstm_checkpoint: Path) -> None:
    code = (
        "import sys\n"
        "from rnn_tui.engine.loading import load_language_model\n"
        f"model = load_language_model({str(tiny_lstm_checkpoint)!r})\n"
        "trace = model.step(1, model.initial_state())\n"
        "print(len(trace.probs), 'torch' in sys.modules)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    vocab, torch_loaded = output.split()
    assert int(vocab) > 4 and torch_loaded == "False"


def test_metadata_is_plain_json(tiny_lstm_checkpoint: Path) -> None:
    with tiny_lstm_checkpoint.open("rb") as stream:
        (size,) = struct.unpack("<Q", stream.read(8))
        header = json.loads(stream.read(size))
    meta = header["__metadata__"]
    assert meta["format"] == "rnn-tui" and meta["kind"] == "lm"
    assert json.loads(meta["model_config"])["cell"] == "lstm"
    assert json.loads(meta["tokenizer"])["kind"] == "char"
