"""Checkpoints whose metadata lies: wrong types, impossible sizes, escape sequences.

The outcomes allowed are a working model or one error line naming the file, within
a bounded time and memory; no terminal control character from the file reaches
the output of `info`, `generate` or `translate`.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_tui.bundled import bundled_models
from rnn_tui.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from rnn_tui.engine.loading import load_language_model

from .conftest import run_cli

SOURCE = next(p for p in bundled_models() if p.stem == "shakespeare-rnn")
ORIGINAL = load_checkpoint(SOURCE)
ESCAPES = ["\x1b]0;owned\x07", "\x1b[2J", "\x1b[8m", "\x9b31m", "\u202e"]


def with_meta(tmp_path: Path, name: str, **changes) -> Path:
    meta = {**ORIGINAL.meta, **changes}
    path = tmp_path / f"{name}.safetensors"
    save_checkpoint(path, Checkpoint(ORIGINAL.kind, dict(ORIGINAL.tensors), meta))
    return path


def no_control_characters(text: str) -> None:
    assert not any(c in text for c in "\x1b\x07\x9b\u202e"), repr(text[:200])


def one_error(result, path: Path) -> str:
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}"), result.output
    return lines[0]


def test_a_billion_layers_is_refused_at_once(tmp_path: Path) -> None:
    config = {**ORIGINAL.meta["model_config"], "num_layers": 10**9}
    path = with_meta(tmp_path, "layers", model_config=config)
    for command in (["info", str(path)], ["generate", str(path), "--length", "3"]):
        started = time.perf_counter()
        line = one_error(run_cli(*command), path)
        assert time.perf_counter() - started < 5
        assert "num_layers is 1000000000, but the file holds only 11 tensors" in line


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("card", "a string", "metadata field 'card' is str, expected an object"),
        ("history", [1, 2], "metadata field 'history' is list, expected an object"),
        ("model_config", {"hidden_size": "256"}, "field 'hidden_size' expected an integer"),
        ("model_config", {"cell": "lstm", "num_layers": 2.5}, "'num_layers' expected an integer"),
        ("tokenizer", {"kind": "char", "tokens": [1, 2]}, "'tokens' expected a list of strings"),
        ("tokenizer", {"kind": "bytes", "tokens": []}, "'kind' expected char, word or lines"),
        (  # a range error names the file's field, not a command-line flag
            "model_config",
            {**ORIGINAL.meta["model_config"], "hidden_size": 0},
            "model_config.hidden_size: expected a positive integer, got 0",
        ),
    ],
)
def test_wrong_metadata_types_name_the_field(
    tmp_path: Path, field: str, value, expected: str
) -> None:
    path = with_meta(tmp_path, "typed", **{field: value})
    assert expected in one_error(run_cli("info", str(path)), path)


def test_escape_sequences_in_a_card_or_vocabulary_never_reach_the_terminal(
    tmp_path: Path,
) -> None:
    card = {**ORIGINAL.meta["card"], "licence": ESCAPES[0] + "MIT", "notes": "".join(ESCAPES)}
    tokens = list(ORIGINAL.meta["tokenizer"]["tokens"])
    tokens[10:15] = [e + str(i) for i, e in enumerate(ESCAPES)]  # five ordinary tokens replaced
    path = with_meta(tmp_path, "escapes", card=card, tokenizer={"kind": "char", "tokens": tokens})
    info = run_cli("info", str(path))
    assert info.exit_code == 0
    no_control_characters(info.output)
    assert "␛]0;owned␇MIT" in info.output.replace("\n", "")
    assert load_language_model(path).tokenizer.token_text(10) == ESCAPES[0] + "0"
    generated = run_cli("generate", str(path), "--length", "400", "--temperature", "5")
    assert generated.exit_code == 0
    no_control_characters(generated.output)
    assert "␛" in generated.output  # drawn at T = 5 and shown as a visible stand-in


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=20)
    | st.sampled_from([math.nan, math.inf, 1e308, -0.0, 10**9]) | st.sampled_from(ESCAPES),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip
FIELDS = ["model_config", "tokenizer", "card", "history", "data_config", "train_config"]


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(FIELDS),
    key=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(
        ["num_layers", "hidden_size", "vocab_size", "cell", "tokens", "kind", "validation",
         "source", "embedding_dim", "softmax", "cutoffs", "context", "steps", "licence"])),
    value=JSON_VALUES,
)  # fmt: skip
def test_metadata_fuzz_loads_or_is_refused_in_one_line(
    tmp_path: Path, field: str, key: str | None, value
) -> None:
    """One field of the metadata replaced (key None) or one entry inside it set."""
    original = ORIGINAL.meta.get(field, {})
    replaced = value if key is None else {**original, key: value}
    meta = {**ORIGINAL.meta, field: replaced}
    path = tmp_path / "fuzzed.safetensors"
    raw = {"format": "rnn-tui", "format_version": "1", "kind": "lm"}
    raw |= {k: json.dumps(v) for k, v in meta.items()}
    from safetensors.numpy import save_file

    save_file({k: np.ascontiguousarray(v) for k, v in ORIGINAL.tensors.items()}, path, raw)
    started = time.perf_counter()
    result = run_cli("info", str(path))
    assert time.perf_counter() - started < 10
    assert "Traceback" not in result.output
    no_control_characters(result.output)
    if result.exit_code != 0:
        one_error(result, path)
