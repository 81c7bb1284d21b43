"""`rnn-tui eval` for translators: exact match, BLEU and chrF, greedy and beam."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import typer

from rnn_tui.cli.common import named, progress_line
from rnn_tui.errors import UserError


def evaluate_translator(
    checkpoint: Path, pairs_source: str | None, beam: int, alpha: float, as_json: bool
) -> None:
    from rnn_tui.config import PairsConfig
    from rnn_tui.data.pairs import DATES, prepare_pairs, read_pair_file, select_pairs
    from rnn_tui.engine.loading import load_translator
    from rnn_tui.engine.translation_eval import attention_alignment, score_decoding
    from rnn_tui.engine.translation_search import MAX_BEAM
    from rnn_tui.text_safety import visible

    if not 1 <= beam <= MAX_BEAM:
        raise UserError(f"--beam: expected a width of 1 to {MAX_BEAM}, got {beam}")
    if alpha < 0:
        raise UserError(f"--alpha: expected 0 or more, got {alpha}")
    translator = load_translator(checkpoint)
    own = PairsConfig.from_dict(translator.meta.get("pairs_config", {}))
    tokenizers = (translator.source_tokenizer, translator.target_tokenizer)
    if pairs_source is None and "imported" in translator.meta.get("card", {}):
        raise UserError(
            f"--pairs: {checkpoint} was imported and has no held-out pairs of its own; "
            "give a TSV file of source and target"
        )
    if pairs_source is None or pairs_source == own.source:
        corpus = prepare_pairs(own, translator.config.reverse_source, tokenizers, quiet=True)
        pairs = corpus.val
        portion = f"{own.source} (held-out pairs)"
    elif pairs_source == DATES:
        config = dataclasses.replace(own, source=DATES)
        pairs = prepare_pairs(config, translator.config.reverse_source, tokenizers).val
        portion = "dates (held-out pairs)"
    else:
        # The checkpoint's normalisation and orientation; every usable line is scored.
        raw, _ = read_pair_file(Path(pairs_source))
        config = dataclasses.replace(own, source=pairs_source, prefix_filter=(), max_len=0)
        pairs = select_pairs(raw, config)
        portion = f"{pairs_source} (whole file)"
        for number, pair in enumerate(pairs, start=1):  # refused before any is translated
            with named(f"--pairs {pairs_source}: pair {number}"):
                translator.source_ids(pair.source)
    max_len = max(len(p.target) for p in pairs) + 20
    greedy = progress_line("greedy: translating pairs")
    results = [score_decoding(translator, pairs, 1, alpha, max_len, greedy)]
    if beam > 1:
        searched = progress_line(f"beam {beam}: translating pairs")
        results.append(score_decoding(translator, pairs, beam, alpha, max_len, searched))
    alignment = []
    has_spans = any(p.spans for p in pairs) and translator.source_tokenizer.kind == "char"
    if translator.config.attention != "none" and has_spans:
        alignment = attention_alignment(translator, pairs, results[0].decoded)  # greedy
    if as_json:
        record = {
            "checkpoint": str(checkpoint),
            "data": portion,
            "pairs": len(pairs),
            **{r.method: r.figures() for r in results},
            "alignment": {a.field: dataclasses.asdict(a) for a in alignment},
        }
        typer.echo(json.dumps(record))
        return
    typer.echo(f"data     {visible(portion)}, {len(pairs):,} pairs")
    typer.echo(f"{'method':<8} {'exact':>7} {'BLEU':>6} {'chrF':>6}")
    for r in results:
        typer.echo(f"{r.method:<8} {r.exact_match:>7.2%} {r.bleu:>6.2f} {r.chrf:>6.2f}")
    if alignment:
        typer.echo("attention argmax vs the known alignment (greedy, exact outputs):")
        for a in alignment:
            typer.echo(
                f"  {a.field:<6} inside its span {a.inside:7.2%}   "
                f"mean distance {a.mean_distance:.3f} chars   ({a.characters:,} characters)"
            )
