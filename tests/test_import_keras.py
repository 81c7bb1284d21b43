"""`rnn-tui import` of Keras models: the engine gives Keras' own predictions, step by step.

The reference is Keras 3 itself (torch backend, a test-only dependency) running the
model it trained; the import reads the saved file with h5py alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.engine.loading import load_language_model
from rnn_tui.engine.sampling import generate
from tests.conftest import run_cli
from tests.engine_steps import steps_in_model_order

pytestmark = pytest.mark.slow  # importing Keras alone takes seconds


@pytest.fixture(scope="module")
def keras():
    """Keras 3 on its torch backend, imported only when these tests run."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("h5py")
    module = pytest.importorskip("keras")
    if module.backend.backend() != "torch":
        pytest.skip("these tests run Keras on its torch backend")
    return module


WORDS = ["<eos>", "the", "cat", "sat", "on", "mat", "dog", "ran", "a", "log", "<unk>"]


def keras_model(keras, layer: str, layers: int, **options):
    """Embedding → `layers` recurrent layers → Dense softmax, trained a little on a
    repeating sequence so its predictions are far from uniform."""
    keras.utils.set_random_seed(layers + len(layer))
    recurrent = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU,
                 "rnn": keras.layers.SimpleRNN}[layer]  # fmt: skip
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(len(WORDS), 8),
            *[recurrent(10, return_sequences=True, **options) for _ in range(layers)],
            keras.layers.Dropout(0.1),
            keras.layers.Dense(len(WORDS), activation="softmax"),
        ]
    )
    stream = np.arange(41) % len(WORDS)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    model.fit(stream[None, :-1], stream[None, 1:], epochs=12, verbose=0)
    return model


@pytest.fixture(scope="module")
def vocab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keras") / "vocab.txt"
    path.write_text("\n".join(WORDS) + "\n")
    return path


@pytest.mark.parametrize(
    ("layer", "layers", "options", "suffix"),
    [
        ("lstm", 2, {}, ".keras"),
        ("gru", 1, {}, ".h5"),
        ("gru", 2, {}, ".keras"),
        ("lstm", 1, {}, ".h5"),
        ("rnn", 1, {"activation": "relu"}, ".keras"),
        ("rnn", 2, {}, ".h5"),
    ],
)
def test_imported_keras_model_gives_keras_predictions(
    keras, tmp_path: Path, vocab: Path, layer: str, layers: int, options: dict, suffix: str
) -> None:
    model = keras_model(keras, layer, layers, **options)
    source = tmp_path / f"model{suffix}"
    model.save(source)
    out = tmp_path / "out.safetensors"
    result = run_cli("import", str(source), str(out), "--vocab", str(vocab))
    assert result.exit_code == 0, result.output
    engine = load_language_model(out)
    assert engine.config.cell == layer and engine.config.num_layers == layers
    assert engine.config.nonlinearity == options.get("activation", "tanh")

    read = ["the", "cat", "sat", "on", "the", "mat", "<eos>", "a", "dog", "ran"]
    ids = [WORDS.index(w) for w in read]
    expected = np.asarray(model.predict(np.asarray([ids]), verbose=0))[0]  # (steps, words)
    traces, ours_of = steps_in_model_order(engine, WORDS, ids)
    for t, trace in enumerate(traces):
        np.testing.assert_allclose(trace.probs[ours_of], expected[t], atol=1e-5, rtol=0)

    greedy, context = [], list(ids)  # Keras' own greedy continuation, re-reading the text
    for _ in range(8):
        probs = np.asarray(model.predict(np.asarray([context]), verbose=0))[0, -1]
        context.append(int(probs.argmax()))
        greedy.append(WORDS[context[-1]])
    prompt = " ".join(WORDS[i] for i in ids).replace(" <eos> ", "\n")
    produced = [engine.tokenizer.token_text(t) for t in generate(engine, prompt, 8, top_k=1)]
    assert produced == greedy


def test_a_keras_gru_with_reset_before_the_product_is_refused(
    keras, tmp_path: Path, vocab: Path
) -> None:
    model = keras_model(keras, "gru", 1, reset_after=False)
    model.save(tmp_path / "old.keras")
    out = tmp_path / "out.safetensors"
    result = run_cli("import", str(tmp_path / "old.keras"), str(out), "--vocab", str(vocab))
    assert result.exit_code == 2 and "reset_after=False" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()
