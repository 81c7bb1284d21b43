"""Progress for people and for logs: a Rich bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from rnn_tui.train.distributed import World


class Reporter(Protocol):
    def progress(
        self, step: int, fraction: float, loss: float, tokens_per_s: float, lr: float
    ) -> None: ...
    def evaluation(self, step: int, figures: dict[str, float]) -> None: ...
    def message(self, text: str) -> None: ...
    def close(self) -> None: ...


def format_figures(figures: dict[str, float]) -> str:
    return "  ".join(f"{name} {value:.4f}" for name, value in figures.items())


class PlainReporter:
    """One greppable line per report, for CI, `nohup` and `tee`."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def progress(
        self, step: int, fraction: float, loss: float, tokens_per_s: float, lr: float
    ) -> None:
        print(
            f"step {step}  loss {loss:.4f}  tok/s {tokens_per_s:,.0f}  lr {lr:.2e}  "
            f"done {fraction:6.1%}",
            file=self.stream,
            flush=True,
        )

    def evaluation(self, step: int, figures: dict[str, float]) -> None:
        print(f"eval step {step}  {format_figures(figures)}", file=self.stream, flush=True)

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichReporter:
    """A progress bar with loss, tokens/s and time remaining; evaluations print above it."""

    _SCALE = 10_000

    def __init__(self) -> None:
        self.console = Console()
        self.bar = Progress(
            TextColumn("step {task.fields[step]}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("loss {task.fields[loss]}  {task.fields[rate]} tok/s"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task = self.bar.add_task(  # no figure is shown before one exists
            "train", total=self._SCALE, step=0, loss="—", rate="—"
        )
        self.bar.start()

    def progress(
        self, step: int, fraction: float, loss: float, tokens_per_s: float, lr: float
    ) -> None:
        self.bar.update(
            self.task,
            completed=fraction * self._SCALE,
            step=step,
            loss=f"{loss:.4f}",
            rate=f"{tokens_per_s:,.0f}",
        )

    def evaluation(self, step: int, figures: dict[str, float]) -> None:
        self.bar.console.print(f"eval step {step}  {format_figures(figures)}")

    def message(self, text: str) -> None:
        self.bar.console.print(text)

    def close(self) -> None:
        self.bar.stop()


class SilentReporter:
    """Ranks other than 0 under torchrun: rank 0 speaks for all."""

    def progress(
        self, step: int, fraction: float, loss: float, tokens_per_s: float, lr: float
    ) -> None:
        pass

    def evaluation(self, step: int, figures: dict[str, float]) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class TerminalSafeReporter:
    """Passes every report on until the terminal goes away (SIGHUP, a dropped SSH
    connection: writes then fail with EIO or EPIPE); from then on reports nothing, so
    training goes on to save instead of dying on a print."""

    def __init__(self, inner: Reporter) -> None:
        self.inner: Reporter = inner

    def _call(self, name: str, *args: object) -> None:
        try:
            getattr(self.inner, name)(*args)
        except OSError:
            self.inner = SilentReporter()

    def progress(self, step: int, fraction: float, loss: float, rate: float, lr: float) -> None:
        self._call("progress", step, fraction, loss, rate, lr)

    def evaluation(self, step: int, figures: dict[str, float]) -> None:
        self._call("evaluation", step, figures)

    def message(self, text: str) -> None:
        self._call("message", text)

    def close(self) -> None:
        self._call("close")


def make_reporter(world: World | None = None) -> Reporter:
    if world is not None and not world.is_main:
        return SilentReporter()
    return TerminalSafeReporter(RichReporter() if sys.stdout.isatty() else PlainReporter())
