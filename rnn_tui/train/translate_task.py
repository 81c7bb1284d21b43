"""Translator training task: shuffled mini-batches of padded sentence pairs.

Each epoch visits the training pairs in a permutation seeded by (seed, epoch);
a batch is cut to its longest source and target. The loss is the mean
cross-entropy per real target token (padding ignored). Under torchrun every rank
draws the same permutation and reads its own 1/N slice of each global batch; the
held-out pairs are shared out for evaluation and the figures combined.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from rnn_tui.checkpoint import Checkpoint
from rnn_tui.config import PairsConfig, TrainConfig, TranslatorConfig
from rnn_tui.data.pairs import PairCorpus
from rnn_tui.data.vocab import BOS_ID, PAD_ID
from rnn_tui.nn.seq2seq import Seq2Seq, sequence_loss
from rnn_tui.train.device import to_device
from rnn_tui.train.distributed import World
from rnn_tui.train.export import module_tensors
from rnn_tui.translation_metrics import exact_match, hypothesis_pieces

EVAL_BATCH = 256
EVAL_PAIRS = 2000


def pad_rows(rows: list[np.ndarray], width: int | None = None) -> np.ndarray:
    width = width or max(len(r) for r in rows)
    out = np.full((len(rows), width), PAD_ID, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


class PaddedPairs:
    """All pairs of a split as padded tensors: source, its lengths, decoder input and output."""

    def __init__(self, sources: list[np.ndarray], targets: list[np.ndarray], device: Any) -> None:
        self.source = to_device(pad_rows(sources), device)
        self.lengths = torch.tensor([len(s) for s in sources], dtype=torch.long)
        outputs = pad_rows(targets)
        inputs = np.concatenate(
            [np.full((len(targets), 1), BOS_ID, dtype=np.int64), outputs[:, :-1]], axis=1
        )
        self.target_in = to_device(inputs, device)
        self.target_out = to_device(outputs, device)
        self.target_lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, index: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        lengths = self.lengths[index]
        source_width = int(lengths.max())
        target_width = int(self.target_lengths[index].max())
        device_index = index.to(self.source.device)
        return (
            self.source[device_index, :source_width],
            lengths,
            self.target_in[device_index, :target_width],
            self.target_out[device_index, :target_width],
        )


class TranslationTask:
    best_metric = ("exact_match", "max")  # best.safetensors: the best greedy exact match

    def __init__(
        self,
        corpus: PairCorpus,
        model_config: TranslatorConfig,
        pairs_config: PairsConfig,
        train_config: TrainConfig,
        device: torch.device,
        world: World | None = None,
    ) -> None:
        self.world = world or World()
        self.corpus = corpus
        self.model_config = model_config
        self.pairs_config = pairs_config
        self.train_config = train_config
        self.device = device
        self.teacher_forcing = float(train_config.extra.get("teacher_forcing", 1.0))
        self.train_pairs = PaddedPairs(*corpus.encode(corpus.train), device)
        self.val_pairs = PaddedPairs(*corpus.encode(corpus.val), device)
        self.model = Seq2Seq(model_config).to(device)
        self.trainable = self.world.wrap(self.model, device)
        self.batch_size = min(train_config.batch_size, len(self.train_pairs))
        self.share = self.world.share(self.batch_size, "--batch")
        self.steps_per_epoch = max(1, len(self.train_pairs) // self.batch_size)
        self.tokens_per_step = 0
        self.epoch = 0
        self.position = 0
        self.order = self._permutation(0)

    def _permutation(self, epoch: int) -> Tensor:
        rng = np.random.default_rng([self.train_config.seed, epoch])
        return torch.from_numpy(rng.permutation(len(self.train_pairs)))

    def position_tensors(self) -> dict[str, Tensor]:
        return {"position": torch.tensor([self.epoch, self.position], dtype=torch.int64)}

    def restore_position(self, tensors: dict[str, Tensor]) -> None:
        self.epoch, self.position = (int(v) for v in tensors["position"])
        self.order = self._permutation(self.epoch)

    def epochs_done(self) -> float:
        return self.epoch + self.position / (self.steps_per_epoch * self.batch_size)

    def training_loss(self) -> Tensor:
        if self.position + self.batch_size > len(self.order):
            self.epoch += 1
            self.position = 0
            self.order = self._permutation(self.epoch)
        index = self.order[self.position : self.position + self.batch_size]
        self.position += self.batch_size
        self.tokens_per_step = int(self.train_pairs.target_lengths[index].sum())  # all ranks'
        source, lengths, target_in, target_out = self.train_pairs.batch(index[self.share])
        logits = self.trainable(source, lengths, target_in, self.teacher_forcing)
        return sequence_loss(logits, target_out)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Teacher-forced loss per target token, and greedy exact match on held-out pairs.

        Under torchrun rank r scores the r-th of N contiguous parts of the held-out pairs;
        the loss sums are added and the greedy outputs gathered in order."""
        self.model.eval()
        pairs = self.val_pairs
        sums = torch.zeros(2, dtype=torch.float64, device=self.device)  # −Σ log p, tokens
        predictions: list[list[int]] = []
        limit = min(len(pairs), EVAL_PAIRS)
        max_len = int(pairs.target_lengths.max()) + 10
        part = -(-len(pairs) // self.world.size)
        mine = range(self.world.rank * part, min(len(pairs), (self.world.rank + 1) * part))
        for start in range(mine.start, mine.stop, EVAL_BATCH):
            stop = min(start + EVAL_BATCH, mine.stop)
            source, lengths, target_in, target_out = pairs.batch(torch.arange(start, stop))
            logits = self.model(source, lengths, target_in)
            sums[0] += float(sequence_loss(logits.double(), target_out, reduction="sum"))
            sums[1] += int((target_out != PAD_ID).sum())
            if start < limit:
                greedy = self.model.greedy(source, lengths, max_len).cpu().tolist()
                predictions.extend(greedy[: limit - start])
        self.model.train()
        predictions = [ids for part_ids in self.world.gather(predictions) for ids in part_ids]
        total, count = self.world.sum(sums).tolist()
        tokenizer = self.corpus.target_tokenizer
        hypotheses = [hypothesis_pieces(tokenizer, ids) for ids in predictions[:limit]]
        references = [p.target for p in self.corpus.val[:limit]]
        loss = total / count
        return {
            "val_loss": loss,
            "val_ppl": math.exp(min(loss, 50.0)),
            "exact_match": exact_match(hypotheses, references, tokenizer.kind),
        }

    def checkpoint(self, history: dict[str, Any], card: dict[str, Any]) -> Checkpoint:
        return Checkpoint(
            kind="translator",
            tensors=module_tensors(self.model),
            meta={
                "model_config": self.model_config.to_dict(),
                "pairs_config": self.pairs_config.to_dict(),
                "train_config": self.train_config.to_dict(),
                "source_tokenizer": self.corpus.source_tokenizer.to_dict(),
                "target_tokenizer": self.corpus.target_tokenizer.to_dict(),
                "history": history,
                "card": card,
            },
        )
