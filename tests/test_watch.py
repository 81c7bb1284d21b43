"""`rnn-tui watch`: following metrics.jsonl as it is written, and the dashboard on a real
training run in another process."""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_tui.bundled import bundled_models
from rnn_tui.data import metrics_follow
from rnn_tui.data.metrics_follow import MetricsFollower
from rnn_tui.session.watching import MAX_POINTS, RunWatch, Series
from tests.conftest import run_cli, tiny_training_args


def line(record: dict) -> str:
    return json.dumps(record) + "\n"


def train(step: int, loss: float = 2.0) -> dict:
    return {"type": "train", "step": step, "loss": loss, "grad_norm": 0.5}


def test_a_half_written_line_is_read_whole_next_time(tmp_path: Path) -> None:
    log = tmp_path / "metrics.jsonl"
    whole = line(train(1)) + line(train(2))
    third = line(train(3, 1.5))
    log.write_text(whole + third[:10])
    follower = MetricsFollower(log)
    assert [r["step"] for r in follower.read_new()] == [1, 2]
    assert follower.read_new() == []
    with log.open("a") as stream:
        stream.write(third[10:])
    assert follower.read_new() == [train(3, 1.5)]
    log.write_text(line(train(1, 9.0)))  # a new run in the folder (--force): read afresh
    assert follower.read_new() == [train(1, 9.0)] and follower.restarted


def test_a_long_log_opens_from_a_sample_with_every_evaluation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past READ_WHOLE_BYTES the history is sampled, but every eval/start/end record is
    found, the records keep their order, the tail is whole, and new lines follow."""
    monkeypatch.setattr(metrics_follow, "READ_WHOLE_BYTES", 20_000)
    monkeypatch.setattr(metrics_follow, "TAIL_BYTES", 3_000)
    monkeypatch.setattr(metrics_follow, "SAMPLES", 40)
    log = tmp_path / "metrics.jsonl"
    records = [{"type": "start", "step": 0}]
    for step in range(1, 2001):
        records.append(train(step, 3.0 - step / 1000))
        if step % 250 == 0:
            records.append({"type": "eval", "step": step, "val_loss": 3.0 - step / 1000})
    log.write_text("".join(map(line, records)))
    read = MetricsFollower(log)
    got = read.read_new()
    assert read.sampled and len(got) < len(records) / 5
    assert [r["step"] for r in got if r["type"] == "eval"] == list(range(250, 2001, 250))
    assert got[0]["type"] == "start"
    steps = [r["step"] for r in got if r["type"] == "train"]
    assert steps == sorted(steps) and steps[-1] == 2000
    tail = [r for r in records if r["type"] == "train"][-30:]  # well inside TAIL_BYTES
    assert all(r in got for r in tail)
    with log.open("a") as stream:
        stream.write(line(train(2001)))
    assert read.read_new() == [train(2001)]


def test_series_keep_at_most_max_points_spread_over_the_run() -> None:
    series = Series()
    for step in range(1, 20 * MAX_POINTS + 1):
        series.add(step, float(step))
    assert MAX_POINTS // 2 <= len(series.steps) <= MAX_POINTS
    assert series.steps[0] == 1  # the start of the run stays
    gaps = {b - a for a, b in zip(series.steps[1:], series.steps[2:], strict=False)}
    assert gaps == {series.stride}
    assert series.steps[-1] > 19 * MAX_POINTS and series.last == 20 * MAX_POINTS


def run_folder(tmp_path: Path, records: list[dict], name: str = "run") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "metrics.jsonl").write_text("".join(map(line, records)))
    return folder


def start(step: int = 0, pid: int | None = None, planned: int = 100, resumed: bool = False):
    return {"type": "start", "step": step, "planned_steps": planned, "minutes": None,
            "clip": 1.0, "resumed": resumed, "pid": pid or os.getpid(),
            "host": socket.gethostname()}  # fmt: skip


def test_status_progress_and_time_left(tmp_path: Path) -> None:
    rate = {"type": "rate", "step": 25, "tokens_per_s": 1000.0, "lr": 0.01, "elapsed_s": 50.0}
    running = RunWatch(run_folder(tmp_path, [start(), *map(train, range(1, 26)), rate]))
    running.poll()
    assert running.status() == "running"  # this test's own process id
    assert running.fraction_done() == 0.25
    assert running.eta_s() == pytest.approx(50.0 * 0.75 / 0.25)  # elapsed·(1 − f)/f
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    gone = RunWatch(run_folder(tmp_path, [start(pid=int(dead.stdout))], "gone"))
    gone.poll()
    assert gone.status() == "stopped" and gone.eta_s() is None
    ended = [start(), train(1), {"type": "end", "step": 1, "status": "diverged", "reason": "x"}]
    diverged = RunWatch(run_folder(tmp_path, ended, "nan"))
    diverged.poll()
    assert diverged.status() == "diverged"
    twice = [start(), train(1), start(1, resumed=True), train(2),
             {"type": "end", "step": 2, "status": "finished"}]  # fmt: skip
    resumed = RunWatch(run_folder(tmp_path, twice, "again"))
    resumed.poll()
    assert resumed.status() == "finished, resumed"


def test_once_prints_a_summary_and_json(tmp_path: Path) -> None:
    evals = [
        {"type": "eval", "step": s, "val_loss": v} for s, v in ((10, 2.5), (20, 2.1), (30, 2.3))
    ]
    folder = run_folder(tmp_path, [start(), *map(train, range(1, 31)), *evals,
                                   {"type": "end", "step": 30, "status": "finished"}])  # fmt: skip
    result = run_cli("watch", str(folder), "--once", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "finished" and summary["step"] == 30
    assert summary["best"] == {"figure": "val_loss", "value": 2.1, "step": 20}
    plain = run_cli("watch", str(folder), "--once").output
    assert "finished" in plain and "val_loss 2.1000 at step 20" in plain
    refused = run_cli("watch", str(tmp_path / "nowhere"), "--once")
    assert refused.exit_code == 2 and "no such run folder" in refused.output
    assert run_cli("watch", str(folder), "--json").exit_code == 2


@pytest.mark.slow
def test_the_dashboard_follows_a_real_training_run(
    repetitive_text_file: Path, tmp_path: Path
) -> None:
    """A training process writes; the dashboard's loss series grows while it runs, a
    checkpoint brings samples, and the run shows as finished."""
    from rnn_tui.tui.watch_app import WatchApp
    from tests.pilot_helpers import until

    out = tmp_path / "live"
    args = tiny_training_args(repetitive_text_file, out, steps=600, log_every="1")
    process = subprocess.Popen([sys.executable, "-m", "rnn_tui", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    log, deadline = out / "metrics.jsonl", time.time() + 120
    while time.time() < deadline and not (log.exists() and '"train"' in log.read_text()):
        time.sleep(0.05)
    # Held still, once it has logged a step, until the dashboard has drawn it: on a loaded
    # machine the 600 steps could otherwise be done before the dashboard opens.
    process.send_signal(signal.SIGSTOP)

    async def scenario() -> None:
        watch = RunWatch(out)
        app = WatchApp([watch])
        async with app.run_test(size=(120, 36)) as pilot:
            seen = []
            await until(pilot, lambda: len(watch.loss.steps) > 0, seconds=60)
            seen.append(len(watch.loss.steps))
            assert seen[0] < 600 and watch.status() == "running"
            process.send_signal(signal.SIGCONT)
            await until(pilot, lambda: "greedy" in "\n".join(app.inside.get(0, [])), seconds=90)
            await until(pilot, lambda: watch.status().startswith("finished"), seconds=120)
            seen.append(len(watch.loss.steps))
            assert seen[0] < seen[1] == 600
            logged = map(json.loads, (out / "metrics.jsonl").read_text().splitlines())
            losses = [r["loss"] for r in logged if r["type"] == "train"]
            assert watch.loss.values == pytest.approx(losses)
        process.wait(timeout=60)

    try:
        asyncio.run(scenario())
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()


def dashboard_folder(tmp_path: Path) -> Path:
    """A finished run with a fixed log and the bundled RNN as its checkpoint."""
    records = [start(planned=300)]
    for step in range(1, 301):
        records.append({"type": "train", "step": step, "loss": 4.4 * math.exp(-step / 60) + 1.3,
                        "grad_norm": 0.3 + 2.0 * math.exp(-step / 30)})  # fmt: skip
        if step % 50 == 0:
            records.append({"type": "rate", "step": step, "tokens_per_s": 20000.0 + step,
                            "lr": 0.002 * (1 - step / 300), "elapsed_s": step / 5})  # fmt: skip
        if step % 100 == 0:
            records.append({"type": "eval", "step": step, "val_loss": 1.5 + 60 / (step + 40)})
    records.append({"type": "end", "step": 300, "status": "finished"})
    folder = run_folder(tmp_path, records, "rnn-2x256")
    rnn = next(p for p in bundled_models() if p.stem == "shakespeare-rnn")
    shutil.copy(rnn, folder / "last.safetensors")
    return folder


def test_two_runs_are_overlaid_one_colour_each(tmp_path: Path) -> None:
    """Both runs in the table and in every plot, each in its own colour with its name in
    the legend; `n` moves the look inside to the second run."""
    from rnn_tui.tui.watch_app import WatchApp
    from rnn_tui.tui.widgets.watch.curves import RUN_COLOURS, Curves
    from tests.pilot_helpers import until

    first = dashboard_folder(tmp_path)
    ended = [start(planned=50), *map(train, range(1, 51)),
             {"type": "end", "step": 50, "status": "interrupted"}]  # fmt: skip
    second = run_folder(tmp_path, ended, "other")

    def screen_text(app) -> str:
        return app.export_screenshot().replace("&#160;", " ")

    async def scenario() -> None:
        app = WatchApp([RunWatch(first), RunWatch(second)])
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: 0 in app.inside, seconds=60)
            legends = {n: app.query_one(f"#watch-{n}", Curves).legend for n in ("loss", "norm")}
            one, two = RUN_COLOURS[0], RUN_COLOURS[1]
            assert {("rnn-2x256 train", one), ("other train", two)} <= set(legends["loss"])
            assert legends["norm"] == [("rnn-2x256", one), ("other", two)]
            assert "interrupted" in screen_text(app) and "finished" in screen_text(app)
            await pilot.press("n")
            assert app.chosen == 1
            await until(pilot, lambda: "Inside other" in screen_text(app))

    asyncio.run(scenario())


def test_e_opens_the_explorers_view_of_the_checkpoint_and_escape_comes_back(
    tmp_path: Path,
) -> None:
    from rnn_tui.tui.screens.lm_view import LanguageModelScreen
    from rnn_tui.tui.watch_app import WatchApp
    from tests.pilot_helpers import until

    folder = dashboard_folder(tmp_path)

    async def scenario() -> None:
        app = WatchApp([RunWatch(folder)])
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, LanguageModelScreen), seconds=60)
            assert app.screen.path == folder / "last.safetensors"
            await pilot.press("right")  # the view steps its model as in the explorer
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, LanguageModelScreen))
            await pilot.press("b")  # no best.safetensors in this run: said, nothing opens
            await pilot.pause()
            assert not isinstance(app.screen, LanguageModelScreen)

    asyncio.run(scenario())


def test_minutes_at_each_step_come_from_the_rate_records(tmp_path: Path) -> None:
    """x = minutes: a rate record says the seconds spent by its step (step / 5 here);
    steps between two records are placed in proportion."""
    from rnn_tui.tui.watch_app import WatchApp

    watch = RunWatch(dashboard_folder(tmp_path))
    watch.poll()
    minutes = WatchApp.minutes_at(watch)
    assert minutes[100] == pytest.approx(100 / 5 / 60)
    assert minutes[75] == pytest.approx(75 / 5 / 60)
    assert minutes[300] == pytest.approx(1.0)


def test_inside_figures_are_the_gates_on_the_validation_text_written_out(
    tiny_lstm_checkpoint: Path, repetitive_text_file: Path
) -> None:
    """The look inside an LSTM: the validation text is the last tenth of `<bos>` + the
    corpus's ids (cut here by hand, as `--split tail` does); on its first SLICE tokens the
    share of σ gates below 0.1 or above 0.9 and the median τ = −1/ln(mean f) are the
    engine's gates counted here."""
    import numpy as np

    from rnn_tui.data.vocab import BOS_ID
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.session.watch_inside import SLICE, look_inside

    model = load_language_model(tiny_lstm_checkpoint)
    ids = [BOS_ID, *model.tokenizer.encode(repetitive_text_file.read_text(encoding="utf-8"))]
    validation = ids[round(len(ids) * 0.9) :][:SLICE]
    state, gates = model.initial_state(), {"i": [], "f": [], "o": []}
    for token in validation:
        trace = model.step(token, state)
        state = trace.state
        for name, values in gates.items():
            values.append(trace.layers[0].gates[name])
    shares = {n: np.mean((np.stack(v) < 0.1) | (np.stack(v) > 0.9)) for n, v in gates.items()}
    horizon = np.median(-1 / np.log(np.stack(gates["f"]).mean(axis=0)))
    lines = look_inside(tiny_lstm_checkpoint)
    assert f"on the first {len(validation)} validation tokens:" in lines
    row = next(line for line in lines if line.startswith("layer 1:"))
    assert f"i {shares['i']:.0%}, f {shares['f']:.0%}, o {shares['o']:.0%}" in row
    assert f"memory τ median {horizon:.1f}" in row


@pytest.mark.parametrize(("no_color", "says"), [(False, "clip 1 red"), (True, "clip 1 flat")])
def test_the_gradient_plot_names_its_clip_line_as_it_is_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_color: bool, says: str
) -> None:
    """Red, or under NO_COLOR (where Textual draws it grey like the curves) flat."""
    from rnn_tui.tui.watch_app import WatchApp
    from tests.pilot_helpers import until

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    folder = run_folder(tmp_path, [start(planned=50), *map(train, range(1, 51))])

    async def scenario() -> None:
        app = WatchApp([RunWatch(folder)])
        async with app.run_test(size=(120, 36)) as pilot:

            def shown() -> str:
                return app.export_screenshot().replace("&#160;", " ")

            await until(pilot, lambda: "log10 |g|" in shown())
            assert says in shown()

    asyncio.run(scenario())


@pytest.mark.parametrize("no_color", [False, True])
def test_under_no_color_each_run_draws_its_lines_with_its_own_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    """NO_COLOR turns the runs' colours to greys alike: the second run's lines are then
    drawn (and shown in the legend) with dots rather than the first run's braille."""
    from rnn_tui.tui.watch_app import WatchApp
    from tests.pilot_helpers import until

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    first = run_folder(tmp_path, [start(planned=50), *map(train, range(1, 51))], "first")
    second = run_folder(tmp_path, [start(planned=50), *map(train, range(1, 51))], "second")

    async def scenario() -> None:
        app = WatchApp([RunWatch(first), RunWatch(second)])
        async with app.run_test(size=(120, 36)) as pilot:

            def shown() -> str:
                return "\n".join(strip.text for strip in app.screen._compositor.render_strips())

            await until(pilot, lambda: "second train" in shown())
            assert ("•• second train" in shown()) == no_color
            assert "first train" in shown() and "•• first train" not in shown()

    asyncio.run(scenario())
