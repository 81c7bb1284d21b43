"""Neuron view, what-if and compare screens, driven by Pilot against the engine's numbers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from rich.cells import cell_len

from rnn_tui.engine import translation_search as search
from rnn_tui.engine.loading import load_language_model
from rnn_tui.engine.probing import Clamp, read_activations, what_if
from rnn_tui.errors import UserError
from rnn_tui.tui.app import ExplorerApp, make_app
from rnn_tui.tui.screens.compare_view import CompareScreen
from rnn_tui.tui.screens.lm_view import LanguageModelScreen
from rnn_tui.tui.screens.neuron_view import NeuronScreen
from rnn_tui.tui.screens.translator_view import TranslatorScreen
from rnn_tui.tui.widgets.lm.next_token import NextTokenBars
from rnn_tui.tui.widgets.neurons import ActivationText
from rnn_tui.tui.widgets.title import Title
from tests.pilot_helpers import first_view, until

PROMPT = "the quick brown fox"


async def settle(app, pilot) -> None:
    await until(pilot, lambda: bool(app.models))


async def open_neuron_view(pilot) -> NeuronScreen:
    """`u` on the first model's language-model view."""
    await first_view(pilot, LanguageModelScreen)
    await pilot.press("u")
    screen = pilot.app.screen
    assert isinstance(screen, NeuronScreen)
    return screen


@pytest.mark.slow
def test_neuron_view_colours_by_the_units_activation(tiny_lstm_checkpoint: Path) -> None:
    model = load_language_model(tiny_lstm_checkpoint)
    activations = read_activations(model, PROMPT)

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt=PROMPT)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, LanguageModelScreen)
            await pilot.press("u")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, NeuronScreen)
            await pilot.press("full_stop", "full_stop", "c")
            shown = screen.query_one(ActivationText).values
            np.testing.assert_allclose(shown, activations.c[0][:, 2])
            await pilot.press("right", "right", "right")
            assert screen.session.cursor == 3
            await pilot.press("z", "0", "enter")
            await settle(app, pilot)
            expected = what_if(model, activations.tokens, Clamp(0, 2, 0.0, "c"), start=4, length=60)
            result = screen.last_what_if
            np.testing.assert_allclose(result.clamped_probs, expected.clamped_probs)
            assert result.clamped_continuation == expected.clamped_continuation
            await pilot.press("slash", *"o", "enter")
            await settle(app, pilot)
            assert len(screen.found) == 8
            await pilot.press("enter")
            best = screen.found[0]
            assert (screen.session.layer, screen.session.unit, screen.session.kind) == (
                best.layer, best.unit, best.kind
            )  # fmt: skip
            await pilot.press("escape")
            assert isinstance(app.screen, LanguageModelScreen)

    asyncio.run(scenario())


@pytest.mark.slow
def test_neuron_contexts_are_the_shown_units_even_when_workers_finish_late(
    tiny_lstm_checkpoint: Path,
) -> None:
    """Three unit changes in a burst: the contexts on screen are those of the unit named in
    the heading (computed here from the engine's activations), and a late result for an
    earlier unit is dropped."""
    from rnn_tui.engine.probing import top_contexts
    from rnn_tui.session.neurons import Selection, corpus_slice

    model = load_language_model(tiny_lstm_checkpoint)
    corpus = corpus_slice(model) or PROMPT
    activations = read_activations(model, corpus)

    def expected(unit: int) -> list[tuple[float, str]]:
        found = top_contexts(activations, corpus, 0, unit, "h", 5)
        return [(round(value, 6), text) for value, text, _ in found]

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt=PROMPT)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_neuron_view(pilot)
            await pilot.press("full_stop", "full_stop", "full_stop")
            await settle(app, pilot)
            assert screen.session.unit == 3
            shown = [(round(c.value, 6), c.text) for c in screen.contexts]
            assert shown == expected(3) and expected(3) != expected(0)
            stale = screen.session.top_contexts(corpus, Selection(0, 0, "h"))
            screen._show_contexts(stale, "validation slice", Selection(0, 0, "h"))
            assert [(round(c.value, 6), c.text) for c in screen.contexts] == expected(3)

    asyncio.run(scenario())


def test_the_neuron_views_corpus_reading_stops_when_the_app_quits(
    tiny_lstm_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the corpus for the top contexts takes seconds, on a worker thread that the
    app waits for as it exits: once cancelled, the reading stops at its next progress
    report rather than reading on to the end (here 40 reports)."""
    from rnn_tui.engine.probing import PROGRESS_EVERY
    from rnn_tui.session import neurons
    from rnn_tui.tui.screens import neuron_view

    corpus = "the cat sat on the mat. " * (40 * PROGRESS_EVERY // 24)
    reports: list[int] = []
    quitting: list[ExplorerApp] = []

    def reading(model, text, progress=None):
        if progress is None:  # the view's own text, not the corpus
            return read_activations(model, text)

        def reported(done: int, total: int) -> None:
            reports.append(done)
            if len(reports) == 1:  # quit as the reading has begun
                app = quitting[0]
                app.call_from_thread(app.exit)
            progress(done, total)

        return read_activations(model, text, reported)

    monkeypatch.setattr(neuron_view, "corpus_slice", lambda model: corpus)
    monkeypatch.setattr(neurons, "read_activations", reading)

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt=PROMPT)
        quitting.append(app)
        async with app.run_test(size=(120, 36)) as pilot:
            await open_neuron_view(pilot)
            while app.is_running:
                await pilot.pause(0.02)

    asyncio.run(scenario())  # as `app.run()` ends: waiting for the worker's thread
    assert 1 <= len(reports) <= 5, f"read on to report {len(reports)} after quitting"


@pytest.mark.slow
def test_compare_steps_models_in_lock_step(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    models = [load_language_model(p) for p in (tiny_lstm_checkpoint, tiny_rnn_checkpoint)]

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt="the qu")
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)
            await pilot.press("C")
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            await pilot.press("right", "right")
            sessions = screen.session.sessions
            assert len(sessions[0].tokens) == 1 + len("the qu") + 2  # the keys reached it
            assert sessions[0].tokens == sessions[1].tokens
            for index, model in enumerate(models):
                state = model.initial_state()
                for token in sessions[0].tokens:
                    trace = model.step(token, state)
                    state = trace.state
                top = screen.query_one(f"#compare-next-{index}", NextTokenBars).predictions[0]
                assert top.token == int(np.argmax(trace.probs))

    asyncio.run(scenario())


@pytest.mark.slow
def test_compare_view_answers_its_keys_autoplays_and_shows_help(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    """The compare view used to ignore every key but Esc (a hidden input kept focus)."""
    from rnn_tui.tui.screens.help import HelpScreen

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt="the")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("C")
            screen = app.screen
            assert isinstance(screen, CompareScreen) and screen.focused is None
            await pilot.press("space", "right", "left")
            assert screen.session.sessions[0].position == len("the") + 1
            await pilot.press("a")
            await pilot.pause(0.5)
            await pilot.press("a")
            played = screen.session.sessions[0].position
            assert played >= len("the") + 1 + 2  # ten tokens a second for half a second
            await pilot.pause(0.3)
            assert screen.session.sessions[0].position == played  # stopped
            tokens = screen.session.sessions
            assert tokens[0].tokens == tokens[1].tokens
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert app.screen is screen

    asyncio.run(scenario())


@pytest.mark.slow
def test_translator_what_if(tiny_translator_checkpoint: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_translator_checkpoint], prompt="a b c")
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, TranslatorScreen)
            await pilot.press("f", *"f", "enter", "e")
            assert screen.session.output_text().startswith("f")
            translator = screen.translator
            encoded = screen.session.encoded
            prefix = translator.target_tokenizer.encode("f")
            expected, _ = search.greedy(translator, encoded, 60, prefix=prefix)
            assert screen.session.tokens == list(expected.tokens)
            await pilot.press("u")
            assert screen.session.tokens == list(search.greedy(translator, encoded, 60)[0].tokens)
            await pilot.press("left", "left")
            step = screen.session.position - 1
            await pilot.press("x", "0", "enter")
            weights = screen.session.steps[step].weights[0]
            assert weights[0] == 1.0 and weights[1:].sum() == 0.0
            assert f"step {step + 1}: all attention on source 0" in screen.status_line()
            expected, _ = search.greedy(translator, encoded, 60, overrides={step: weights})
            assert screen.session.tokens == list(expected.tokens)

    asyncio.run(scenario())


def test_the_found_units_panel_says_what_it_waits_for_and_why_a_search_failed(
    tiny_lstm_checkpoint: Path,
) -> None:
    """Before a search the panel says how to start one (not an empty list box); a pattern
    marking every token leaves its one-line reason there; a good one lists the units."""
    from textual.widgets import OptionList, Static

    from tests.pilot_helpers import first_view

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt=PROMPT)
        async with app.run_test(size=(80, 24)) as pilot:
            await first_view(pilot, LanguageModelScreen)
            await pilot.press("u")
            screen = await first_view(pilot, NeuronScreen)
            note, options = screen.query_one("#found-note", Static), screen.query_one(OptionList)
            painted = [strip.text for strip in app.screen._compositor.render_strips()]
            assert painted[1].strip().startswith("Unit 0")  # no blank row under the status
            assert "none yet: / and a pattern" in "".join(painted)
            assert note.display and not options.display
            await pilot.press("slash", *"(?s).", "enter")
            await until(pilot, lambda: "tokens" in str(note.render()))
            tokens = len(read_activations(screen.model, PROMPT).tokens)
            assert f"the pattern marks {tokens} of {tokens} tokens" in str(note.render())
            await pilot.press("slash", "o", "enter")
            await until(pilot, lambda: options.display)
            assert not note.display and options.option_count == len(screen.found) == 8

    asyncio.run(scenario())


def test_compare_columns_show_each_models_mean_surprisal_in_full(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    """Each column paints the model's mean −log p over the text read (computed here by
    stepping the engine) and its perplexity; at 80×24 both were cut off the column title."""
    import itertools
    import math

    def mean_surprisal(path: Path, tokens: list[int]) -> float:
        model = load_language_model(path)
        state, total = model.initial_state(), 0.0
        for token, following in itertools.pairwise(tokens):
            trace = model.step(token, state)
            state = trace.state
            total -= math.log(float(trace.probs[following]))
        return total / (len(tokens) - 1)

    async def scenario() -> None:
        paths = [tiny_lstm_checkpoint, tiny_rnn_checkpoint]
        app = make_app(paths, prompt="the quick")
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: len(app.models) == 2)
            await pilot.press("C", "right", "right")
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            await pilot.pause()
            painted = "\n".join(s.text for s in app.screen._compositor.render_strips())
            for index, path in enumerate(paths):
                tokens = screen.session.sessions[index].tokens
                mean = mean_surprisal(path, tokens)
                assert f"mean −log p {mean:.3f} nats" in painted
                assert f"text ppl {math.exp(mean):.2f}" in painted

    asyncio.run(scenario())


def test_compare_status_line_says_less_rather_than_being_cut(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    """At 80 columns the status line ended in a dangling `· ` (its last part cut off); it
    now drops whole parts, keeping the step, the leader and the key that changes it."""

    async def status_at(width: int, height: int) -> tuple[str, str, int]:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint], prompt="the quick")
        async with app.run_test(size=(width, height)) as pilot:
            await until(pilot, lambda: len(app.models) == 2)
            await pilot.press("C", "right", "l")
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            await pilot.pause()
            leader = screen.titles[screen.session.leader]
            position = screen.session.sessions[0].position  # the prompt's tokens and one
            return app.screen._compositor.render_strips()[0].text.strip(), leader, position

    wide, leader, t = asyncio.run(status_at(160, 36))
    assert wide == (
        f"t={t} · paused · next token: argmax of ▶ {leader} (l: another leader) · "
        "2 models read the same text"
    )
    narrow, leader, t = asyncio.run(status_at(80, 24))
    assert narrow.startswith(f"t={t} · paused · next token: argmax of ▶ {leader}")
    assert not narrow.endswith("·") and "…" not in narrow
    assert narrow in wide


def test_next_token_caption_keeps_its_meaning_in_fewer_words_when_narrow(
    tiny_lstm_checkpoint: Path,
) -> None:
    """The caption said `softmax(z/1), top 10 · grey: T…` in the LM view at 80×24 and
    `next token 3: p(y | y_<3, x), …` (argmax cut off) in the translator's."""
    from rnn_tui.session.lm import LanguageModelSession
    from rnn_tui.tui.widgets.title import longest_fitting

    session = LanguageModelSession(load_language_model(tiny_lstm_checkpoint))
    session.reset("the")
    session.set_sampling(0.85, 10)
    captions = session.next_tokens(5).captions
    assert longest_fitting(captions, 50) == "softmax(z/0.85), top 10, specials out · grey: p"
    assert longest_fitting(captions, 40) == "softmax(z/0.85), top 10 · grey: p"
    assert longest_fitting(captions, 32) == "softmax(z/0.85) k=10 · grey: p"
    assert longest_fitting(captions, 25) == "softmax(z/0.85) k=10"
    session.set_sampling(1.0, 0)
    assert longest_fitting(session.next_tokens(5).captions, 40) == (
        "softmax(z/1), specials out · grey: p"
    )
    raw = session.current.probs.astype(np.float64)  # what "specials out" says, at T = 1
    for bar in session.next_tokens(5).predictions:
        assert bar.raw == pytest.approx(raw[bar.token])
        assert bar.probability == pytest.approx(raw[bar.token] / (1 - raw[:4].sum()), rel=1e-5)
    session.mode = "argmax"
    assert longest_fitting(session.next_tokens(5).captions, 23) == "argmax of p"


def test_translator_caption_keeps_argmax_when_narrow(tiny_translator_checkpoint: Path) -> None:
    from rnn_tui.engine.loading import load_translator
    from rnn_tui.session.translator import TranslatorSession
    from rnn_tui.tui.widgets.title import longest_fitting

    session = TranslatorSession(load_translator(tiny_translator_checkpoint))
    session.set_source("hello")
    session.step()
    session.step()
    captions = session.next_tokens(5).captions
    assert longest_fitting(captions, 40) == "next token 3: p(y | y_<3, x), argmax"
    assert longest_fitting(captions, 32) == "y_3: argmax of p(y | y_<3, x)"
    assert longest_fitting(captions, 20) == "y_3: argmax"


def test_compare_reads_a_long_text_in_a_worker(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened on a long text (the LM view's, here from --prompt), the compare view read it
    with every model on the UI thread; now a worker does, reporting how far it got, and
    each column ends as the model reading the text directly."""
    import threading

    from rnn_tui.session.compare import CompareSession
    from rnn_tui.session.lm import LanguageModelSession
    from rnn_tui.tui.pace import READ_AT_ONCE

    prompt = "the quick brown fox jumps over the lazy dog. " * 60  # 2,700 characters
    assert len(prompt) > READ_AT_ONCE
    readers: list[str] = []  # the thread each reading of the long text ran on
    reported: list[tuple[int, int]] = []
    original_reset = CompareSession.reset

    def reset(self, text, progress=None):
        if text == prompt:
            readers.append(threading.current_thread().name)
        return original_reset(self, text, progress)

    monkeypatch.setattr(CompareSession, "reset", reset)
    original_show = CompareScreen._show_reading

    def show_reading(self, done: int, total: int) -> None:
        reported.append((done, total))
        original_show(self, done, total)

    monkeypatch.setattr(CompareScreen, "_show_reading", show_reading)

    async def scenario() -> None:
        paths = [tiny_lstm_checkpoint, tiny_rnn_checkpoint]
        app = make_app(paths, prompt=prompt)
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: len(app.models) == 2 and app.screen.session.prompt)
            await pilot.press("C")
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            await until(pilot, lambda: screen.reading is None and bool(readers))
            for path, session in zip(paths, screen.session.sessions, strict=True):
                direct = LanguageModelSession(load_language_model(path))
                direct.reset(prompt)
                assert session.tokens == direct.tokens
                np.testing.assert_allclose(session.surprisals, direct.surprisals, atol=1e-6)
            status = app.screen._compositor.render_strips()[0].text
            assert status.startswith(f" t={screen.session.sessions[0].position} · paused")

    asyncio.run(scenario())
    assert readers and threading.main_thread().name not in readers, readers
    assert reported and reported[-1][1] == 2 * len(prompt)  # both models' characters
    assert [done for done, _ in reported] == sorted(done for done, _ in reported)


def test_the_neuron_view_reads_at_most_its_limit_and_long_texts_in_a_worker(
    tiny_lstm_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every layer's states are kept for each token read: 100,000 characters took the
    bundled LSTM 8.5 s on the UI thread and a 1 GB process. Opened on a long LM text the
    view reads its last MAX_TEXT_CHARACTERS; a long typed text, its first ones, in a
    worker, said so."""
    import threading

    from rnn_tui.session.neurons import MAX_TEXT_CHARACTERS
    from rnn_tui.tui.screens import neuron_view

    model = load_language_model(tiny_lstm_checkpoint)
    long_text = "the quick brown fox jumps over the lazy dog. " * 210  # 9,450 characters
    first, last = long_text[:MAX_TEXT_CHARACTERS], long_text[-MAX_TEXT_CHARACTERS:]
    assert first != last
    readers: list[str] = []

    def reading(model_, text):  # the view's reader, noting its thread
        readers.append(threading.current_thread().name)
        return read_activations(model_, text)

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt=long_text)
        async with app.run_test(size=(120, 36)) as pilot:
            view = await first_view(pilot, LanguageModelScreen)
            await until(pilot, lambda: view.session.prompt == long_text)  # read in a worker
            await pilot.press("u")
            screen = app.screen
            assert isinstance(screen, NeuronScreen)
            assert screen.session.text == last

            monkeypatch.setattr(neuron_view, "read_activations", reading)
            screen.answer("text", long_text)
            await pilot.pause()
            said = [n.message for n in app._notifications]
            assert f"read the first 5,000 of {len(long_text):,} characters" in said
            await until(pilot, lambda: not screen.reading_text)
            assert screen.session.text == first
            expected = read_activations(model, first)
            assert screen.session.activations.tokens == expected.tokens
            np.testing.assert_allclose(screen.session.activations.h[0], expected.h[0])

    asyncio.run(scenario())
    assert readers and threading.main_thread().name not in readers


def test_what_if_refuses_values_no_unit_can_hold(tiny_lstm_checkpoint: Path) -> None:
    """`z` took nan, inf or 1e30: every probability shown became NaN (or 0). Refused with
    one line now; a value in range is still clamped."""
    from rnn_tui.session.neurons import MAX_CLAMP, checked_clamp

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt=PROMPT)
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_neuron_view(pilot)
            for typed in ("nan", "inf", "-1e30"):
                screen.answer("what-if", typed)
                await until(pilot, lambda: True)
                assert screen.last_what_if is None
            said = [n.message for n in app._notifications]
            expected = "what-if: expected a value from −100 to 100"
            refused = [m for m in said if m.startswith(expected)]
            assert len(refused) == 3
            screen.answer("what-if", "0.5")
            await until(pilot, lambda: screen.last_what_if is not None)
            assert np.isfinite(screen.last_what_if.clamped_probs).all()
            cursor = screen.session.cursor
            for size in ((120, 36), (80, 24)):  # the clamped value is what the title keeps
                await pilot.resize_terminal(*size)
                await pilot.pause(0.1)
                title = screen.query_one("#whatif-title", Title)
                shown = title.shown_form()
                assert shown.endswith(f"+0.500 after token {cursor}"), shown
                assert cell_len(shown) <= title.content_region.width

    asyncio.run(scenario())
    assert checked_clamp(-MAX_CLAMP) == -MAX_CLAMP
    with pytest.raises(UserError):
        checked_clamp(MAX_CLAMP * 1.001)


def test_compare_columns_keep_their_probabilities_at_the_smallest_size(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path
) -> None:
    """At 60×18 (the smallest size drawn) three columns are 18 cells: the fixed 14-cell
    bars pushed every p off the column (`…`). The bars shorten instead; each column's
    p values and mean −log p are painted in full."""
    from rnn_tui.tui.widgets.lm.next_token import bar_cells

    async def scenario() -> None:
        paths = [tiny_lstm_checkpoint, tiny_rnn_checkpoint, tiny_lstm_checkpoint]
        app = make_app(paths, prompt="the quick")
        async with app.run_test(size=(60, 18)) as pilot:
            await until(pilot, lambda: len(app.models) == 3)
            await pilot.press("C", "right")
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            await pilot.pause()
            strips = app.screen._compositor.render_strips()
            for index, session in enumerate(screen.session.sessions):
                column = screen.query_one(f"#compare-next-{index}", NextTokenBars)
                region = column.content_region
                painted = [
                    strips[y].crop(region.x, region.right).text
                    for y in range(region.y, region.bottom)
                ]
                for prediction in session.next_tokens(5).predictions:
                    assert any(f"{prediction.probability:.3f}" in line for line in painted)
                mean = f"{session.mean_surprisal():.3f}"
                assert any(f"−log p {mean}" in strip.text for strip in strips)

    asyncio.run(scenario())
    assert bar_cells(0, 1) == 14 and bar_cells(60, 1) == 14 and bar_cells(18, 1) == 10
    assert bar_cells(5, 3) == 3
