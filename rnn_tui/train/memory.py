"""Will a run fit? Memory a training run needs, estimated before anything is built.

A mistyped `--hidden 1000000000` or a pair file with one 10,000-token line would
otherwise allocate until the machine runs out. The estimates count float32 bytes:

    parameters P          embeddings, recurrent stacks (G·H·(In + H + 2) per layer and
                          direction), output layers; training holds 4 copies
                          (weights, gradients, AdamW's two moments): 16·P bytes
    LM activations        B·T per window: every layer's G·H gate values and H states,
                          saved for backward, and the V logits (×3: values, softmax,
                          gradient)
    translator            the padded pair tensors (N·(S + T) int64), and per step the
                          additive attention's B·T·S·W tanh hidden tensor (×3)

They are lower bounds of the right order, not exact figures: a run refused by
them could never have fitted.
"""

from __future__ import annotations

import os

from rnn_tui.config import ModelConfig, TranslatorConfig
from rnn_tui.errors import UserError

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
FLOAT = 4


def lm_parameters(config: ModelConfig) -> int:
    vocab, embed, hidden = config.vocab_size, config.embedding_dim, config.hidden_size
    total = vocab * embed + hidden * vocab + vocab
    if config.cell == "ffnn":
        width = config.context * embed
        for _ in range(config.num_layers):
            total += hidden * (width + 1)
            width = hidden
        return total
    gates = GATES[config.cell] * hidden
    for layer in range(config.num_layers):
        total += gates * ((embed if layer == 0 else hidden) + hidden + 2)
    return total


def lm_training_bytes(config: ModelConfig, batch: int, bptt: int) -> tuple[int, int]:
    """(parameter bytes in training, activation bytes of one window)."""
    gates = GATES.get(config.cell, 1)
    per_token = config.num_layers * (gates + 2) * config.hidden_size + 3 * config.vocab_size
    return 16 * lm_parameters(config), FLOAT * batch * bptt * per_token


def translator_parameters(config: TranslatorConfig) -> int:
    gates, hidden, embed = GATES[config.cell], config.hidden_size, config.embedding_dim
    width = config.state_size
    total = (config.source_vocab_size + config.target_vocab_size) * embed
    for layer in range(config.num_layers):
        encoder_in = embed if layer == 0 else width
        total += config.directions * gates * hidden * (encoder_in + hidden + 2)
        total += gates * width * ((embed if layer == 0 else width) + width + 2)
    total += 4 * width * width + width * (config.target_vocab_size + 1)  # bridge, scores, combine
    return total


def translator_training_bytes(
    config: TranslatorConfig, batch: int, pairs: int, source_len: int, target_len: int
) -> tuple[int, int]:
    """(parameter and data bytes, activation bytes of one step) for the longest pair."""
    fixed = 16 * translator_parameters(config) + 8 * pairs * (source_len + target_len)
    width = config.state_size
    attention = batch * target_len * source_len * width if config.attention == "additive" else 0
    states = batch * (source_len + target_len) * width * (GATES[config.cell] + 2)
    logits = batch * target_len * config.target_vocab_size
    return fixed, FLOAT * 3 * (attention + states + logits)


def available_bytes() -> int:
    """Memory the system could still give (MemAvailable), or all of it when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 1 << 62


def gigabytes(count: float) -> str:
    return f"{count / 1e9:,.1f} GB" if count >= 1e8 else f"{count / 1e6:,.0f} MB"


def check_fits(what: str, fixed: int, per_step: int, limit: int | None = None) -> None:
    """Refuse in one line, with the estimate, a run that cannot fit in memory."""
    room = available_bytes() if limit is None else limit
    if fixed + per_step > room:
        raise UserError(
            f"{what}: training needs at least {gigabytes(fixed + per_step)} "
            f"(weights, gradients and AdamW moments {gigabytes(fixed)}; one step's "
            f"activations {gigabytes(per_step)}), more than the {gigabytes(room)} available"
        )
