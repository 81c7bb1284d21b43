"""The explorer, driven by Pilot: what the widgets hold equals the engine's own numbers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rnn_tui.data.vocab import BOS_ID, SPECIALS
from rnn_tui.engine.loading import load_language_model
from rnn_tui.tui.app import make_app
from rnn_tui.tui.screens.lm_view import LanguageModelScreen
from rnn_tui.tui.widgets.lm.equation import EquationPanel
from rnn_tui.tui.widgets.lm.gates import GatePanel
from rnn_tui.tui.widgets.lm.heatmap import StateHeatmap
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.lm.token_strip import TokenStrip
from tests.pilot_helpers import first_view, until


async def open_app(app, pilot) -> LanguageModelScreen:
    return await first_view(pilot, LanguageModelScreen)


def engine_trace(path: Path, tokens: list[int]):
    model = load_language_model(path)
    state = model.initial_state()
    for token in tokens:
        trace = model.step(token, state)
        state = trace.state
    return model, trace


def test_stepping_shows_the_engines_numbers(tiny_lstm_checkpoint: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the qu")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            await pilot.press("m", "right", "right", "right")
            session = screen.session
            assert session.sources[-3:] == ["argmax"] * 3
            tokens = list(session.tokens)
            assert tokens[0] == BOS_ID and len(tokens) == 1 + len("the qu") + 3
            model, trace = engine_trace(tiny_lstm_checkpoint, tokens)
            top = screen.query_one(NextTokenBars).predictions
            assert top[0].token == int(np.argmax(trace.probs))
            assert top[0].probability == pytest.approx(float(trace.probs.max()), abs=1e-6)
            gates = screen.query_one(GatePanel).unit_values
            assert gates["f"] == pytest.approx(float(trace.layers[0].gates["f"][0]), abs=1e-6)
            lines = screen.query_one(EquationPanel).lines
            assert f"= {trace.layers[0].gates['f'][0]:.3f}" in lines[1]
            assert f"= {trace.layers[0].h[0]:+.3f}" in lines[-1]
            heat = screen.query_one(StateHeatmap).matrix
            np.testing.assert_allclose(heat[:, -1], trace.layers[0].h)
            assert "".join(screen.query_one(TokenStrip).pieces) == model.tokenizer.decode(tokens)
            assert "".join(screen.query_one(TokenStrip).pieces).startswith("the quick")
            await pilot.press("left")
            assert len(session.tokens) == len(tokens) - 1

    asyncio.run(scenario())


@pytest.mark.slow
def test_next_token_bars_are_the_distribution_sampled_from(tiny_lstm_checkpoint: Path) -> None:
    """After `t t t` (T = 0.8³) and `k` ×5 (all → 40 → 20 → 10 → 5 → 3), the bars are
    softmax(z/T) over the 3 largest non-special logits, written out here; the model's
    raw p = softmax(z) sits beside each; `K` walks back up to all tokens and stops there."""

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the qu")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            await pilot.press("t", "t", "t", *["k"] * 5)
            session = screen.session
            assert session.mode == "sample" and session.top_k == 3
            assert session.temperature == pytest.approx(0.8**3)
            _, trace = engine_trace(tiny_lstm_checkpoint, list(session.tokens))
            z = trace.logits.astype(np.float64)
            z[: len(SPECIALS)] = -np.inf
            top3 = np.argsort(-z, kind="stable")[:3]
            weights = np.exp((z[top3] - z[top3].max()) / 0.8**3)
            bars = screen.query_one(NextTokenBars).predictions
            assert [b.token for b in bars] == top3.tolist()
            np.testing.assert_allclose([b.probability for b in bars], weights / weights.sum())
            np.testing.assert_allclose([b.raw for b in bars], trace.probs[top3], rtol=1e-6)
            caption = str(screen.query_one(NextTokenBars).render())
            assert "softmax(z/0.512), top 3" in caption
            await pilot.press(*["K"] * 8)
            assert session.top_k == 0
            await pilot.press("k")
            assert session.top_k == 40

    asyncio.run(scenario())


@pytest.mark.slow
def test_unit_layer_and_cell_state_keys(tiny_lstm_checkpoint: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_app(app, pilot)
            await pilot.press("right", "full_stop", "full_stop", "greater_than_sign", "comma")
            assert screen.chosen_unit == 11
            assert screen.query_one(EquationPanel).lines[0].startswith("i_t[11]")
            await pilot.press("c")
            heat = screen.query_one(StateHeatmap).matrix
            np.testing.assert_allclose(heat[:, -1], screen.session.current.layers[0].c)
            assert screen.has_class("compact")

    asyncio.run(scenario())


@pytest.mark.slow
def test_typed_prompt_and_forced_tokens(tiny_lstm_checkpoint: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            await pilot.press("p", *"lazy", "enter")
            assert screen.session.text() == "lazy"
            await pilot.press("f", *"Z d", "enter")
            assert screen.session.text() == "lazy<unk> d"
            assert screen.session.sources[-3:] == ["typed"] * 3
            await pilot.press("r")  # back to the prompt, the forced tokens gone
            assert screen.session.text() == "lazy"
            assert screen.session.sources == ["start"] + ["prompt"] * len("lazy")

    asyncio.run(scenario())


@pytest.mark.slow
def test_autoplay_keeps_going_and_keys_still_answer(tiny_lstm_checkpoint: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            await pilot.press(*["plus"] * 4, "a")
            await pilot.pause(0.5)
            await pilot.press("a")
            played = screen.session.position
            assert played >= 10
            await pilot.press("full_stop")
            assert screen.chosen_unit == 1
            await pilot.pause(0.2)
            assert screen.session.position == played

    asyncio.run(scenario())


def test_a_bad_checkpoint_is_a_message_not_a_crash(tmp_path: Path) -> None:
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"not a checkpoint at all")

    async def scenario() -> None:
        app = make_app([bad])
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: bool(app._notifications))
            assert not isinstance(app.screen, LanguageModelScreen)
            messages = [n.message for n in app._notifications]
            assert any("broken.safetensors" in m and "not a valid" in m for m in messages)

    asyncio.run(scenario())


@pytest.mark.slow
def test_help_picker_and_screenshot(tiny_lstm_checkpoint: Path, tmp_path: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], screenshot_dir=tmp_path / "shots")
        async with app.run_test(size=(120, 36)) as pilot:
            await open_app(app, pilot)
            await pilot.press("question_mark")
            assert type(app.screen).__name__ == "HelpScreen"
            await pilot.press("escape", "ctrl+s")
            await pilot.pause()
            assert list((tmp_path / "shots").glob("*.svg"))
            await pilot.press("o")
            assert type(app.screen).__name__ == "ModelPicker"
            assert tiny_lstm_checkpoint.resolve() in [p.resolve() for p in app.screen.choices]

    asyncio.run(scenario())


def test_explorer_start_does_not_import_torch(tiny_lstm_checkpoint: Path) -> None:
    code = f"""
import asyncio, sys
from rnn_tui.tui.app import make_app
async def main():
    app = make_app([{str(tiny_lstm_checkpoint)!r}])
    async with app.run_test() as pilot:
        while not app.models:
            await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("right")
asyncio.run(main())
print("torch" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_too_small_terminal_asks_for_room_and_recovers(tiny_lstm_checkpoint: Path) -> None:
    from rnn_tui.tui.screens.too_small import TooSmallScreen

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(50, 15)) as pilot:
            await until(pilot, lambda: bool(app.models))
            assert isinstance(app.screen, TooSmallScreen)
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            assert isinstance(app.screen, LanguageModelScreen)
            await pilot.resize_terminal(40, 30)
            await pilot.pause()
            assert isinstance(app.screen, TooSmallScreen)

    asyncio.run(scenario())


def test_ten_thousand_steps_keep_memory_bounded(tiny_lstm_checkpoint: Path) -> None:
    from rnn_tui.session.lm import LanguageModelSession

    session = LanguageModelSession(load_language_model(tiny_lstm_checkpoint), keep_traces=256)
    for _ in range(10_000):
        session.advance()
    assert len(session._traces) == 256 and session.position == 10_000
    assert len(session.tokens) == 10_001
    replayed = session.trace_at(100)  # dropped long ago: recomputed from the tokens
    np.testing.assert_allclose(
        replayed.probs, engine_trace(tiny_lstm_checkpoint, session.tokens[:101])[1].probs
    )


@pytest.mark.slow
def test_thirty_model_switches_keep_memory_bounded(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    """Each `n` builds a new view; the old ones must be freed, even when keys come in bursts
    (a held-down key). Bounds: at most 8 views alive at any time without collecting, the
    same widget count after 30 switches as after 15, and fewer than 10,000 more allocated
    memory blocks (one view of these models kept alive holds about 17,700: measured by
    keeping five). After each burst the shown view's footer gets its keys.

    `sys.getallocatedblocks` counts live Python allocations at no cost; tracemalloc
    would slow every allocation several-fold and push the switches past Pilot's timeouts.
    """
    import gc

    from textual import events
    from textual.screen import Screen
    from textual.widget import Widget
    from textual.widgets._footer import FooterKey

    def live(kind: type) -> int:
        return sum(issubclass(type(o), kind) for o in gc.get_objects())

    def footer_keys_shown(app) -> bool:
        """The shown view's footer holds its keys: it fills them in after the view's next
        refresh, which the scans of `gc.get_objects` here can hold back past a second."""
        return bool(app.screen.query(FooterKey))

    async def settle(app, pilot) -> None:
        """Until the switch is done, the shown view's footer has its keys and the widget
        count is steady: the view's widgets mount over several frames."""
        while app._switching:
            await asyncio.sleep(0.05)
        await app.workers.wait_for_complete()
        await until(pilot, lambda: footer_keys_shown(app), seconds=20)
        await pilot.pause(0.2)
        before = -1
        for _ in range(30):
            now = live(Widget)
            if now == before:
                return
            before = now
            await pilot.pause(0.1)

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt="the")
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: len(app.models) == 2)
            await settle(app, pilot)
            counts: dict[int, tuple[int, int]] = {}
            most_views = 0
            for switch in range(1, 31):
                app.post_message(events.Key("n", "n"))  # not waiting for the previous one
                await asyncio.sleep(0.02 if switch % 5 else 0.2)
                if switch % 10 == 0:
                    most_views = max(most_views, live(Screen))
                if switch in (15, 30):
                    await settle(app, pilot)
                    gc.collect()
                    counts[switch] = (live(Widget), sys.getallocatedblocks())
            assert most_views <= 8
            assert counts[30][0] <= counts[15][0] + 5
            assert counts[30][1] - counts[15][1] < 10_000, counts

    asyncio.run(scenario())


def test_a_burst_of_steps_is_drawn_once(tiny_lstm_checkpoint: Path) -> None:
    """Ten steps queued before the view gets to draw cost one redraw (Redraw.can_replace),
    and that redraw shows the last of them."""

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            draws = []
            draw = screen.refresh_view
            screen.refresh_view = lambda: (draws.append(screen.session.position), draw())
            start = screen.session.position
            for _ in range(10):
                screen.action_step()
            await pilot.pause()
            assert draws == [start + 10]
            assert f"t={start + 10}" in str(screen.query_one("#status").render())

    asyncio.run(scenario())


def test_autoplay_steps_every_token_due_and_draws_once(tiny_lstm_checkpoint: Path) -> None:
    from rnn_tui.tui.screens.lm_view import SPEEDS

    now = [100.0]

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            screen.clock = lambda: now[0]
            screen._set_speed(SPEEDS.index(200))
            screen.action_autoplay()  # play, with the timer's own ticks left to us
            screen._timer.pause()
            draws = []
            draw = screen.refresh_view
            screen.refresh_view = lambda: (draws.append(screen.session.position), draw())
            start = screen.session.position
            now[0] += 0.1
            screen._autoplay_tick()
            await pilot.pause()  # the tick posts one Redraw; the view draws when it arrives
            assert screen.session.position == start + 20 and draws == [start + 20]
            assert f"t={start + 20}" in str(screen.query_one("#status").render())
            np.testing.assert_allclose(
                screen.query_one(StateHeatmap).matrix[:, -1],
                engine_trace(tiny_lstm_checkpoint, screen.session.tokens)[1].layers[0].h,
            )
            screen._autoplay_tick()  # no time has passed: nothing due, nothing drawn
            await pilot.pause()
            assert screen.session.position == start + 20 and len(draws) == 1

            def slow_clock() -> float:  # every step takes 10 ms
                now[0] += 0.01
                return now[0]

            screen.clock = slow_clock
            before = screen.session.position
            now[0] += 0.2
            screen._autoplay_tick()
            stepped = screen.session.position - before
            assert 1 <= stepped <= 3  # stops at the 20 ms budget instead of stepping 40

    asyncio.run(scenario())


def test_an_unhandled_error_exits_non_zero_with_one_line_and_a_log(
    tiny_lstm_checkpoint: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A bug in a view: the app exits with code 1, the traceback lands in the state
    folder's crash log, and the CLI prints one line naming it (exit 1, not 0)."""
    from rnn_tui.cli.open_apps import ExplorerCrashed, report_crash

    def broken_step(self) -> None:
        raise RuntimeError("a bug in a view")

    monkeypatch.setattr(LanguageModelScreen, "action_step", broken_step)

    async def scenario():
        app = make_app([tiny_lstm_checkpoint])
        with pytest.raises(RuntimeError, match="a bug in a view"):  # Pilot re-raises it
            async with app.run_test(size=(80, 24)) as pilot:
                await open_app(app, pilot)
                await pilot.press("right")
                await pilot.pause()
        return app

    app = asyncio.run(scenario())
    assert app.return_code == 1
    error, log = app.crash
    assert isinstance(error, RuntimeError) and log.parent == tmp_path / "state"
    assert "a bug in a view" in log.read_text() and "broken_step" in log.read_text()
    assert app._exit_renderables == []  # nothing printed over the restored terminal
    with pytest.raises(ExplorerCrashed) as stopped:
        report_crash(app)
    assert stopped.value.exit_code == 1
    assert str(stopped.value) == (
        f"the explorer stopped on an unexpected error (RuntimeError: a bug in a view); "
        f"the traceback is in {log}"
    )


@pytest.mark.slow
def test_keys_during_model_switches_never_crash() -> None:
    """`a Right n Right` six times in a burst on the bundled models, whose views take
    long enough to build that keys reach a view while it is replaced: the app keeps
    running, ends on a live view, and that view still steps."""
    from textual import events

    from rnn_tui.bundled import bundled_models

    models = [p for p in bundled_models() if p.stem.startswith("shakespeare")]
    if len(models) < 2:
        pytest.skip("needs two bundled language models")

    async def scenario() -> None:
        app = make_app(models, prompt="the")
        async with app.run_test(size=(120, 36)) as pilot:
            await open_app(app, pilot)
            for _ in range(6):
                for key in ("a", "right", "n", "right"):
                    app.post_message(events.Key(key, None))
                await asyncio.sleep(0.01)
            for _ in range(100):
                await pilot.pause(0.05)
                if not app._switching:
                    break
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            assert app.return_code is None and app.crash is None
            view = app.screen
            assert isinstance(view, LanguageModelScreen)
            before = len(view.session.tokens)
            await pilot.press("right")
            assert len(view.session.tokens) >= before + 1

    asyncio.run(scenario())


@pytest.mark.slow
def test_the_picker_adds_or_switches_and_never_drops_open_models(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path, tmp_path: Path
) -> None:
    import shutil

    third = tmp_path / "third.safetensors"
    shutil.copy(tiny_rnn_checkpoint, third)

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt="the")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_app(app, pilot)
            await app.workers.wait_for_complete()
            app.open_model(third)  # what choosing it in the picker (o) does
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert [p for p, _ in app.models] == [tiny_lstm_checkpoint, tiny_rnn_checkpoint, third]
            assert app.current_index == 2 and app.screen.path == third
            app.open_model(tiny_lstm_checkpoint)  # already open: switch, do not add
            await pilot.pause()
            assert len(app.models) == 3 and app.current_index == 0
            assert app.screen.path == tiny_lstm_checkpoint
            await pilot.press("o")
            await pilot.press("escape")  # closing the picker changes nothing
            assert len(app.models) == 3 and isinstance(app.screen, LanguageModelScreen)

    asyncio.run(scenario())


def test_help_lists_the_gradient_labs_keys(tiny_lstm_checkpoint: Path) -> None:
    from rnn_tui.tui.screens.help import HelpScreen
    from rnn_tui.tui.screens.lab import GradientLabScreen

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the quick")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_app(app, pilot)
            await pilot.press("g")
            await app.workers.wait_for_complete()
            assert isinstance(app.screen, GradientLabScreen)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            described = {b.description for b in app.screen.view_bindings}
            assert {"Earlier loss", "Later loss", "Clip threshold"} <= described

    asyncio.run(scenario())


@pytest.mark.slow
def test_each_open_model_keeps_its_session_and_r_returns_to_the_prompt(
    tiny_lstm_checkpoint: Path, tiny_translator_checkpoint: Path
) -> None:
    """LM → translator → LM: the LM's text, temperature and top-k are as they were left;
    `r` starts again from the prompt (it used to empty the text)."""

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_translator_checkpoint], prompt="the qu")
        async with app.run_test(size=(120, 36)) as pilot:
            view = await open_app(app, pilot)
            await app.workers.wait_for_complete()
            await pilot.press("t", "t", "k", "k", "right", "right")
            session = view.session
            left = (list(session.tokens), session.temperature, session.top_k)
            assert left[1] == pytest.approx(0.64) and left[2] == 20
            await pilot.press("n")
            for _ in range(100):
                await pilot.pause(0.05)
                if not app._switching:
                    break
            assert app.screen.__class__.__name__ == "TranslatorScreen"
            await pilot.press("n")
            for _ in range(100):
                await pilot.pause(0.05)
                if not app._switching:
                    break
            back = app.screen
            assert isinstance(back, LanguageModelScreen) and back is not view
            now = back.session
            assert (list(now.tokens), now.temperature, now.top_k) == left
            await pilot.press("r")
            assert now.text() == "the qu" and len(now.tokens) == 1 + len("the qu")
            assert (now.temperature, now.top_k) == left[1:]

    asyncio.run(scenario())


@pytest.mark.parametrize("overlay", ["u", "g", "C"])
def test_n_pressed_over_a_models_view_keeps_that_views_session(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path, overlay: str
) -> None:
    """`n` in the neuron view (or the lab, or compare) moves on to the next model; coming
    back, the first model's view has its own session again. It used to keep the neuron
    view's session for it and crash on building the view from it."""

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt="the qu")
        async with app.run_test(size=(120, 36)) as pilot:
            view = await open_app(app, pilot)
            await until(pilot, lambda: len(app.models) == 2)
            await pilot.press("t", "right", "right")
            left = (list(view.session.tokens), view.session.temperature)
            await pilot.press(overlay)
            await until(pilot, lambda: app.screen is not view)
            for _ in range(2):  # on to the RNN, and back to the LSTM
                await pilot.press("n")
                await until(pilot, lambda: not app._switching)
            back = app.screen
            assert isinstance(back, LanguageModelScreen) and back.path == tiny_lstm_checkpoint
            assert (list(back.session.tokens), back.session.temperature) == left
            assert app.return_code is None

    asyncio.run(scenario())


def test_a_file_name_with_markup_or_escapes_is_shown_as_written(
    tiny_lstm_checkpoint: Path, tmp_path: Path
) -> None:
    import shutil

    odd = tmp_path / "[bold]odd\x1b[2J.safetensors"  # markup, and an escape that clears
    shutil.copy(tiny_lstm_checkpoint, odd)

    async def scenario() -> None:
        app = make_app([odd], prompt="the")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            status = str(screen.query_one("#status").render())
            assert "· [bold]odd␛[2J · LSTM" in status
            assert app.return_code is None

    asyncio.run(scenario())


def test_the_first_model_is_drawn_before_the_others_load(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    """The first model's view is drawn while it is the only open model; the others join
    the open models (`n`) after it, so they never hold up its first frames."""

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt="the")
        async with app.run_test(size=(120, 36)) as pilot:
            open_when_drawn: list[int] = []
            while not isinstance(app.screen, LanguageModelScreen):
                await pilot.pause(0.01)
            app.screen.call_after_refresh(lambda: open_when_drawn.append(len(app.models)))
            await until(pilot, lambda: len(app.models) == 2)
            assert open_when_drawn == [1]
            assert app.models[1][0] == tiny_rnn_checkpoint

    asyncio.run(scenario())


def test_a_burst_of_n_presses_is_one_switch_by_their_sum(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    """Four `n` presses queued before the app gets to them become one NextModel carrying
    4 (NextModel.can_replace): one view is built, for the model four steps on — with two
    models, the first again (one press, not summed, would show the second)."""
    from rnn_tui.tui.app import NextModel

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt="the")
        async with app.run_test(size=(120, 36)) as pilot:
            await open_app(app, pilot)
            while len(app.models) < 2:
                await pilot.pause(0.05)
            switches = []
            switch = app._switch_to

            async def counted(index: int) -> None:
                switches.append(index)
                await switch(index)

            app._switch_to = counted
            for _ in range(4):
                app.post_message(NextModel())
            for _ in range(50):
                await pilot.pause(0.05)
                if switches and not app._switching:
                    break
            assert switches == [0]  # (0 + 4) mod 2, built once
            assert app.screen.path == tiny_lstm_checkpoint

    asyncio.run(scenario())


def test_sampling_uses_the_seeds_uniforms_and_reset_starts_them_again(
    tiny_lstm_checkpoint: Path,
) -> None:
    """Each sampled token is the inverse-CDF pick of the seed's next uniform number
    u ~ U[0, 1) from the distribution the panel shows; `reset` replays the same draws
    (the generator is made on first use, so a session that never samples loads no
    numpy.random)."""
    from rnn_tui.session.lm import LanguageModelSession

    session = LanguageModelSession(load_language_model(tiny_lstm_checkpoint), seed=7)
    session.reset("the ")
    uniforms = np.random.default_rng(7).random(6)
    drawn = []
    for u in uniforms:
        p = session.choice_distribution().astype(np.float64)
        expected = int(np.searchsorted(np.cumsum(p), u * p.sum(), side="right"))
        session.advance()
        assert session.tokens[-1] == expected
        drawn.append(expected)
    session.reset()
    for token in drawn:
        session.advance()
        assert session.tokens[-1] == token


def test_waiting_for_the_first_view_stops_when_asked() -> None:
    from rnn_tui.tui.app import wait_until_set

    never = threading.Event()
    start = time.monotonic()
    wait_until_set(never, 5.0, lambda: time.monotonic() - start > 0.1)
    assert 0.1 <= time.monotonic() - start < 1.0
    done = threading.Event()
    done.set()
    start = time.monotonic()
    wait_until_set(done, 5.0, lambda: False)
    assert time.monotonic() - start < 0.1


def test_closing_the_app_stops_the_loader_waiting_for_the_first_view(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first view is never reported drawn here, so the loader would wait
    FIRST_VIEW_WAIT_S (5 s) before the second model; closing the app must end that
    wait. asyncio.run returns only once the worker threads have finished."""
    from rnn_tui.tui.app import FIRST_VIEW_WAIT_S, ExplorerApp

    monkeypatch.setattr(ExplorerApp, "show_models", lambda self, loaded, drawn=None: None)

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint])
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.3)

    start = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - start < FIRST_VIEW_WAIT_S / 2


@pytest.mark.slow
def test_quitting_before_the_first_model_is_drawn_exits_at_once(tmp_path: Path) -> None:
    """`q` pressed as soon as the welcome frame is on a terminal, while the first model is
    still loading: the process ends in well under the 5 s the loader waits for the view
    (it took 5.3 s when the loader did not hear that the app was closing)."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", RNN_TUI_STATE_DIR=str(tmp_path))
    child = subprocess.Popen(
        [sys.executable, "-m", "rnn_tui"], stdin=follower, stdout=follower, stderr=follower,
        env=env, start_new_session=True,
    )  # fmt: skip
    os.close(follower)

    def read() -> bytes:
        """What the app wrote since the last read; b"" once it has closed the terminal."""
        try:
            return os.read(leader, 1 << 16) if select.select([leader], [], [], 0.05)[0] else b""
        except OSError:  # EIO: the app has exited
            return b""

    written = b""
    try:
        deadline = time.monotonic() + 60
        while b"terminal microscope" not in written and time.monotonic() < deadline:
            written += read()
        os.write(leader, b"q")
        pressed = time.monotonic()
        while child.poll() is None and time.monotonic() - pressed < 10:
            read()
        assert child.poll() == 0
        assert time.monotonic() - pressed < 3.0
    finally:
        child.kill()
        child.wait()
        os.close(leader)


def test_the_opened_models_go_to_the_recent_list(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    """Each model the explorer opens is put first in the picker's recent list (written
    by the loader, off the screen's thread), the last opened first."""
    from rnn_tui.bundled import recent_models

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint])
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: len(app.models) == 2)

    asyncio.run(scenario())
    assert recent_models() == [tiny_rnn_checkpoint.resolve(), tiny_lstm_checkpoint.resolve()]
