"""g2p-en's shipped model, imported: the same phonemes as g2p-en's own `predict()`.

The reference is g2p-en's code itself, loaded from the installed distribution with
its NLTK and number-expansion imports stubbed (they serve `G2p.__call__`'s tokenising
and tagging, not `predict`, and importing NLTK's data would go to the network).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import random
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.engine import translation_search as search
from rnn_tui.engine.loading import load_translator
from tests.conftest import run_cli

try:
    DISTRIBUTION = importlib.metadata.distribution("g2p-en")
except importlib.metadata.PackageNotFoundError:
    DISTRIBUTION = None
pytestmark = pytest.mark.skipif(
    DISTRIBUTION is None, reason="g2p-en is not installed (pip install --no-deps g2p-en)"
)
SHAKESPEARE = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"


def reference_g2p():
    """g2p-en's `G2p`, from its own g2p.py, without NLTK."""
    assert DISTRIBUTION is not None
    source = Path(str(DISTRIBUTION.locate_file("g2p_en/g2p.py")))
    stubs = {
        "nltk": types.SimpleNamespace(
            data=types.SimpleNamespace(find=lambda *_: True), download=lambda *_: None
        ),
        "nltk.corpus": types.SimpleNamespace(cmudict=types.SimpleNamespace(dict=dict)),
        "nltk.tokenize": types.SimpleNamespace(
            TweetTokenizer=lambda: types.SimpleNamespace(tokenize=str.split)
        ),
        "g2p_reference": types.ModuleType("g2p_reference"),
        "g2p_reference.expand": types.SimpleNamespace(normalize_numbers=lambda text: text),
    }
    stubs["nltk"].pos_tag = lambda words: [(w, "NN") for w in words]  # type: ignore[attr-defined]
    stubs["g2p_reference"].__path__ = []  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in stubs}
    sys.modules.update(stubs)  # type: ignore[arg-type]
    try:
        spec = importlib.util.spec_from_file_location("g2p_reference.g2p", source)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
    return module.G2p()


def thousand_words() -> list[str]:
    """Real words (Tiny Shakespeare's, where the shared data is) and made-up ones."""
    words: list[str] = []
    if SHAKESPEARE.exists():
        seen = dict.fromkeys(
            w for w in SHAKESPEARE.read_text(encoding="utf-8").lower().split() if w.isalpha()
        )
        words = [w for w in seen if w.isascii()][:600]
    rng = random.Random(7)
    while len(words) < 1000:
        words.append(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 14)))
        )
    return words


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("g2p") / "g2p.safetensors"
    result = run_cli("import", "g2p-en", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_a_thousand_words_get_g2p_ens_own_phonemes(imported: Path) -> None:
    reference = reference_g2p()
    translator = load_translator(imported)
    target = translator.target_tokenizer
    differ = []
    for word in thousand_words():
        hypothesis, _ = search.greedy(translator, translator.encode_text(word), max_len=20)
        ours = [target.token_text(t) for t in hypothesis.tokens if t != 2]  # 2: <eos>
        if ours != reference.predict(word):
            differ.append(word)
    assert differ == []


def test_translate_prints_the_phonemes_g2p_en_predicts(imported: Path) -> None:
    reference = reference_g2p()
    for word in ("hello", "rhythm", "antidisestablishment", "queue", "xylophone"):
        result = run_cli("translate", str(imported), word, "--max-len", "20")
        assert result.exit_code == 0, result.output
        phonemes = reference.predict(word)
        assert len(phonemes) >= 2  # a real pronunciation, not two empty answers
        assert result.output.strip().splitlines()[-1] == " ".join(phonemes)
    info = run_cli("info", str(imported))
    assert "Apache-2.0" in info.output and "g2p-en" in info.output


@pytest.mark.slow
def test_the_translator_view_shows_g2p_ens_context_and_distribution(imported: Path) -> None:
    """The context vector is g2p-en's encoder's last hidden state; the next-phoneme bars are
    softmax of its logits — both computed by g2p-en's own functions."""
    from rnn_tui.tui.app import make_app
    from rnn_tui.tui.screens.translator_view import TranslatorScreen
    from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
    from rnn_tui.tui.widgets.translator.vector import VectorStrip
    from tests.pilot_helpers import first_view

    g = reference_g2p()
    word = "phoneme"
    encoded = g.gru(g.encode(word), len(word) + 1, g.enc_w_ih, g.enc_w_hh, g.enc_b_ih, g.enc_b_hh,
                    h0=np.zeros((1, g.enc_w_hh.shape[-1]), np.float32))  # fmt: skip
    last = encoded[:, -1, :]
    h = g.grucell(np.take(g.dec_emb, [2], axis=0), last, g.dec_w_ih, g.dec_w_hh, g.dec_b_ih,
                  g.dec_b_hh)  # fmt: skip
    logits = (h @ g.fc_w.T + g.fc_b)[0].astype(np.float64)
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()

    async def scenario() -> None:
        app = make_app([imported], prompt=word)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await first_view(pilot, TranslatorScreen)
            np.testing.assert_allclose(screen.query_one("#context", VectorStrip).vector,
                                       last[0], atol=1e-5)  # fmt: skip
            bars = screen.query_one("#mt-next", NextTokenBars).predictions
            assert bars[0].text == g.phonemes[int(probs.argmax())]
            for bar in bars:
                theirs = probs[g.phonemes.index(bar.text)]
                assert bar.probability == pytest.approx(theirs, abs=1e-6)

    asyncio.run(scenario())
