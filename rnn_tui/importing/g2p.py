"""g2p-en's grapheme-to-phoneme model → an rnn-tui translator.

The `g2p-en` package (Apache-2.0, by Kyubyong Park and Jongseok Kim) ships
`g2p_en/checkpoint20.npz`: a GRU encoder–decoder without attention, 256 units,
29 graphemes in, 74 phonemes out, decoded greedily by its own NumPy `predict()`:

    encoder   h_s = GRU(E_g x_s, h_{s−1}) over the word's letters and `</s>`
    decoder   s_0 = h_S (the context vector, no bridge);  s_t = GRU(E_p y_{t−1}, s_{t−1})
    output    p_t = softmax(W s_t + b)  (no attention, no combine layer)

— rnn-tui's plain translator. Its GRU is PyTorch's (r, z, n; r inside the candidate),
so the tensors map one to one. The file is found through the installed distribution's
metadata: `g2p_en` itself is never imported (its import downloads NLTK data).
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from rnn_tui.checkpoint import Checkpoint
from rnn_tui.config import PairsConfig, TranslatorConfig
from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import BOS, EOS, Vocab
from rnn_tui.errors import UserError
from rnn_tui.importing.renumbering import PLACEHOLDER_BIAS, renumber, rows_by_id, sha256_of

# The vocabularies of g2p_en/g2p.py (`G2p.graphemes`, `G2p.phonemes`), id = position.
GRAPHEMES = ["<pad>", "<unk>", "</s>", *"abcdefghijklmnopqrstuvwxyz"]
PHONEMES = [
    "<pad>", "<unk>", "<s>", "</s>",
    "AA0", "AA1", "AA2", "AE0", "AE1", "AE2", "AH0", "AH1", "AH2", "AO0", "AO1", "AO2",
    "AW0", "AW1", "AW2", "AY0", "AY1", "AY2", "B", "CH", "D", "DH", "EH0", "EH1", "EH2",
    "ER0", "ER1", "ER2", "EY0", "EY1", "EY2", "F", "G", "HH", "IH0", "IH1", "IH2",
    "IY0", "IY1", "IY2", "JH", "K", "L", "M", "N", "NG", "OW0", "OW1", "OW2", "OY0",
    "OY1", "OY2", "P", "R", "S", "SH", "T", "TH", "UH0", "UH1", "UH2", "UW", "UW0",
    "UW1", "UW2", "V", "W", "Y", "Z", "ZH",
]  # fmt: skip
ALIASES = {"</s>": EOS, "<s>": BOS}  # g2p-en's names for rnn-tui's specials
MAX_PHONEMES = 20  # predict() stops after 20 phonemes
MAX_NPZ_BYTES = 1 << 30  # g2p-en's is 3 MB
TENSORS = {
    "enc_emb": "source_embedding.weight", "dec_emb": "target_embedding.weight",
    "enc_w_ih": "encoder.weight_ih_l0", "enc_w_hh": "encoder.weight_hh_l0",
    "enc_b_ih": "encoder.bias_ih_l0", "enc_b_hh": "encoder.bias_hh_l0",
    "dec_w_ih": "decoder.weight_ih_l0", "dec_w_hh": "decoder.weight_hh_l0",
    "dec_b_ih": "decoder.bias_ih_l0", "dec_b_hh": "decoder.bias_hh_l0",
    "fc_w": "output.weight", "fc_b": "output.bias",
}  # fmt: skip
LICENCE = "Apache-2.0 (g2p-en by Kyubyong Park and Jongseok Kim, github.com/Kyubyong/g2p)"


def installed_g2p_checkpoint() -> Path:
    """checkpoint20.npz of the installed g2p-en distribution, found without importing it."""
    try:
        distribution = importlib.metadata.distribution("g2p-en")
    except importlib.metadata.PackageNotFoundError:
        raise UserError(
            "g2p-en is not installed: pip install --no-deps g2p-en (or give --npz PATH)"
        ) from None
    path = Path(str(distribution.locate_file("g2p_en/checkpoint20.npz")))
    if not path.is_file():
        raise UserError(f"g2p-en {distribution.version} is installed but lacks {path}")
    return path


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an .npz file, never unpickling (allow_pickle stays False), after
    checking what its members would take once decompressed."""
    try:
        with zipfile.ZipFile(path) as members:
            claimed = sum(member.file_size for member in members.infolist())
    except (OSError, zipfile.BadZipFile):
        raise UserError(f"{path}: not a readable .npz file (not a zip archive)") from None
    if claimed > MAX_NPZ_BYTES:
        raise UserError(f"{path}: its arrays claim {claimed:,} bytes; not read")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UserError(f"{path}: not a readable .npz file ({reason})") from None


def _expect(arrays: dict[str, np.ndarray], name: str, shape: tuple[int, ...], path: Path) -> None:
    if name not in arrays:
        found = ", ".join(sorted(arrays)[:12])
        raise UserError(f"{path}: lacks '{name}' (a g2p-en checkpoint has {', '.join(TENSORS)}; "
                        f"this file has {found})")  # fmt: skip
    if arrays[name].shape != shape:
        raise UserError(f"{path}: '{name}' has shape {arrays[name].shape}, expected {shape}")
    if not np.isfinite(arrays[name]).all():
        raise UserError(f"{path}: '{name}' holds NaN or infinite values")


def g2p_translator(path: Path) -> Checkpoint:
    """The checkpoint of g2p-en's model: its tensors under the translator's names, both
    vocabularies renumbered after rnn-tui's specials."""
    arrays = read_npz(path)
    if "enc_emb" not in arrays or arrays["enc_emb"].ndim != 2:
        _expect(arrays, "enc_emb", (len(GRAPHEMES), 0), path)
    embed = arrays["enc_emb"].shape[1]
    hidden = arrays.get("enc_w_hh", np.zeros((0, 0))).shape[-1]
    for name, shape in {
        "enc_emb": (len(GRAPHEMES), embed), "dec_emb": (len(PHONEMES), embed),
        "enc_w_ih": (3 * hidden, embed), "enc_w_hh": (3 * hidden, hidden),
        "enc_b_ih": (3 * hidden,), "enc_b_hh": (3 * hidden,),
        "dec_w_ih": (3 * hidden, embed), "dec_w_hh": (3 * hidden, hidden),
        "dec_b_ih": (3 * hidden,), "dec_b_hh": (3 * hidden,),
        "fc_w": (len(PHONEMES), hidden), "fc_b": (len(PHONEMES),),
    }.items():  # fmt: skip
        _expect(arrays, name, shape, path)
    source = renumber([ALIASES.get(g, g) for g in GRAPHEMES], "g2p-en graphemes")
    target = renumber([ALIASES.get(p, p) for p in PHONEMES], "g2p-en phonemes")
    tensors = {
        ours: np.asarray(arrays[theirs], dtype=np.float32) for theirs, ours in TENSORS.items()
    }
    tensors["source_embedding.weight"] = rows_by_id(arrays["enc_emb"], source)
    tensors["target_embedding.weight"] = rows_by_id(arrays["dec_emb"], target)
    tensors["output.weight"] = rows_by_id(arrays["fc_w"], target)
    tensors["output.bias"] = rows_by_id(arrays["fc_b"], target, fill=PLACEHOLDER_BIAS)
    config = TranslatorConfig(
        cell="gru",
        source_vocab_size=len(source.tokens),
        target_vocab_size=len(target.tokens),
        embedding_dim=embed,
        hidden_size=hidden,
        attention="none",
        plain=True,
    )
    config.validate()
    card: dict[str, Any] = {
        "data": "the CMU Pronouncing Dictionary, as g2p-en's authors trained it "
        "(not trained by rnn-tui)",
        "licence": LICENCE,
        "imported": {
            "source": str(path),
            "sha256": sha256_of(path),
            "format": "g2p-en checkpoint (.npz, read without pickle)",
            "layout": "g2p-en",
            "vocabulary": "g2p-en's graphemes and phonemes; </s> and <s> are <eos> and <bos>",
            "mapping": {ours: theirs for theirs, ours in TENSORS.items()},
            "placeholders": [f"source {source.tokens[i]}" for i in source.placeholders],
            "renumbered": "each vocabulary follows rnn-tui's four specials at ids 0-3",
            "decoding": f"g2p-en's predict() is greedy and stops after {MAX_PHONEMES} phonemes: "
            f"translate --max-len {MAX_PHONEMES} gives its output",
        },
        "notes": "the model inside the g2p-en package (pip install g2p-en): letters → ARPAbet "
        "phonemes, one lower-case word at a time",
    }
    return Checkpoint(
        kind="translator",
        tensors=tensors,
        meta={
            "model_config": config.to_dict(),
            "source_tokenizer": Tokenizer(
                "char", Vocab(source.tokens, source.placeholders)
            ).to_dict(),
            "target_tokenizer": Tokenizer(
                "word", Vocab(target.tokens, target.placeholders)
            ).to_dict(),
            "pairs_config": PairsConfig(source="imported").to_dict(),
            "card": card,
            "history": {},
        },
    )
