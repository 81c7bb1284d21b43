"""Checkpoint files: one `.safetensors` file holding tensors and JSON metadata.

Metadata keys (all strings, JSON-encoded where structured):

    format          "rnn-tui"
    format_version  integer, bumped on incompatible changes
    kind            "lm" or "translator"
    model_config    ModelConfig as JSON
    data_config     DataConfig as JSON
    tokenizer       {"kind": …, "tokens": […]} (translators: per side)
    history         training record: steps, evaluations, elapsed time
    card            the model card: data, licence, command, machine, figures

Reading needs only NumPy and safetensors (no torch), and never executes code
from the file. Writing goes to a temporary file in the same directory that is
then renamed over the target, so a crash leaves the old file whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnn_tui.errors import UserError
from rnn_tui.files import current_umask, regular_file_size
from rnn_tui.safetensors_writing import write_safetensors

FORMAT = "rnn-tui"
FORMAT_VERSION = 1
MAX_HEADER_BYTES = 64 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save's default container
_PICKLE_PROTOCOLS = {bytes([n]) for n in range(2, 6)}


@dataclass
class Checkpoint:
    """A model's tensors by name and its decoded metadata."""

    kind: str
    tensors: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Write atomically: temporary file → fsync → rename over `path`."""
    metadata = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "kind": checkpoint.kind}
    for key, value in checkpoint.meta.items():
        metadata[key] = json.dumps(value, ensure_ascii=False)
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:
        raise UserError(f"{path}: cannot write here ({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write_safetensors(stream, checkpoint.tensors, metadata)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes 0600; honour the umask
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            kept = "the file there is unchanged" if path.exists() else "nothing was written"
            reason = error.strerror or str(error)
            raise UserError(f"{path}: cannot save ({reason}); {kept}") from None
        raise
    with contextlib.suppress(OSError):
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _check_container(path: Path) -> None:
    """Refuse anything that is not plausibly a safetensors file, before parsing it."""
    size = regular_file_size(path, str(path), ".safetensors checkpoint file")
    try:
        with path.open("rb") as stream:
            head = stream.read(9)
    except OSError as error:
        raise UserError(f"{path}: cannot read it ({error.strerror})") from None
    if len(head) == 9 and head[8:9] == b"{":
        (header_bytes,) = struct.unpack("<Q", head[:8])
        if header_bytes <= MAX_HEADER_BYTES and 8 + header_bytes <= size:
            return
        raise UserError(
            f"{path}: not a valid .safetensors checkpoint "
            f"(header size {header_bytes} is impossible for a file of {size} bytes)"
        )
    if head.startswith(_ZIP_MAGIC) or (head[:1] == b"\x80" and head[1:2] in _PICKLE_PROTOCOLS):
        raise UserError(
            f"{path}: a pickle/torch.save file; rnn-tui opens only .safetensors checkpoints "
            "(pickles can run code when loaded)"
        )
    raise UserError(
        f"{path}: not a valid .safetensors checkpoint ({size} bytes, no safetensors header)"
    )


# The JSON type of each metadata field rnn-tui reads; a file with another is refused.
META_TYPES: dict[str, type] = {
    name: dict
    for name in (
        "model_config", "data_config", "train_config", "pairs_config", "tokenizer",
        "source_tokenizer", "target_tokenizer", "card", "history", "counters",
    )
} | {"param_groups": list}  # fmt: skip


def load_checkpoint(path: Path, expected_kind: str | None = None) -> Checkpoint:
    """Read a checkpoint, upcasting float16 tensors to float32."""

    path = Path(path)
    metadata, tensors = _read(path, with_tensors=True)
    try:
        version = int(metadata.get("format_version", ""))
    except ValueError:
        raise UserError(f"{path}: checkpoint has an unreadable format_version") from None
    if version > FORMAT_VERSION:
        raise UserError(
            f"{path}: checkpoint format version {version} is newer than this rnn-tui reads "
            f"({FORMAT_VERSION}); upgrade rnn-tui"
        )
    kind = metadata.get("kind", "")
    if expected_kind is not None and kind != expected_kind:
        raise UserError(
            f"{path}: {a_kind(kind)} checkpoint, expected {a_kind(expected_kind)} checkpoint"
        )
    meta: dict[str, Any] = {}
    for key, value in metadata.items():
        if key in ("format", "format_version", "kind"):
            continue
        try:
            meta[key] = json.loads(value)
        except json.JSONDecodeError:
            raise UserError(f"{path}: checkpoint metadata '{key}' is not valid JSON") from None
    for key, value in meta.items():
        expected = META_TYPES.get(key)
        if expected is not None and not isinstance(value, expected):
            wanted = "an object" if expected is dict else "a list"
            raise UserError(
                f"{path}: metadata field '{key}' is {type(value).__name__}, expected {wanted}"
            )
    for name, array in tensors.items():
        if array.dtype == np.float16:
            tensors[name] = array.astype(np.float32)
    return Checkpoint(kind=kind, tensors=tensors, meta=meta)


def _read(path: Path, with_tensors: bool) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The metadata (and, if asked, the tensors) of an rnn-tui safetensors file."""
    from safetensors import SafetensorError, safe_open

    _check_container(path)
    tensors: dict[str, np.ndarray] = {}
    try:
        with safe_open(str(path), framework="numpy") as reader:
            metadata = reader.metadata() or {}
            if with_tensors:
                tensors = {name: reader.get_tensor(name) for name in reader.keys()}  # noqa: SIM118
    except (SafetensorError, OSError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UserError(f"{path}: not a valid .safetensors checkpoint ({reason})") from None
    if metadata.get("format") != FORMAT:
        raise UserError(
            f"{path}: a safetensors file, but not an rnn-tui checkpoint (no 'format: {FORMAT}')"
        )
    return metadata, tensors


def checkpoint_kind(path: Path) -> str:
    """The `kind` of a checkpoint ("lm" or "translator"), read from its header alone."""
    metadata, _ = _read(Path(path), with_tensors=False)
    return metadata.get("kind", "")


def checkpoint_section(path: Path, key: str) -> dict[str, Any]:
    """One JSON section of a checkpoint's metadata (`train_config`, `card`, …), read from
    its header alone; empty when the file lacks it or it is not a JSON object."""
    metadata, _ = _read(Path(path), with_tensors=False)
    try:
        section = json.loads(metadata.get(key, "{}"))
    except ValueError:
        return {}
    return section if isinstance(section, dict) else {}


KIND_NAMES = {"lm": "a language-model", "translator": "a translator"}


def a_kind(kind: str) -> str:
    """A checkpoint kind as the error lines say it: "a language-model", "a translator"."""
    return KIND_NAMES.get(kind, f"a {kind!r}" if kind else "an unmarked")
