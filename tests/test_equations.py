"""The equation panel's lines hold as printed, for every cell, at any magnitude.

Each line is parsed back here and its right-hand side recomputed from the printed
numbers with the formula written out; rounding that to the printed result's last
digit must give the printed result, and the printed result must be the engine's
value to that digit.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.engine.cells import CellWeights, gru_step, input_projection, lstm_step, rnn_step
from rnn_tui.engine.loading import load_language_model
from rnn_tui.session.equations import unit_equations

from .conftest import tiny_training_args

NUMBER = r"([+-]?\d+\.\d+)"
ACTIVATION = re.compile(rf"= (σ|tanh|relu)\({NUMBER}\) = {NUMBER}$")
TWO_PRODUCTS = re.compile(rf"= {NUMBER}×{NUMBER} \+ {NUMBER}×{NUMBER} = {NUMBER}$")
GATED_TANH = re.compile(rf"= {NUMBER}×tanh\({NUMBER}\) = {NUMBER}$")
CANDIDATE = re.compile(rf"= tanh\({NUMBER} \+ {NUMBER}×{NUMBER}\) = {NUMBER}$")


def decimals(text: str) -> int:
    return len(text.split(".")[1])


def check_line(line: str, engine_value: float) -> None:
    """The printed right-hand side, recomputed, rounds to the printed result, which is
    the engine's value rounded to the same digit."""
    if match := ACTIVATION.search(line):
        function, x, shown = match.groups()
        value = {
            "σ": lambda v: 1 / (1 + math.exp(-v)), "tanh": math.tanh, "relu": lambda v: max(v, 0.0)
        }[function](float(x))  # fmt: skip
    elif match := TWO_PRODUCTS.search(line):
        a, b, c, d, shown = match.groups()
        value = float(a) * float(b) + float(c) * float(d)
    elif match := GATED_TANH.search(line):
        o, c, shown = match.groups()
        value = float(o) * math.tanh(float(c))
    elif match := CANDIDATE.search(line):
        u, r, w, shown = match.groups()
        value = math.tanh(float(u) + float(r) * float(w))
    else:
        raise AssertionError(f"unparsed equation line: {line}")
    places = decimals(shown)
    assert round(value, places) == pytest.approx(float(shown), abs=0.1 * 10**-places), line
    assert abs(float(shown) - engine_value) <= 0.5 * 10**-places + 1e-9, line


def random_weights(gates: int, rng: np.random.Generator, scale: float) -> CellWeights:
    size, inputs = 6, 4
    return CellWeights(
        (rng.normal(size=(gates * size, inputs)) * scale).astype(np.float32),
        (rng.normal(size=(gates * size, size)) * scale).astype(np.float32),
        (rng.normal(size=gates * size) * scale).astype(np.float32),
        (rng.normal(size=gates * size) * scale).astype(np.float32),
    )


@pytest.mark.parametrize("cell", ["rnn", "rnn_relu", "gru", "lstm"])
def test_printed_equations_hold_to_their_last_digit(cell: str) -> None:
    """Weights from N(0, 0.3²) to N(0, 6²), states up to ±500 (a saturated LSTM cell state
    of −411 once printed 0.998×-411.529 + 0.988×-0.997 = -411.488, which is −411.691)."""
    rng = np.random.default_rng(7)
    checked = 0
    for trial in range(300):
        scale = [0.3, 1.0, 6.0][trial % 3]
        weights = random_weights({"rnn": 1, "rnn_relu": 1, "gru": 3, "lstm": 4}[cell], rng, scale)
        if cell == "rnn_relu":
            weights = dataclasses.replace(weights, nonlinearity="relu")
        x = rng.normal(size=4).astype(np.float32)
        h = np.tanh(rng.normal(size=6) * 2).astype(np.float32)
        c = (rng.normal(size=6) * [1, 10, 500][trial % 3]).astype(np.float32)
        gx = input_projection(weights, x)
        if cell == "lstm":
            now = lstm_step(weights, gx, h, c)
            previous_c = c
        elif cell == "gru":
            now = gru_step(weights, gx, h)
        else:
            now = rnn_step(weights, gx, h)
        previous = type(now)(h=h, c=previous_c if cell == "lstm" else None)
        for unit, short in zip(range(6), [False, True] * 3, strict=True):
            phi = "relu" if cell == "rnn_relu" else "tanh"
            lines = unit_equations(cell.removesuffix("_relu"), unit, now, previous, short, phi)
            assert cell != "rnn_relu" or lines[0].startswith("s_t = relu(")
            if cell == "lstm":
                values = [*(now.gates[k][unit] for k in "ifgo"), now.c[unit], now.h[unit]]
            elif cell == "gru":
                values = [*(now.gates[k][unit] for k in "rzn"), now.h[unit]]
            else:
                values = [now.h[unit]]
            equations = lines[1:] if cell.startswith("rnn") else lines
            for line, value in zip(equations, values, strict=True):
                check_line(line, float(value))
                checked += 1
    assert checked >= 1800


def test_the_window_models_equation_holds(repetitive_text_file: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "ffnn"
    args = tiny_training_args(repetitive_text_file, out, cell="ffnn", steps=30, context="4")
    assert cli(*args).exit_code == 0
    model = load_language_model(out / "last.safetensors")
    state = model.initial_state()
    for token in model.tokenizer.encode("the quick"):
        trace = model.step(token, state)
        state = trace.state
        layer = trace.layers[0]
        for unit in range(0, layer.h.shape[-1], 5):
            line = unit_equations("ffnn", unit, layer, None)[1]
            check_line(line, float(layer.h[unit]))


def test_a_saturated_cell_state_prints_enough_digits() -> None:
    """The issue's case: f = 0.998, c_t-1 = −411.529; three decimals on f would be off by 0.2."""
    weights = random_weights(4, np.random.default_rng(0), 1.0)
    hidden = weights.hidden_size
    biases = np.zeros(4 * hidden, dtype=np.float32)
    biases[hidden : 2 * hidden] = 6.2  # forget gate ≈ σ(6.2) = 0.998
    weights = CellWeights(weights.u * 0, weights.w * 0, biases, biases * 0)
    c = np.full(hidden, -411.529, dtype=np.float32)
    now = lstm_step(weights, input_projection(weights, np.zeros(4, np.float32)), c * 0, c)
    line = unit_equations("lstm", 0, now, type(now)(h=c * 0, c=c))[4]
    check_line(line, float(now.c[0]))
    assert "0.998×" not in line  # more than three decimals on the forget gate
