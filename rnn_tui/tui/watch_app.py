"""`rnn-tui watch`: a dashboard that follows training runs from their folders."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Static

from rnn_tui.errors import UserError
from rnn_tui.session.watching import RunWatch
from rnn_tui.tui.base_app import RnnTuiApp, stylesheets
from rnn_tui.tui.plain import plain
from rnn_tui.tui.widgets.title import Title
from rnn_tui.tui.widgets.watch.curves import Curves, rich_colour

POLL_S = 0.25  # how often the logs are looked at: a new line shows within this
CHECKPOINT_POLL_S = 1.0


def figure(value: Any, form: str = ".4f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return format(value, form)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class WatchApp(RnnTuiApp):
    CSS_PATH = stylesheets("common", "watch", "explorer")  # Enter opens the explorer's view
    TITLE = "rnn-tui watch"
    BINDINGS = [
        Binding("n", "next_run", "Next run", tooltip="look inside the next run's checkpoint"),
        Binding("x", "x_axis", "Steps/time", tooltip="plot against steps or against minutes"),
        Binding("p", "third_plot", "Speed/lr", tooltip="the third plot: tokens/s or learning rate"),
        Binding("e", "explore('last')", "Explore", tooltip="the explorer on the latest checkpoint"),
        Binding("b", "explore('best')", "Best", tooltip="the explorer on the best checkpoint"),
        Binding("escape", "back", "Back", show=False, tooltip="from the explorer to the dashboard"),
        Binding("question_mark", "help", "Help", tooltip="every key, in words"),
        Binding("q", "quit", "Quit", tooltip="leave rnn-tui"),
    ]  # fmt: skip

    def __init__(self, watches: list[RunWatch]) -> None:
        super().__init__()
        self.watches = watches
        self.chosen = 0  # the run whose checkpoint is looked inside
        self.against_time = False
        self.show_rate = True  # the third plot: tokens/s (else the learning rate)
        self.inside: dict[int, list[str]] = {}
        self.inside_of: dict[int, Path] = {}

    def compose(self) -> ComposeResult:
        yield Title("Runs", id="watch-title")
        yield Static("", id="watch-runs")
        with Horizontal(id="watch-plots"):
            yield Curves(id="watch-loss")
            yield Curves(id="watch-norm")
            yield Curves(id="watch-third")
        yield Title("Inside the latest checkpoint", id="watch-inside-title")
        yield Static("", id="watch-inside")
        yield Footer()

    def on_mount(self) -> None:
        self.poll(force=True)
        self.set_interval(POLL_S, self.poll)
        self.set_interval(CHECKPOINT_POLL_S, self.check_checkpoints)
        self.call_after_refresh(self.check_checkpoints)

    # --- following -----------------------------------------------------------------
    def poll(self, force: bool = False) -> None:
        now = time.monotonic()
        changed = [watch.poll(now) for watch in self.watches]
        if any(changed) or force:
            self.redraw(now)

    def check_checkpoints(self) -> None:
        watch = self.watches[self.chosen]
        path = watch.new_checkpoint()
        if path is not None:
            self.look_inside(self.chosen, path)

    @work(thread=True, exclusive=True, group="inside")
    def look_inside(self, index: int, path: Path) -> None:
        from rnn_tui.session.watch_inside import look_inside

        self.call_from_thread(self.say_inside, index, path, ["reading the checkpoint…"])
        try:
            lines = look_inside(path)
        except UserError as error:  # being replaced as we read it: the next change retries
            lines = [f"cannot read it yet: {error}"]
        self.call_from_thread(self.say_inside, index, path, lines)

    def say_inside(self, index: int, path: Path, lines: list[str]) -> None:
        self.inside[index], self.inside_of[index] = lines, path
        self.show_inside()

    # --- drawing -------------------------------------------------------------------
    def redraw(self, now: float) -> None:
        self.query_one("#watch-runs", Static).update(self.runs_table(now))
        x_label = "minutes" if self.against_time else "step"
        times = [self.minutes_at(w) for w in self.watches] if self.against_time else None
        loss, norm, third = (
            self.query_one(f"#watch-{n}", Curves) for n in ("loss", "norm", "third")
        )
        many = len(self.watches) > 1
        loss.show(
            "loss; x = validation",
            [
                curve
                for k, w in enumerate(self.watches)
                for curve in (
                    (f"{w.name} train" if many else "train", k, w.loss, "braille"),
                    (f"{w.name} val" if many else "validation", k, w.val_loss, "x"),
                )
            ],
            x_label=x_label,
            x_of=times,
        )
        clips = {w.clip for w in self.watches if w.clip}
        clip = clips.pop() if len(clips) == 1 else None
        norm.show(
            "|g|"
            + (f", clip {clip:g} {'flat' if self.no_color else 'red'}" if clip else " unclipped"),
            [(w.name, k, w.grad_norm, "braille") for k, w in enumerate(self.watches)],
            threshold=clip,
            log_y=True,
            x_label=x_label,
            x_of=times,
        )
        title, series = ("tokens/s", "tokens_per_s") if self.show_rate else ("learning rate", "lr")
        third.show(
            title,
            [(w.name, k, getattr(w, series), "braille") for k, w in enumerate(self.watches)],
            x_label=x_label,
            x_of=times,
        )

    @staticmethod
    def minutes_at(watch: RunWatch) -> dict[int, float]:
        """Minutes of training at each logged step, from the rate records' elapsed time
        (steps between two records placed in proportion)."""
        known = list(zip(watch.elapsed.steps, watch.elapsed.values, strict=True))
        steps = sorted({*watch.loss.steps, *watch.val_loss.steps, *watch.grad_norm.steps,
                        *watch.tokens_per_s.steps, *watch.lr.steps})  # fmt: skip
        if len(known) < 2:
            return {}
        xs = [s for s, _ in known]
        ys = [t / 60 for _, t in known]
        import numpy as np

        return dict(zip(steps, np.interp(steps, xs, ys).tolist(), strict=True))

    def runs_table(self, now: float) -> Table:
        table = Table(box=None, padding=(0, 1), expand=True)
        for heading in ("run", "status", "step", "loss", "val", "best", "‖g‖", "tok/s", "left"):
            table.add_column(heading, no_wrap=True)
        for k, watch in enumerate(self.watches):
            s = watch.summary(now)
            done = s["fraction_done"]
            step = f"{s['step']:,}" + (f" {done:.0%}" if done is not None else "")
            best = s["best"]
            best_text = "—" if best is None else f"{best['value']:.4f}"
            name = Text(("▶ " if k == self.chosen else "  ") + plain(watch.name),
                        style=rich_colour(k))  # fmt: skip
            status = Text(s["status"], style="bold red" if "diverged" in s["status"] else "")
            table.add_row(
                name, status, step, figure(s["loss"]), figure(s["last_val_loss"]), best_text,
                figure(s["grad_norm"], ".3g"), figure(s["tokens_per_s"], ",.0f"),
                duration(s["eta_s"]),
            )  # fmt: skip
        return table

    def show_inside(self) -> None:
        lines = self.inside.get(self.chosen, ["waiting for the first checkpoint…"])
        path = self.inside_of.get(self.chosen)
        title = f"Inside {self.watches[self.chosen].name}"
        if path is not None:
            title += f" · {path.name}"
        self.query_one("#watch-inside-title", Title).set(title)
        self.query_one("#watch-inside", Static).update("\n".join(plain(line) for line in lines))

    # --- keys ----------------------------------------------------------------------
    def action_next_run(self) -> None:
        self.chosen = (self.chosen + 1) % len(self.watches)
        watch = self.watches[self.chosen]
        if self.chosen not in self.inside:
            watch.checkpoint_seen = None  # look at it now
        self.show_inside()
        self.redraw(time.monotonic())
        self.check_checkpoints()

    def action_x_axis(self) -> None:
        self.against_time = not self.against_time
        self.redraw(time.monotonic())

    def action_third_plot(self) -> None:
        self.show_rate = not self.show_rate
        self.redraw(time.monotonic())

    def action_explore(self, which: str) -> None:
        """The explorer's view of the chosen run's latest (or best) checkpoint, over the
        dashboard; Esc comes back."""
        path = self.watches[self.chosen].folder / f"{which}.safetensors"
        if not path.exists():
            self.notify(f"{path} does not exist yet", severity="warning")
            return
        self.open_view(path)

    @work(thread=True, exclusive=True, group="explore")
    def open_view(self, path: Path) -> None:
        from rnn_tui.tui.app import open_model_file

        try:
            model = open_model_file(path)
        except UserError as error:  # being replaced as we read it
            self.call_from_thread(self.notify, str(error), title="Cannot open", severity="error")
            return
        self.call_from_thread(self.show_view, path, model)

    def show_view(self, path: Path, model: Any) -> None:
        from rnn_tui.tui.app import ExplorerApp

        self.push_screen(ExplorerApp.view_for(model, path, ""))

    def action_back(self) -> None:
        """Esc: from the explorer's view back to the dashboard."""
        if len(self.screen_stack) > 1:
            self.pop_screen()
