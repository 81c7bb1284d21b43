"""A training run followed from its folder: its figures as they are logged, its state,
and a look inside its latest checkpoint (`rnn-tui watch`).

Nothing here talks to the training process: it reads `metrics.jsonl` (one record per
line: `start`, `train` per step, `rate` per log interval, `eval` per evaluation, `end`)
and `last.safetensors` as the trainer writes them, so it works for a run in another
terminal, under nohup or torchrun, or on another machine writing to a shared folder.
Memory stays flat: each series keeps at most `MAX_POINTS` points, halving its density
when full.
"""

from __future__ import annotations

import math
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnn_tui.checkpoint import checkpoint_section
from rnn_tui.data.metrics_follow import MetricsFollower
from rnn_tui.errors import UserError
from rnn_tui.files import RUN_LOCK_NAME

MAX_POINTS = 2000
RECENT_STEPS = 20  # the loss shown as "now" is the mean of the last this many steps
STALE_S = 300.0  # a run on another host with no new line for this long shows as quiet


class Series:
    """(step, value) points, thinned to at most MAX_POINTS: when full, the stride
    doubles and only the first point and the steps that are multiples of the stride
    stay, so the points remain evenly spread over the run."""

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: list[float] = []
        self.stride = 1
        self.last: float = math.nan

    def add(self, step: int, value: float) -> None:
        self.last = value
        if step % self.stride:
            return
        if len(self.steps) >= MAX_POINTS:
            self.stride *= 2
            kept = [k for k, s in enumerate(self.steps) if k == 0 or s % self.stride == 0]
            self.steps = [self.steps[k] for k in kept]
            self.values = [self.values[k] for k in kept]
            if step % self.stride:
                return
        self.steps.append(step)
        self.values.append(value)


def _number(record: dict[str, Any], key: str) -> float | None:
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass
class RunState:
    """What the log says so far."""

    step: int = 0
    recent_losses: list[float] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    starts: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None
    tokens_per_s: float = math.nan
    lr: float = math.nan
    elapsed_s: float = math.nan


class RunWatch:
    """One run folder: `poll` reads what was appended; the properties summarise it."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise UserError(f"{folder}: no such run folder")
        if not (folder / "metrics.jsonl").exists() and not (folder / "last.safetensors").exists():
            raise UserError(
                f"{folder}: not a training run (no metrics.jsonl or last.safetensors); "
                "give the --out folder of rnn-tui train"
            )
        self.folder = folder
        self.follower = MetricsFollower(folder / "metrics.jsonl")
        self.forget_figures()
        self.last_change = 0.0  # when a new line last arrived (time.monotonic)
        self.checkpoint_seen: float | None = None  # mtime of the last checkpoint looked at
        self._config_read: tuple[float | None, dict[str, Any]] = (None, {})

    @property
    def name(self) -> str:
        return self.folder.name

    def forget_figures(self) -> None:
        """Empty series and state: at the start, and when the log is replaced."""
        self.loss, self.val_loss, self.grad_norm = Series(), Series(), Series()
        self.tokens_per_s, self.lr, self.elapsed = Series(), Series(), Series()
        self.state = RunState()

    def poll(self, now: float = 0.0) -> bool:
        """Read new records; whether anything changed."""
        records = self.follower.read_new()
        if self.follower.restarted:  # a new run in the folder (--force): its records only
            self.forget_figures()
        for record in records:
            self.apply(record)
        if records:
            self.last_change = now
        return bool(records)

    def apply(self, record: dict[str, Any]) -> None:
        kind, state = record.get("type"), self.state
        step = int(_number(record, "step") or 0)
        state.step = max(state.step, step)
        if kind == "train":
            loss, norm = _number(record, "loss"), _number(record, "grad_norm")
            if loss is not None:
                self.loss.add(step, loss)
                state.recent_losses = [*state.recent_losses[-(RECENT_STEPS - 1) :], loss]
            if norm is not None:
                self.grad_norm.add(step, norm)
        elif kind == "rate":
            for key, series in (("tokens_per_s", self.tokens_per_s), ("lr", self.lr)):
                value = _number(record, key)
                if value is not None:
                    series.add(step, value)
                    setattr(state, key, value)
            elapsed = _number(record, "elapsed_s")
            if elapsed is not None:
                state.elapsed_s = elapsed
                self.elapsed.add(step, elapsed)
        elif kind == "eval":
            state.evaluations.append(record)
            value = _number(record, "val_loss")
            if value is not None:
                self.val_loss.add(step, value)
        elif kind == "start":
            state.starts.append(record)
            state.end = None
        elif kind == "end":
            state.end = record

    # --- summaries ---------------------------------------------------------------
    def _setting(self, start_key: str, config_key: str) -> float | None:
        """A budget or threshold from the latest start record or, for a log written before
        start records existed, from the checkpoint's `train_config`."""
        if self.state.starts:
            return _number(self.state.starts[-1], start_key)
        return _number(self._train_config(), config_key) or None

    def _train_config(self) -> dict[str, Any]:
        path = self.folder / "last.safetensors"
        try:
            stamp = path.stat().st_mtime
        except OSError:
            return {}
        if self._config_read[0] != stamp:
            try:
                self._config_read = (stamp, checkpoint_section(path, "train_config"))
            except UserError:  # being replaced, or not a checkpoint
                return {}
        return self._config_read[1]

    @property
    def clip(self) -> float | None:
        return self._setting("clip", "clip")

    @property
    def planned_steps(self) -> int | None:
        planned = self._setting("planned_steps", "steps")
        return int(planned) if planned else None

    @property
    def budget_minutes(self) -> float | None:
        return self._setting("minutes", "minutes")

    @property
    def recent_loss(self) -> float:
        losses = self.state.recent_losses
        return sum(losses) / len(losses) if losses else math.nan

    def best(self) -> tuple[str, float, int] | None:
        """(figure, best value, its step): the best exact match for translators, else
        the lowest validation loss."""
        evaluations = self.state.evaluations
        for key, pick in (("exact_match", max), ("val_loss", min)):
            scored = [
                (e[key], int(e.get("step", 0))) for e in evaluations if _number(e, key) is not None
            ]
            if scored:
                value, step = pick(scored, key=lambda pair: pair[0])
                return key, float(value), step
        return None

    def fraction_done(self) -> float | None:
        parts = []
        if self.planned_steps:
            parts.append(self.state.step / self.planned_steps)
        if self.budget_minutes and math.isfinite(self.state.elapsed_s):
            parts.append(self.state.elapsed_s / (self.budget_minutes * 60))
        return min(1.0, max(parts)) if parts else None

    def eta_s(self, now: float = 0.0) -> float | None:
        """Seconds left, from the time spent so far and the share of the budget done."""
        fraction, elapsed = self.fraction_done(), self.state.elapsed_s
        if not self.status(now).startswith("running") or not fraction:
            return None
        if not math.isfinite(elapsed):
            return None
        return elapsed * (1 - fraction) / fraction

    def status(self, now: float = 0.0) -> str:
        """finished, interrupted, diverged (as its end record says); else running,
        stopped (its process is gone) or quiet (no line for a while, on another host);
        waiting before any record. `resumed` is added when the log has several starts."""
        state = self.state
        if state.end is not None:
            said = str(state.end.get("status", "ended"))
        elif not state.starts and not state.step:
            said = "waiting"
        else:
            said = self._liveness(now)
            if said == "stopped" and (self.fraction_done() or 0.0) >= 1.0:
                said = "finished"  # a log from before end records: its budget was spent
        return f"{said}, resumed" if len(state.starts) > 1 else said

    def _liveness(self, now: float) -> str:
        """running or stopped by the trainer's process id where it ran on this machine
        (from its start record, or the folder's lock file for a log without one); else
        running until no line has come for STALE_S seconds."""
        start = self.state.starts[-1] if self.state.starts else None
        pid: Any = None
        if start is not None and start.get("host") == socket.gethostname():
            pid = start.get("pid")
        elif start is None:
            try:
                pid = int((self.folder / RUN_LOCK_NAME).read_text(encoding="ascii").strip())
            except (OSError, ValueError):
                pid = None
        if isinstance(pid, int) and pid > 0:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return "stopped"
            except PermissionError:
                pass
            return "running"
        return "running" if now - self.last_change < STALE_S else "quiet"

    def summary(self, now: float = 0.0) -> dict[str, Any]:
        """The figures `--once` prints and `--json` writes."""
        best = self.best()

        def known(value: float) -> float | None:
            return None if math.isnan(value) else value

        return {
            "run": str(self.folder),
            "status": self.status(now),
            "step": self.state.step,
            "planned_steps": self.planned_steps,
            "fraction_done": self.fraction_done(),
            "loss": None if math.isnan(self.recent_loss) else self.recent_loss,
            "last_val_loss": self.val_loss.last if not math.isnan(self.val_loss.last) else None,
            "best": None
            if best is None
            else {"figure": best[0], "value": best[1], "step": best[2]},
            "grad_norm": None if math.isnan(self.grad_norm.last) else self.grad_norm.last,
            "clip": self.clip,
            "tokens_per_s": None
            if math.isnan(self.state.tokens_per_s)
            else self.state.tokens_per_s,
            "elapsed_s": None if math.isnan(self.state.elapsed_s) else self.state.elapsed_s,
            "eta_s": self.eta_s(now),
            "sampled_history": self.follower.sampled,
        }

    def new_checkpoint(self) -> Path | None:
        """`last.safetensors` when it changed since the last call (None otherwise)."""
        path = self.folder / "last.safetensors"
        try:
            modified = path.stat().st_mtime
        except OSError:
            return None
        if modified == self.checkpoint_seen:
            return None
        self.checkpoint_seen = modified
        return path
