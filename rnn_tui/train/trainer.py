"""A training loop that knows nothing about the model.

A task supplies the model, the next training loss, an evaluation and a
checkpoint; the trainer owns the optimiser, the learning-rate schedule,
gradient clipping, budgets, logging, saving and interruption.

Learning rate at step s with budget fraction φ ∈ [0, 1] done:

    lr(s) = lr · (s + 1) / warmup                          while s < warmup
    lr(s) = lr · (0.1 + 0.9 · ½ (1 + cos πφ))              afterwards (cosine to 10 %)
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import Tensor, nn

from rnn_tui.checkpoint import Checkpoint, save_checkpoint
from rnn_tui.config import TrainConfig
from rnn_tui.errors import UserError
from rnn_tui.train.adamw import AdamW
from rnn_tui.train.distributed import World, parameter_digest
from rnn_tui.train.metrics_log import MetricsLog, NullMetricsLog
from rnn_tui.train.precision import Precision
from rnn_tui.train.reporting import Reporter
from rnn_tui.train.resume import (
    RESUME_FILE,
    load_resume_state,
    rank_rng_states,
    restore_optimizer,
    restore_rng,
    save_resume_state,
)


class TrainingDiverged(UserError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""

    exit_code = 1


class Task(Protocol):
    """`best_metric` (optional attribute): (name, "min" | "max") of the evaluation figure
    that decides `best.safetensors`; default ("val_loss", "min")."""

    model: nn.Module
    world: World  # the processes training together (one, outside torchrun)
    tokens_per_step: int
    steps_per_epoch: int

    def training_loss(self) -> Tensor: ...
    def epochs_done(self) -> float: ...
    def position_tensors(self) -> dict[str, Tensor]: ...
    def restore_position(self, tensors: dict[str, Tensor]) -> None: ...
    def evaluate(self) -> dict[str, float]: ...
    def checkpoint(self, history: dict[str, Any], card: dict[str, Any]) -> Checkpoint: ...


@dataclass
class TrainingOutcome:
    steps: int
    interrupted: bool
    last_path: Path
    best_path: Path
    evaluations: list[dict[str, float]] = field(default_factory=list)
    elapsed_s: float = 0.0


def make_optimizer(model: nn.Module, config: TrainConfig) -> AdamW:
    """AdamW; weight decay on matrices only (not biases, not the embedding)."""
    decayed, plain = [], []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        (decayed if parameter.ndim >= 2 and "embedding" not in name else plain).append(parameter)
    groups = [
        {"params": decayed, "weight_decay": config.weight_decay},
        {"params": plain, "weight_decay": 0.0},
    ]
    return AdamW(groups, lr=config.lr, betas=(0.9, 0.99))


def scheduled_lr(config: TrainConfig, step: int, fraction: float) -> float:
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    return config.lr * (0.1 + 0.45 * (1.0 + math.cos(math.pi * min(1.0, fraction))))


@contextlib.contextmanager
def stop_requests() -> Iterator[list[str]]:
    """SIGINT/SIGTERM/SIGHUP set a flag that the loop checks between steps; a second Ctrl+C
    aborts."""
    requested: list[str] = []

    def handler(signum: int, _frame: Any) -> None:
        if requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        requested.append(signal.Signals(signum).name)

    # SIGHUP: the terminal closed or the SSH connection dropped; save like SIGTERM.
    stopping = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.getsignal(sig) for sig in stopping}
    try:
        for sig in previous:
            signal.signal(sig, handler)
    except ValueError:  # not the main thread: leave signals alone
        previous = {}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class Trainer:
    def __init__(
        self,
        task: Task,
        config: TrainConfig,
        out_dir: Path,
        reporter: Reporter,
        card: dict[str, Any],
        device: torch.device,
    ) -> None:
        self.task = task
        self.world = task.world
        self.config = config
        self.out_dir = out_dir
        self.reporter = reporter
        self.card = card
        self.device = device
        self.parameters = [p for p in task.model.parameters() if p.requires_grad]
        self.optimizer = make_optimizer(task.model, config)
        self.precision = Precision(config.precision, device)
        self.step = 0
        self.elapsed_before = 0.0
        self.evaluations: list[dict[str, float]] = []
        self.best_loss = math.inf
        if self.world.is_main:  # under torchrun only rank 0 writes files
            self.metrics: MetricsLog | NullMetricsLog = MetricsLog(out_dir / "metrics.jsonl")
            for stale in out_dir.glob(".*.safetensors.*.tmp"):  # left by a save cut by kill -9
                stale.unlink(missing_ok=True)
        else:
            self.metrics = NullMetricsLog()

    @property
    def best_metric(self) -> tuple[str, str]:
        return getattr(self.task, "best_metric", ("val_loss", "min"))

    @property
    def last_path(self) -> Path:
        return self.out_dir / "last.safetensors"

    @property
    def best_path(self) -> Path:
        return self.out_dir / "best.safetensors"

    def planned_steps(self) -> float:
        limits = []
        if self.config.steps:
            limits.append(self.config.steps)
        if self.config.epochs:
            limits.append(math.ceil(self.config.epochs * self.task.steps_per_epoch))
        return min(limits) if limits else math.inf

    def fraction_done(self, elapsed: float) -> float:
        parts = [self.step / self.planned_steps()]
        if self.config.minutes:
            parts.append(elapsed / (self.config.minutes * 60.0))
        return min(1.0, max(parts))

    def run(self) -> TrainingOutcome:
        """Train until a budget is spent or a stop is requested; save last/best on the way."""
        self.task.model.train()
        started = time.perf_counter() - self.elapsed_before
        with stop_requests() as requested, contextlib.closing(self.metrics):
            self._log_start()
            try:
                interrupted = self._train(started, requested)
            except TrainingDiverged as diverged:
                self._log_end("diverged", str(diverged))
                raise
            self._log_end("interrupted" if interrupted else "finished")
        return TrainingOutcome(
            steps=self.step,
            interrupted=interrupted,
            last_path=self.last_path,
            best_path=self.best_path,
            evaluations=self.evaluations,
            elapsed_s=time.perf_counter() - started,
        )

    def _log_end(self, status: str, reason: str = "") -> None:
        record = {"type": "end", "step": self.step, "status": status}
        self.metrics.write({**record, "reason": reason} if reason else record)

    def _log_start(self) -> None:
        """What `rnn-tui watch` needs before the first checkpoint: the budget, the clip
        threshold, and whether this continues an earlier run."""
        planned = self.planned_steps()
        self.metrics.write(
            {
                "type": "start",
                "step": self.step,
                "planned_steps": None if math.isinf(planned) else int(planned),
                "minutes": self.config.minutes or None,
                "clip": self.config.clip or None,
                "resumed": self.step > 0,
                "elapsed_before_s": self.elapsed_before,
                "pid": os.getpid(),
                "host": socket.gethostname(),
            }
        )

    def _train(self, started: float, requested: Any) -> bool:
        """The loop of `run`; whether it stopped on a request (else a budget was spent)."""
        config, task = self.config, self.task
        clip = config.clip if config.clip > 0 else math.inf
        pending_losses: list[Tensor] = []
        pending_norms: list[Tensor] = []
        window_start, tokens_since = time.perf_counter(), 0
        while True:
            elapsed, stop = self.world.agree(
                time.perf_counter() - started, bool(requested), self.device
            )
            fraction = self.fraction_done(elapsed)
            if fraction >= 1.0 or stop:
                break
            lr = scheduled_lr(config, self.step, fraction)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            with self.precision.autocast():
                loss = task.training_loss()
            self.optimizer.zero_grad(set_to_none=True)
            self.precision.backward(loss)
            self.precision.unscale(self.optimizer)
            norm = torch.nn.utils.clip_grad_norm_(self.parameters, clip)  # norm before clipping
            self.precision.step(self.optimizer)
            pending_losses.append(loss.detach())
            pending_norms.append(norm.detach())
            self.step += 1
            tokens_since += task.tokens_per_step
            boundary = self.step % config.eval_every == 0
            # Figures after the first step too, so a run shows them at once.
            if self.step % config.log_every == 0 or boundary or self.step == 1:
                # The only host synchronisation: once per log interval.
                now = time.perf_counter()
                rate = tokens_since / max(now - window_start, 1e-9)
                last_loss = self._flush(pending_losses, pending_norms, lr, rate, now - started)
                self.reporter.progress(
                    self.step, self.fraction_done(now - started), last_loss, rate, lr
                )
                window_start, tokens_since = now, 0
            if boundary:
                self._evaluate_and_save(time.perf_counter() - started)
                window_start = time.perf_counter()  # evaluation time is not training time
        if pending_losses:
            now = time.perf_counter()
            rate = tokens_since / max(now - window_start, 1e-9)
            self._flush(pending_losses, pending_norms, lr, rate, now - started)
        interrupted = bool(requested) or stop
        if interrupted or not self.evaluations or self.evaluations[-1]["step"] != self.step:
            self._evaluate_and_save(time.perf_counter() - started, interrupted=interrupted)
        self._check_replicas()
        return interrupted

    def _flush(
        self, losses: list[Tensor], norms: list[Tensor], lr: float, rate: float, elapsed: float
    ) -> float:
        # Each rank's loss is the mean over its share; their mean is the global batch's loss.
        values = (self.world.sum(torch.stack(losses).float()) / self.world.size).cpu().tolist()
        grad_norms = torch.stack(norms).float().cpu().tolist()
        first = self.step - len(values) + 1
        for offset, (loss, norm) in enumerate(zip(values, grad_norms, strict=True)):
            step = first + offset
            if not math.isfinite(loss):
                kept = (
                    f"the last good checkpoint is {self.last_path}"
                    if self.last_path.exists()
                    else "no checkpoint was saved before it"
                )
                raise TrainingDiverged(
                    f"training diverged: the loss is {loss} at step {step}; {kept}. "
                    "Try --clip 1.0 or a lower --lr"
                )
            self.metrics.write({"type": "train", "step": step, "loss": loss, "grad_norm": norm})
        self.metrics.write(
            {
                "type": "rate",
                "step": self.step,
                "tokens_per_s": rate,
                "lr": lr,
                "elapsed_s": elapsed,
            }
        )
        losses.clear()
        norms.clear()
        return values[-1]

    def _evaluate_and_save(self, elapsed: float, interrupted: bool = False) -> None:
        figures = self.task.evaluate()
        record = {"step": self.step, "epoch": round(self.task.epochs_done(), 4), **figures}
        self.evaluations.append(record)
        self.reporter.evaluation(self.step, figures)
        name, direction = self.best_metric
        score = figures[name] if direction == "min" else -figures[name]  # lower is better
        improved = score < self.best_loss
        if improved:
            self.best_loss = score
        history = {
            "steps": self.step,
            "epochs": record["epoch"],
            "tokens": self.step * self.task.tokens_per_step,
            "elapsed_s": round(elapsed, 2),
            "interrupted": interrupted,
            "evaluations": self.evaluations[-200:],
            f"best_{name}": self.best_loss if direction == "min" else -self.best_loss,
        }
        card = {**self.card, "validation": figures, "training_time_s": round(elapsed, 1)}
        if self.world.is_main:
            checkpoint = self.task.checkpoint(history, card)
            save_checkpoint(self.last_path, checkpoint)
            if improved:
                save_checkpoint(self.best_path, checkpoint)
        self.save_resume_state(elapsed)
        # Logged once saved: a failed save (a full disk) leaves no record of a save.
        self.metrics.write({"type": "eval", "elapsed_s": elapsed, **record})

    def _check_replicas(self) -> None:
        """Under torchrun: record each rank's parameter digest; DDP must keep them equal."""
        if not self.world.active:
            return
        digests = self.world.gather(parameter_digest(self.task.model))
        identical = len(set(digests)) == 1
        self.metrics.write(
            {
                "type": "world",
                "step": self.step,
                "processes": self.world.size,
                "backend": self.world.backend,
                "parameter_sha256": digests,
                "identical": identical,
            }
        )
        self.reporter.message(
            f"{self.world.size} processes ({self.world.backend}): parameters "
            + ("identical on every rank" if identical else "DIFFER between ranks")
        )

    def save_resume_state(self, elapsed: float) -> None:
        """Optimizer, RNG, data position, carried state and weights, for an exact `--resume`.

        Under torchrun every rank takes part (the carried state and RNG states of all
        ranks are gathered); rank 0 writes.
        """
        task_tensors = dict(self.task.position_tensors())
        for rank, states in enumerate(self.world.gather(rank_rng_states(self.device))):
            for name, state in states.items():
                task_tensors[f"rng.rank{rank}.{name}"] = state
        if not self.world.is_main:
            return
        for name, tensor in self.task.model.state_dict().items():
            task_tensors[f"model.{name}"] = tensor.detach().cpu()
        counters = {
            "step": self.step,
            "elapsed_s": elapsed,
            "best_loss": self.best_loss if math.isfinite(self.best_loss) else None,
            "evaluations": self.evaluations[-200:],
            "grad_scaler": self.precision.state(),
        }
        save_resume_state(self.out_dir / RESUME_FILE, self.optimizer, task_tensors, counters)

    def restore(self, path: Path) -> None:
        """Continue exactly where `save_resume_state` left off."""
        saved = load_resume_state(path)
        tensors = {name: torch.from_numpy(value.copy()) for name, value in saved.tensors.items()}
        weights = {
            n.removeprefix("model."): t for n, t in tensors.items() if n.startswith("model.")
        }
        try:
            self.task.model.load_state_dict(weights)
            self.task.restore_position(tensors)
            restore_optimizer(self.optimizer, saved.tensors, saved.meta["param_groups"])
            counters = saved.meta["counters"]
            self.step = int(counters["step"])
            self.elapsed_before = float(counters["elapsed_s"])
            best = counters["best_loss"]
            self.best_loss = math.inf if best is None else float(best)
            self.evaluations = list(counters["evaluations"])
        except (RuntimeError, KeyError, ValueError, TypeError, IndexError) as error:
            reason = str(error).strip().splitlines()
            detail = reason[-1].strip() if reason else type(error).__name__
            raise UserError(
                f"{path}: does not belong to this run's last.safetensors ({detail[:160]}); "
                "it may have been copied from another run"
            ) from None
        self.metrics.keep_through(self.step)
        self.precision.restore(counters.get("grad_scaler", {}))
        restore_rng(saved.tensors, self.world.rank, self.device)
