"""`rnn-tui import`: a model trained elsewhere → an rnn-tui checkpoint."""

from __future__ import annotations

from pathlib import Path

import typer

from rnn_tui.cli.common import check_output_file, reports_user_errors, reproducible_command
from rnn_tui.errors import UserError

FORMATS = ("auto", "torch", "keras", "g2p-en")
TOKENIZERS = ("auto", "lines", "char", "word")


@reports_user_errors
def import_command(
    context: typer.Context,
    source: str = typer.Argument(
        ...,
        help="The model file: a torch.save state dict or module, a Keras .keras or .h5 "
        "model; or g2p-en (the model of the installed g2p-en package).",
    ),
    target: Path = typer.Argument(..., help="The rnn-tui checkpoint to write (.safetensors)."),
    vocab: Path | None = typer.Option(
        None,
        "--vocab",
        help="Its vocabulary: one token per line (line n = id n), or a "
        "JSON list of strings (.json) for tokens a line cannot hold.",
    ),
    vocab_from_corpus: Path | None = typer.Option(
        None,
        "--vocab-from-corpus",
        help="Rebuild the vocabulary of PyTorch's "
        "word_language_model from its corpus folder (train.txt, valid.txt, test.txt).",
    ),
    file_format: str = typer.Option(
        "auto",
        "--format",
        help="auto, torch, keras or g2p-en (auto: keras for .keras and "
        ".h5, g2p-en for .npz, else torch).",
    ),
    npz: Path | None = typer.Option(
        None, "--npz", help="g2p-en: its checkpoint20.npz, when the package is not installed."
    ),
    mapping: list[str] = typer.Option(
        [],
        "--map",
        help="Where the parts are when the names are not a known layout: "
        "--map embedding=NAME --map rnn=PREFIX --map head=NAME.",
    ),
    tokenizer: str = typer.Option(
        "auto",
        "--tokenizer",
        help="How text becomes tokens: lines (words, <eos> at line "
        "ends, as word_language_model), char, word; auto: char when every token is one "
        "character, else lines.",
    ),
    nonlinearity: str = typer.Option(
        None,
        "--nonlinearity",
        help="An nn.RNN's φ, tanh or relu, when the file is a state "
        "dict (a pickled module records it).",
    ),
    licence: str = typer.Option("", "--licence", help="The model's licence, for its card."),
    force: bool = typer.Option(False, "--force", help="Overwrite TARGET if it exists."),
) -> None:
    """Write a model trained elsewhere as an rnn-tui checkpoint, its numbers unchanged.

    Reads a torch.save file without torch and without running code from it (a whole
    pickled module too), and Keras files without TensorFlow or Keras. The result opens
    in explore, generate, eval, gradients, units and info.
    """
    from rnn_tui.checkpoint import save_checkpoint
    from rnn_tui.files import regular_file_size
    from rnn_tui.importing import keras_language_model, torch_language_model
    from rnn_tui.importing.language_models import layout_from_map
    from rnn_tui.importing.vocabularies import corpus_vocab, read_vocab_file

    if file_format not in FORMATS:
        raise UserError(f"--format: expected {' or '.join(FORMATS)}, got {file_format!r}")
    if tokenizer not in TOKENIZERS:
        raise UserError(f"--tokenizer: expected one of {', '.join(TOKENIZERS)}, got {tokenizer!r}")
    check_output_file(target, force)
    if source == "g2p-en" or file_format == "g2p-en" or npz is not None or source.endswith(".npz"):
        write_g2p(source, target, npz, reproducible_command(context))
        return
    regular_file_size(Path(source), source, "model file")  # before asking for more
    if (vocab is None) == (vocab_from_corpus is None):
        raise UserError("give the model's vocabulary: --vocab FILE or --vocab-from-corpus DIR")
    if vocab is not None:
        tokens, vocab_what = read_vocab_file(vocab), f"--vocab {vocab}"
    else:
        assert vocab_from_corpus is not None
        tokens = corpus_vocab(vocab_from_corpus)
        vocab_what = f"--vocab-from-corpus {vocab_from_corpus}"
    if tokenizer == "auto":
        tokenizer = "char" if all(len(t) == 1 for t in tokens) else "lines"
    layout = layout_from_map(mapping) if mapping else None
    card = {
        "data": f"not trained by rnn-tui: imported from {Path(source).name}",
        "licence": licence or "not stated (ask whoever trained it)",
        "command": reproducible_command(context),
    }
    if nonlinearity not in (None, "tanh", "relu"):
        raise UserError(f"--nonlinearity: expected tanh or relu, got {nonlinearity!r}")
    keras = file_format == "keras" or (
        file_format == "auto" and Path(source).suffix in (".keras", ".h5")
    )
    if keras:
        if mapping or nonlinearity:
            raise UserError("--map and --nonlinearity are for torch files; a Keras file names both")
        checkpoint = keras_language_model(Path(source), tokens, tokenizer, vocab_what, card)
    else:
        checkpoint = torch_language_model(
            Path(source), tokens, tokenizer, vocab_what, layout, card, nonlinearity
        )
    save_checkpoint(target, checkpoint)
    config = checkpoint.meta["model_config"]
    if config["cell"] == "rnn" and "assumed" in checkpoint.meta["card"]["imported"]["nonlinearity"]:
        typer.echo(
            "note: a state dict does not record nn.RNN's nonlinearity; read as tanh "
            "(--nonlinearity relu if it was trained with relu)",
            err=True,
        )
    typer.echo(
        f"wrote {target}: {config['cell'].upper()} language model, {config['num_layers']} × "
        f"{config['hidden_size']} units, vocabulary {config['vocab_size']:,} "
        f"({tokenizer}), from {checkpoint.meta['card']['imported']['format']}"
    )


def write_g2p(source: str, target: Path, npz: Path | None, command: str) -> None:
    from rnn_tui.checkpoint import save_checkpoint
    from rnn_tui.importing.g2p import g2p_translator, installed_g2p_checkpoint

    if npz is not None:
        path = npz
    elif source == "g2p-en":
        path = installed_g2p_checkpoint()
    else:
        path = Path(source)
    checkpoint = g2p_translator(path)
    checkpoint.meta["card"]["command"] = command
    save_checkpoint(target, checkpoint)
    config = checkpoint.meta["model_config"]
    typer.echo(
        f"wrote {target}: g2p-en's GRU encoder–decoder ({config['hidden_size']} units, no "
        f"attention), {config['source_vocab_size']} graphemes → {config['target_vocab_size']} "
        f"phonemes, from {path}"
    )
