"""Scores of translations against references: exact match, BLEU and chrF (sacrebleu).

Exact match compares token pieces, so an `<unk>` in a hypothesis never matches
a real word. BLEU and chrF score detokenized text with sacrebleu's defaults
(13a tokenization for BLEU; character 6-grams, β = 2 for chrF).
"""

from __future__ import annotations

from collections.abc import Sequence

from rnn_tui.data.tokenizers import Tokenizer
from rnn_tui.data.vocab import EOS_ID, PAD_ID


def hypothesis_pieces(tokenizer: Tokenizer, ids: Sequence[int]) -> list[str]:
    """The pieces of a decoded sequence, up to (not including) the first `<eos>`."""
    pieces: list[str] = []
    for index in ids:
        if index == EOS_ID:
            break
        if index != PAD_ID:
            pieces.append(tokenizer.token_text(index))
    return pieces


def pieces_text(pieces: Sequence[str], kind: str) -> str:
    from rnn_tui.data.tokenizers import detokenize_words

    return "".join(pieces) if kind == "char" else detokenize_words(pieces)


def exact_match(hypotheses: Sequence[Sequence[str]], references: Sequence[str], kind: str) -> float:
    """Share of hypotheses whose pieces equal the reference's pieces."""
    if not references:
        return 0.0
    hits = sum(
        list(h) == Tokenizer.split(kind, r) for h, r in zip(hypotheses, references, strict=True)
    )
    return hits / len(references)


def corpus_scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus BLEU and chrF, both on the 0–100 scale."""
    import sacrebleu

    return {
        "bleu": sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score,
        "chrf": sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score,
    }
