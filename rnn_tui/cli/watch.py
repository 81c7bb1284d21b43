"""`rnn-tui watch`: follow training runs from their folders (no torch)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import typer

from rnn_tui.cli.common import reports_user_errors
from rnn_tui.errors import UserError


def plain_summary(summary: dict) -> str:
    """One run's `--once` lines: status, progress, losses, best, speed, time left."""

    def figure(value: float | None, form: str = ".4f") -> str:
        return "—" if value is None or not math.isfinite(value) else format(value, form)

    planned = summary["planned_steps"]
    done = summary["fraction_done"]
    progress = f"step {summary['step']:,}" + (f" of {planned:,}" if planned else "")
    if done is not None:
        progress += f" ({done:.0%})"
    best = summary["best"]
    best_text = (
        "—" if best is None else f"{best['figure']} {best['value']:.4f} at step {best['step']:,}"
    )
    eta = summary["eta_s"]
    return "\n".join(
        [
            f"{summary['run']}: {summary['status']}",
            f"  {progress}; loss {figure(summary['loss'])} (mean of the last steps); "
            f"validation loss {figure(summary['last_val_loss'])}",
            f"  best {best_text}",
            f"  gradient norm {figure(summary['grad_norm'])} "
            f"(clip {figure(summary['clip'], 'g')}); "
            f"{figure(summary['tokens_per_s'], ',.0f')} tokens/s",
            f"  elapsed {figure(summary['elapsed_s'], '.0f')} s; left "
            + ("—" if eta is None else f"about {eta:.0f} s"),
        ]
    )


@reports_user_errors
def watch_command(
    runs: list[Path] = typer.Argument(..., help="Run folders (the --out of rnn-tui train)."),
    once: bool = typer.Option(False, "--once", help="Print a summary of each run and exit."),
    as_json: bool = typer.Option(False, "--json", help="With --once: one JSON object per run."),
) -> None:
    """Watch training runs live: losses, gradient norms, speed, and the latest checkpoint."""
    from rnn_tui.session.watching import RunWatch

    if as_json and not once:
        raise UserError("--json: give --once too (the dashboard is not JSON)")
    watches = [RunWatch(folder) for folder in runs]
    if once:
        now = time.monotonic()
        for watch in watches:
            watch.poll(now)
            summary = watch.summary(now)
            typer.echo(json.dumps(summary) if as_json else plain_summary(summary))
        return
    from rnn_tui.cli.open_apps import run_dashboard

    run_dashboard(watches)
