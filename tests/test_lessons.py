"""`rnn-tui lesson`: chapters whose numbers are the engine's, exercises checked against it."""

from __future__ import annotations

import ast
import asyncio
import html
import itertools
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from rnn_tui.bundled import bundled_models, lesson_models
from rnn_tui.engine.loading import load_language_model
from rnn_tui.engine.two_step import TwoStepInputs, two_step_terms
from rnn_tui.session.lessons import chapter, chapters
from rnn_tui.session.lessons.progress import load_progress
from tests.conftest import run_cli

NUMBER = r"[+-]?\d+\.\d+"
needs_models = pytest.mark.skipif(
    not any(p.stem == "shakespeare-rnn" for p in bundled_models()), reason="needs bundled models"
)


def rnn_model():
    return load_language_model(next(p for p in bundled_models() if p.stem == "shakespeare-rnn"))


def test_list_and_bad_chapters() -> None:
    listed = run_cli("lesson", "--list")
    assert listed.exit_code == 0
    assert [int(line.split(".")[0]) for line in listed.output.splitlines()] == [
        c.number for c in chapters()
    ]
    missing = run_cli("lesson", "99")
    assert missing.exit_code == 2 and "no such chapter" in missing.output
    assert run_cli("lesson", "--markdown").exit_code == 2


def test_the_contents_are_the_chapters_numbers_titles_and_exercise_counts() -> None:
    """The list is drawn from `contents` alone; each chapter it names must be the chapter
    its module defines, with that many exercises."""
    from rnn_tui.session.lessons.contents import CONTENTS

    listed = [(e.number, e.title, e.exercises) for e in CONTENTS]
    defined = [(c.number, c.title, len(c.exercises)) for c in chapters()]
    assert listed == defined and [n for n, _, _ in listed] == list(range(1, 15))


def test_the_chapter_list_and_one_chapter_import_only_what_they_show() -> None:
    """`lesson --list` imports no chapter module (nor NumPy); `chapter(8)` imports the
    two-step chapter and no other."""
    script = (
        "import sys\n"
        "from rnn_tui.cli import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['lesson', '--list']).exit_code == 0\n"
        "loaded = lambda: {m.rsplit('.', 1)[1] for m in sys.modules\n"
        "                  if m.startswith('rnn_tui.session.lessons.')}\n"
        "print(sorted(loaded()), 'numpy' in sys.modules)\n"
        "from rnn_tui.session.lessons import chapter\n"
        "chapter(8)\n"
        "print(sorted(loaded()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    from rnn_tui.session.lessons.contents import CONTENTS

    chapter_modules = {e.defined_in.split(":")[0] for e in CONTENTS}
    assert out[0] == "['contents', 'progress'] False"
    assert chapter_modules & set(ast.literal_eval(out[1])) == {"two_step"}


def test_two_step_handout_numbers_are_the_formula_written_out() -> None:
    """Chapter 8's handout: h, y and the three path terms, recomputed here by hand."""
    out = run_cli("lesson", "8", "--markdown").output
    i = TwoStepInputs()
    h1 = math.tanh(i.u * i.x1 + i.b)
    h2 = math.tanh(i.u * i.x2 + i.w * h1 + i.b)
    g2 = (i.v * h2 - i.d2) * i.v * (1 - h2**2)
    paths = [(i.v * h1 - i.d1) * i.v * (1 - h1**2) * i.x1, g2 * i.x2, g2 * i.w * (1 - h1**2) * i.x1]
    shown = [float(m) for m in re.findall(rf"^  E\(.*= ({NUMBER})$", out, re.MULTILINE)]
    assert shown == pytest.approx([round(p, 4) for p in paths], abs=1e-4)
    assert f"h(1) = {h1:+.4f}" in out and f"h(2) = {h2:+.4f}" in out


@needs_models
def test_cell_handout_parts_add_up_to_the_engines_state() -> None:
    """Chapter 4: (W s)[j] + (U x)[j] + b[j], read from the handout, through tanh, is the
    engine's s_t[j]; the parts are recomputed from the weights here."""
    from rnn_tui.session.lessons.cell import TEXT

    out = run_cli("lesson", "4", "--markdown").output
    parts = [float(v) for v in re.findall(rf"= ({NUMBER}) ", out)[:3]]
    model = rnn_model()
    state, trace = model.initial_state(), None
    for token in model.opening(model.tokenizer.encode(TEXT[:4])):
        previous = state[0][0]
        trace = model.step(token, state)
        state = trace.state
    cell = model.cells[0]
    x = model.embedding[model.tokenizer.encode(TEXT[3])[0]]
    expected = [float(cell.w[0] @ previous), float(cell.u[0] @ x), float(cell.b_u[0] + cell.b_w[0])]
    assert parts == pytest.approx(expected, abs=1e-4)
    assert math.tanh(sum(parts)) == pytest.approx(float(trace.layers[0].h[0]), abs=1e-3)


@needs_models
def test_loss_handout_lists_minus_log_softmax_of_the_engines_logits() -> None:
    from rnn_tui.session.lessons.loss import TEXT

    out = run_cli("lesson", "3", "--markdown").output
    shown = [float(v) for v in re.findall(rf"({NUMBER})$", out, re.MULTILINE)]
    model = rnn_model()
    ids = model.tokenizer.encode(TEXT[:6])
    state, expected = model.initial_state(), []
    for previous, token in zip(model.opening(ids), ids, strict=False):
        trace = model.step(previous, state)
        state = trace.state
        z = trace.logits.astype(np.float64)
        expected.append(-(z[token] - z.max() - np.log(np.exp(z - z.max()).sum())))
    assert shown == pytest.approx(expected, abs=1e-4)


async def open_chapter(pilot, number: int):
    from tests.pilot_helpers import until

    def ready() -> bool:  # the live view, and its slow figures (`measure()`, a thread)
        screen = pilot.app.screen
        return getattr(screen, "live", None) is not None and not screen.measuring

    await until(pilot, ready)
    screen = pilot.app.screen
    assert screen.chapter.number == number
    return screen


async def live_shown(pilot):
    """The chapter's screen once its live view shows, whether or not its slow figures
    are measured (not `until`, which would wait for a held measurement too)."""
    for _ in range(1000):
        if getattr(pilot.app.screen, "live", None) is not None:
            return pilot.app.screen
        await pilot.pause(0.02)
    raise AssertionError("the chapter's live view never showed")


async def ask(pilot, key: str, text: str) -> None:
    """Press `key`, wait for its text box, type `text` and Enter."""
    from rnn_tui.tui.screens.ask import AskScreen
    from tests.pilot_helpers import until

    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, AskScreen))
    names = {"-": "minus", ".": "full_stop", " ": "space", "=": "equals_sign"}
    await pilot.press(*[names.get(c, c) for c in text], "enter")
    await pilot.app.workers.wait_for_complete()  # a text read, a value set: in a worker
    await pilot.pause()


async def answer(pilot, text: str) -> None:
    await ask(pilot, "a", text)


@pytest.mark.parametrize("size", [(80, 24), pytest.param((120, 36), marks=pytest.mark.slow)])
def test_two_step_chapter_checks_answers_and_reached_states(size: tuple[int, int]) -> None:
    from rnn_tui.tui.lesson_app import LessonApp

    total = two_step_terms(TwoStepInputs()).total

    async def scenario() -> None:
        app = LessonApp(chapter(8))
        async with app.run_test(size=size) as pilot:
            screen = await open_chapter(pilot, 8)
            await answer(pilot, f"{total + 0.01:.3f}")  # wrong
            assert "sum" not in screen.done and "✗" in screen.message
            await answer(pilot, f"{total:.3f}")
            assert "sum" in screen.done and "✓" in screen.message
            await pilot.press("n", "a")  # the reach exercise, not reached yet
            assert "cut" not in screen.done
            await ask(pilot, "v", "w=0")
            assert screen.live.inputs.w == 0 and "cut" in screen.done
        assert load_progress()["8"] == ["sum", "cut"]

    asyncio.run(scenario())


@needs_models
def test_a_chapters_footer_shows_every_key_at_80_columns() -> None:
    """→ and ← (shadowed in the footer by the focused text's hidden scroll keys) and ?
    Help (cut by the command palette's corner) are on the footer, and → still steps."""
    from rnn_tui.tui.lesson_app import LessonApp

    async def scenario() -> None:
        app = LessonApp(chapter(4))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 4)
            footer = app.screen._compositor.render_strips()[-1].text
            for key in ("→ Step", "← Back", "a Answer", "esc Chapters", "q Quit", "? Help"):
                assert key in footer, footer
            before = screen.live.session.position
            await pilot.press("right")
            assert screen.live.session.position == before + 1

    asyncio.run(scenario())


@needs_models
@pytest.mark.slow
@pytest.mark.parametrize("number", [3, 4])
def test_model_chapters_step_and_check(number: int) -> None:
    from rnn_tui.tui.lesson_app import LessonApp

    async def scenario() -> None:
        app = LessonApp(chapter(number))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, number)
            before = screen.live.session.position
            await pilot.press("right")
            assert screen.live.session.position == before + 1
            if number == 3:
                value = screen.live.loss()
                await answer(pilot, f"{value:.3f}")
                assert "loss" in screen.done
                await pilot.press("n", "n")
                await ask(pilot, "t", "and then the king said to the lords")
                assert "easy" in screen.done
            else:
                value = float(screen.live.session.current.layers[0].h[0])
                await answer(pilot, f"{value + 0.1:.3f}")
                assert "state" not in screen.done
                await answer(pilot, f"{value:.3f}")
                assert "state" in screen.done

    asyncio.run(scenario())


@needs_models
@pytest.mark.slow
@pytest.mark.parametrize("number", [9, 10, 11])
def test_gate_chapters_show_the_gate_the_weights_give(number: int) -> None:
    """The gate's three parts, recomputed from the LSTM's weights, give through σ the
    engine's gate value; answering it counts, a wrong value does not; picking a unit
    with `v` whose gate meets the exercise counts as reached."""
    from rnn_tui.session.lessons.gates import SLOT, TEXT
    from rnn_tui.tui.lesson_app import LessonApp

    found = chapter(number)
    gate = {9: "f", 10: "i", 11: "o"}[number]
    model = load_language_model(next(p for p in bundled_models() if p.stem == "shakespeare-lstm"))
    state = model.initial_state()
    for token in model.opening(model.tokenizer.encode(TEXT[:7])):
        previous_h = state[0][0]
        trace = model.step(token, state)
        state = trace.state
    weights, size = model.cells[0], model.config.hidden_size
    x = model.embedding[model.tokenizer.encode(TEXT[6])[0]]
    rows = slice(SLOT[gate] * size, (SLOT[gate] + 1) * size)
    pre = weights.w[rows] @ previous_h + weights.u[rows] @ x + weights.b_u[rows] + weights.b_w[rows]
    by_hand = 1 / (1 + np.exp(-pre.astype(np.float64)))
    np.testing.assert_allclose(by_hand, trace.layers[0].gates[gate], atol=1e-5)

    async def scenario() -> None:
        app = LessonApp(found)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, number)
            await answer(pilot, f"{by_hand[0] + 0.05:.3f}")
            assert "gate" not in screen.done
            await answer(pilot, f"{by_hand[0]:.3f}")
            assert "gate" in screen.done
            reach = found.exercises[2]
            assert reach.key not in screen.done
            for unit in range(size):
                screen.live.unit = unit
                if reach.reached(screen.live):
                    break
            screen.live.unit = 0
            await ask(pilot, "v", f"unit {unit}")
            assert reach.key in screen.done

    asyncio.run(scenario())


@needs_models
@pytest.mark.slow
def test_flow_chapter_scales_w_and_its_spectral_radius_and_gradient_follow() -> None:
    """Chapter 7: ρ(s·W) recomputed here; scaling W up carries the gradient further and
    then makes it explode; the clipped norm is min(‖g‖, C), written out here."""
    from rnn_tui.tui.lesson_app import LessonApp

    model = rnn_model()
    radius = float(np.abs(np.linalg.eigvals(model.weights["rnn.weight_hh_l0"])).max())

    async def scenario() -> None:
        app = LessonApp(chapter(7))
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_chapter(pilot, 7)
            assert screen.live.radii[0] == pytest.approx(radius, rel=1e-5)
            norm = screen.live.flow.global_norm
            assert f"‖g‖ = {norm:.4f}" in "\n".join(screen.live.panel())
            await pilot.press("n", "n")  # the third exercise: the clipped norm
            await answer(pilot, f"{max(norm, 1.0) + 0.5:.3f}")
            assert "clip" not in screen.done
            await answer(pilot, f"{min(norm, 1.0):.3f}")  # C = 1
            assert "clip" in screen.done
            assert not {"reach", "explode"} & screen.done
            await ask(pilot, "v", "s=2.5")
            assert screen.live.radii[0] == pytest.approx(2.5 * radius, rel=1e-5)
            assert "reach" in screen.done
            await ask(pilot, "v", "s=3")
            assert "explode" in screen.done

    asyncio.run(scenario())


@pytest.mark.skipif(
    not any(p.stem == "en-fr-gru-additive" for p in bundled_models()), reason="needs bundled models"
)
@pytest.mark.slow
def test_beam_chapter_scores_prefixes_and_finds_where_beam_beats_greedy() -> None:
    """Chapter 13: the score asked for is log p / |y|^α with log p and |y| read off the
    screen; a sentence where beam search finds a likelier translation counts."""
    from rnn_tui.tui.lesson_app import LessonApp

    async def scenario() -> None:
        app = LessonApp(chapter(13))
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_chapter(pilot, 13)
            await pilot.press("right", "right")
            panel = screen.live.panel()
            row = panel[panel.index(next(p for p in panel if p.startswith("beam step"))) + 1]
            words, log_p = row.rsplit(maxsplit=1)
            size = len(screen.live.translator.target_tokenizer.encode(words.strip()))
            expected = float(log_p) / size**0.6
            await answer(pilot, f"{expected - 0.01:.3f}")
            assert "score" not in screen.done
            await answer(pilot, f"{expected:.3f}")
            assert "score" in screen.done
            assert "wins" not in screen.done
            await ask(pilot, "t", "they are busy now .")
            assert "wins" in screen.done
            best, greedy = screen.live.beam.hypotheses[0], screen.live.greedy
            assert best.log_prob > greedy.log_prob and best.tokens != greedy.tokens

    asyncio.run(scenario())


@needs_models
@pytest.mark.slow
def test_unfolding_chapter_counts_the_shared_matrices() -> None:
    """Chapter 2: U, W, V's sizes come from the checkpoint's tensors; 30 steps unfold."""
    from rnn_tui.checkpoint import load_checkpoint
    from rnn_tui.tui.lesson_app import LessonApp

    path = next(p for p in bundled_models() if p.stem == "shakespeare-rnn")
    tensors = load_checkpoint(path).tensors
    count = sum(tensors[n].size for n in ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "decoder.weight"))

    async def scenario() -> None:
        app = LessonApp(chapter(2))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 2)
            await answer(pilot, str(count + 64))
            assert "count" not in screen.done
            await answer(pilot, str(count))
            assert "count" in screen.done
            await ask(pilot, "t", "Now is the winter of our discontent made glorious")
            assert "long" in screen.done

    asyncio.run(scenario())


@pytest.mark.skipif(
    not any(p.stem == "dates-bigru-additive" for p in bundled_models()),
    reason="needs bundled models",
)
@pytest.mark.slow
def test_attention_chapter_softmax_of_the_scores_shown() -> None:
    """Chapter 12: the largest α is 1 / Σ_j exp(e_j − max e) with Σ read off the screen,
    and equals the engine's weight; stepping finds a sharp and a spread-out step."""
    from rnn_tui.tui.lesson_app import LessonApp

    async def scenario() -> None:
        app = LessonApp(chapter(12))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 12)
            panel = "\n".join(screen.live.panel())
            spread = float(re.search(rf"= ({NUMBER});", panel.split("Σ_j exp")[1]).group(1))
            alpha = 1 / spread
            assert alpha == pytest.approx(max(screen.live.weights()), abs=1e-4)
            await answer(pilot, f"{alpha + 0.01:.3f}")
            assert "alpha" not in screen.done
            await answer(pilot, f"{alpha:.3f}")
            assert "alpha" in screen.done
            for _ in range(len(screen.live.steps)):
                await pilot.press("right")
            assert {"sharp", "spread"} <= screen.done

    asyncio.run(scenario())


def lesson_translator(stem: str):
    from rnn_tui.session.lessons.models import bundled_translator

    return bundled_translator(stem)


def needs(*stems: str) -> pytest.MarkDecorator:
    found = {p.stem for p in [*bundled_models(), *lesson_models()]}
    return pytest.mark.skipif(not set(stems) <= found, reason=f"needs the models {stems}")


@needs("dates-gru-plain")
@pytest.mark.slow
def test_context_chapter_shows_the_encoders_last_state_and_the_decoders_choices() -> None:
    """Chapter 6: ‖c‖ is the norm of the encoder's last state, which is the decoder's first
    state; the first character's p is the softmax of the engine's logits written out; a
    held-out date where the decoder is unsure (found here with the engine) counts."""
    from rnn_tui.engine.translation_search import greedy
    from rnn_tui.session.lessons.context import SOURCE
    from rnn_tui.session.lessons.models import held_out_pairs
    from rnn_tui.tui.lesson_app import LessonApp

    translator = lesson_translator("dates-gru-plain")
    encoded = translator.encode_text(SOURCE)
    last = encoded.forward[-1].astype(np.float64)
    np.testing.assert_array_equal(encoded.initial_state.h[-1][0], encoded.forward[-1])
    norm = float(np.linalg.norm(last))
    _, steps = greedy(translator, encoded)
    z = steps[0].logits[0].astype(np.float64)
    first = float(np.exp(z.max() - z.max() - np.log(np.exp(z - z.max()).sum())))
    unsure = next(
        pair.source
        for pair in held_out_pairs(translator, 300)
        if any(np.exp(s.log_probs[0]).max() <= 0.6
               for s in greedy(translator, translator.encode_text(pair.source))[1])
    )  # fmt: skip

    async def scenario() -> None:
        app = LessonApp(chapter(6))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 6)
            assert f"‖c‖ = {norm:.4f}" in "\n".join(screen.live.panel())
            await answer(pilot, f"{norm + 0.01:.3f}")
            assert "norm" not in screen.done
            await answer(pilot, f"{norm:.3f}")
            await pilot.press("n")
            await answer(pilot, f"{first:.3f}")
            assert {"norm", "first"} <= screen.done and "unsure" not in screen.done
            await ask(pilot, "t", unsure)
            for _ in range(len(screen.live.steps)):
                await pilot.press("right")
            assert "unsure" in screen.done

    asyncio.run(scenario())


@needs("dates-gru-plain", "dates-gru-plain-reversed", "dates-bigru-additive")
@pytest.mark.slow
def test_directions_chapter_norms_and_the_reversed_reading_measured_again() -> None:
    """Chapter 5: ‖←h_j‖ is the engine's backward state's norm; the exact-match figures
    equal `score_decoding` (the `eval` command's scorer) on the same held-out pairs."""
    from rnn_tui.engine.translation_eval import score_decoding
    from rnn_tui.session.lessons.directions import FORWARD, MEASURED_PAIRS, REVERSED, SOURCE
    from rnn_tui.session.lessons.models import held_out_pairs
    from rnn_tui.tui.lesson_app import LessonApp

    scores = {}
    for name in (FORWARD, REVERSED):
        translator = lesson_translator(name)
        pairs = held_out_pairs(translator, MEASURED_PAIRS)
        scores[name] = score_decoding(translator, pairs, beam=1, alpha=0.0, max_len=40).exact_match
    bidirectional = lesson_translator("dates-bigru-additive").encode_text(SOURCE)

    async def scenario() -> None:
        app = LessonApp(chapter(5))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 5)
            assert screen.live.scores == pytest.approx(scores, abs=1e-12)
            j = screen.live.at
            backward = float(np.linalg.norm(bidirectional.backward[j].astype(np.float64)))
            await answer(pilot, f"{backward + 0.01:.3f}")
            assert "backward" not in screen.done
            await answer(pilot, f"{backward:.3f}")
            assert "backward" in screen.done
            await pilot.press("n", *["left"] * j)
            assert "first" in screen.done
            await pilot.press("n")
            await answer(pilot, f"{scores[REVERSED] - scores[FORWARD]:.3f}")
            assert "reversed" in screen.done

    asyncio.run(scenario())


@needs("dates-bigru-additive")
def test_a_chapters_slow_figures_come_after_its_live_view(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chapter 5's scores take seconds to measure: its live numbers show (and move) before
    they are done, the panel says they are being measured, the exercise that needs them
    says to wait instead of asking; once measured they show and the answer is taken.
    The measurement is a stand-in here, held until released (the real one is tested
    against `score_decoding` above)."""
    import threading

    from rnn_tui.session.lessons.directions import FORWARD, REVERSED, DirectionsLive
    from rnn_tui.tui.lesson_app import LessonApp
    from rnn_tui.tui.screens.ask import AskScreen
    from tests.pilot_helpers import until

    release = threading.Event()

    def measure(live: DirectionsLive) -> None:
        release.wait(20)
        live.scores = {FORWARD: 0.5, REVERSED: 0.25}

    monkeypatch.setattr(DirectionsLive, "measure", measure)

    async def scenario() -> None:
        app = LessonApp(chapter(5))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await live_shown(pilot)

            def panel() -> str:
                return str(screen.query_one("#lesson-live").render())

            await pilot.pause()
            assert "‖←h_j‖" in panel() and "measuring…" in panel()
            at = screen.live.at
            await pilot.press("right")
            assert screen.live.at == at + 1
            await pilot.press("n", "n", "a")  # the third exercise: reversed − forward
            await pilot.pause()
            assert not isinstance(app.screen, AskScreen)
            assert "still measuring" in screen.message
            release.set()
            await until(pilot, lambda: "50.0%" in panel())
            assert "25.0%" in panel() and "measuring…" not in panel()
            await answer(pilot, "-0.250")
            assert "reversed" in screen.done

    asyncio.run(scenario())


@needs("dates-bigru-additive")
def test_quitting_a_chapter_while_it_measures_does_not_wait_for_the_measurement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The measurement cannot be stopped halfway; quitting leaves it behind rather than
    waiting for it (here a stand-in held for 8 s); it still runs to its end after the app
    has gone."""
    import threading
    import time

    from rnn_tui.session.lessons.directions import DirectionsLive
    from rnn_tui.tui.lesson_app import LessonApp

    release = threading.Event()
    measured = threading.Event()

    def measure(live: DirectionsLive) -> None:
        release.wait(20)
        measured.set()

    monkeypatch.setattr(DirectionsLive, "measure", measure)
    left_at = 0.0

    async def scenario() -> None:
        nonlocal left_at
        app = LessonApp(chapter(5))
        async with app.run_test(size=(80, 24)) as pilot:
            await live_shown(pilot)
            await pilot.pause(0.1)
            assert not measured.is_set()
            left_at = time.monotonic()
            app.exit()

    releaser = threading.Timer(8.0, release.set)
    releaser.start()
    try:
        asyncio.run(scenario())  # as `app.run()` ends: waiting for the app's threads
        waited = time.monotonic() - left_at
    finally:
        release.set()
        releaser.cancel()
    assert measured.wait(5)  # it did run to its end, after the app had gone
    assert waited < 3.0, f"quitting waited {waited:.1f} s for the measurement"


def test_slow_figures_are_computed_once_however_many_ask_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`measured_once`: a second caller that asks while the first computes waits for that
    result instead of computing its own; later callers get it at once; another key is
    computed on its own."""
    import threading

    from rnn_tui.session.lessons import structure

    monkeypatch.setattr(structure, "_MEASURED", {})
    monkeypatch.setattr(structure, "_MEASURING", {})
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def compute() -> list[int]:
        calls.append("k")
        started.set()
        release.wait(10)
        return [1, 2, 3]

    results: list[list[int]] = []
    first = threading.Thread(target=lambda: results.append(structure.measured_once("k", compute)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: results.append(structure.measured_once("k", compute)))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first computation, not running its own
    release.set()
    first.join(10)
    second.join(10)
    assert calls == ["k"] and results[0] is results[1] == [1, 2, 3]
    assert structure.measured_once("k", compute) is results[0] and calls == ["k"]
    assert structure.measured_once("other", lambda: 7) == 7


@needs("dates-gru-plain")
def test_a_chapter_opened_again_reuses_its_measurement_even_while_it_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chapter 6 closed while it measures and opened again: the second screen waits for
    the first measurement (the held-out pairs are found once), and a third opening has
    them at once. The pairs are those the engine's data module gives, found here."""
    import threading

    from rnn_tui.session.lessons import models, structure
    from rnn_tui.session.lessons.context import SHOWN_PAIRS
    from rnn_tui.tui.lesson_app import LessonApp
    from rnn_tui.tui.screens.lesson import LessonScreen
    from tests.pilot_helpers import until

    monkeypatch.setattr(structure, "_MEASURED", {})
    monkeypatch.setattr(structure, "_MEASURING", {})
    expected = models.held_out_pairs(lesson_translator("dates-gru-plain"), SHOWN_PAIRS)
    real, release, calls = models.held_out_pairs, threading.Event(), []

    def held_out_pairs(translator, count):
        calls.append(count)
        release.wait(20)
        return real(translator, count)

    monkeypatch.setattr(models, "held_out_pairs", held_out_pairs)

    async def scenario() -> None:
        app = LessonApp(chapter(6))
        async with app.run_test(size=(80, 24)) as pilot:
            first = await live_shown(pilot)
            assert first.measuring
            await pilot.press("escape")
            app.push_screen(LessonScreen(chapter(6)))
            second = await live_shown(pilot)
            assert second is not first and second.measuring
            await pilot.pause(0.3)
            assert second.measuring and calls == [SHOWN_PAIRS]
            release.set()
            await until(pilot, lambda: not second.measuring)
            assert second.live.examples == expected and calls == [SHOWN_PAIRS]
            await pilot.press("escape")
            app.push_screen(LessonScreen(chapter(6)))
            third = await live_shown(pilot)
            await until(pilot, lambda: not third.measuring)
            assert third.live.examples == expected and calls == [SHOWN_PAIRS]

    asyncio.run(scenario())


@needs("dates-gru-plain", "dates-gru-additive")
@pytest.mark.slow
def test_attention_chapters_bottleneck_table_is_exact_match_and_bleu_by_length() -> None:
    """Chapter 12's table: per source-length bucket, the greedy outputs equal to their
    targets and sacrebleu's corpus BLEU of those outputs, computed here output by output;
    the panel shows them."""
    import sacrebleu

    from rnn_tui.session.lessons.attention import (
        LENGTH_BOUNDS,
        MEASURED_PAIRS,
        WITH,
        WITHOUT,
        AttentionLive,
        measured_by_length,
    )
    from rnn_tui.session.lessons.models import greedy_output, held_out_pairs

    rows = {}
    for name in (WITHOUT, WITH):
        translator = lesson_translator(name)
        pairs = held_out_pairs(translator, MEASURED_PAIRS)
        edges = [0, *LENGTH_BOUNDS, 10**6]
        measured = measured_by_length(name)
        for (low, high), score in zip(itertools.pairwise(edges), measured, strict=True):
            bucket = [p for p in pairs if low < len(p.source) <= high]
            outputs = [greedy_output(translator, p.source) for p in bucket]
            right = sum(o == p.target for o, p in zip(outputs, bucket, strict=True))
            assert (score.right, score.pairs) == (right, len(bucket))
            bleu = sacrebleu.corpus_bleu(outputs, [[p.target for p in bucket]]).score
            assert score.bleu == pytest.approx(bleu, abs=1e-9)
        rows[name] = "".join(f"{s.bleu:>9.1f}" for s in measured)
    live = AttentionLive()
    live.measure()
    panel = live.panel()
    assert f"  {'no attention, BLEU':<20}{rows[WITHOUT]}" in panel
    assert f"  {'attention, BLEU':<20}{rows[WITH]}" in panel


@needs("dates-gru-self-attention")
@pytest.mark.slow
def test_self_attention_chapter_weights_are_the_softmax_written_out() -> None:
    """Chapter 14: α_i = softmax(q_i·k_j/√d) and m_i = h_i + Σ α_ij v_j, computed here
    from the checkpoint's tensors, are the engine's; α_ii answers; a query that looks
    elsewhere is found by stepping."""
    from rnn_tui.session.lessons.self_attention import MODEL, SOURCE
    from rnn_tui.tui.lesson_app import LessonApp

    translator = lesson_translator(MODEL)
    encoded = translator.encode_text(SOURCE)
    h = encoded.forward.astype(np.float64)
    t = {k: v.astype(np.float64) for k, v in translator.tensors.items()}
    q, k, v = (h @ t[f"self_attention.{n}.weight"].T for n in ("query", "key", "value"))
    scores = q @ k.T / math.sqrt(q.shape[1])
    alpha = np.exp(scores - scores.max(axis=1, keepdims=True))
    alpha /= alpha.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(encoded.self_attention, alpha, atol=1e-5)
    np.testing.assert_allclose(encoded.memory, h + alpha @ v, atol=1e-4)

    async def scenario() -> None:
        app = LessonApp(chapter(14))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 14)
            await answer(pilot, f"{alpha[0, 0] + 0.01:.3f}")
            assert "own" not in screen.done
            await answer(pilot, f"{alpha[0, 0]:.3f}")
            assert "own" in screen.done
            for _ in range(len(alpha)):
                await pilot.press("right")
            assert "elsewhere" in screen.done
            assert (alpha.argmax(axis=1) != np.arange(len(alpha))).any()

    asyncio.run(scenario())


@needs("shakespeare-lstm")
@pytest.mark.slow
def test_gate_probe_is_the_auc_of_the_gate_written_out() -> None:
    """Chapter 9's probe: a unit's AUC is P(f_in > f_out) + ½ P(f_in = f_out) over every
    pair of a space and another character read, counted here pair by pair from the
    engine's gates; watching the most selective unit completes the exercise."""
    from rnn_tui.session.lessons.gates import TEXT
    from rnn_tui.tui.lesson_app import LessonApp

    model = load_language_model(next(p for p in bundled_models() if p.stem == "shakespeare-lstm"))
    read = TEXT[:22]  # "ROMEO:\nBut, soft! what"
    state, gates = model.initial_state(), []
    opening = model.opening(model.tokenizer.encode(read))
    for token in opening:
        trace = model.step(token, state)
        state = trace.state
        gates.append(trace.layers[0].gates["f"])
    values = np.stack(gates[len(opening) - len(read) :]).astype(np.float64)
    inside = np.asarray([c == " " for c in read])
    greater = (values[inside][:, None, :] > values[~inside][None, :, :]).mean(axis=(0, 1))
    ties = (values[inside][:, None, :] == values[~inside][None, :, :]).mean(axis=(0, 1))
    auc = greater + ties / 2
    best = int(np.argmax(np.abs(2 * auc - 1)))
    assert abs(2 * auc[best] - 1) >= 0.8

    async def scenario() -> None:
        app = LessonApp(chapter(9))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 9)
            await pilot.press(*["right"] * (len(read) - 7))
            np.testing.assert_allclose(screen.live.gate_aucs(), auc, atol=1e-12)
            assert "probe" not in screen.done or abs(2 * auc[0] - 1) >= 0.8
            await ask(pilot, "v", f"unit {best}")
            assert "probe" in screen.done
            assert f"AUC of unit j = {auc[best]:.3f}" in "\n".join(screen.live.panel())

    asyncio.run(scenario())


def test_question_mark_lists_every_key_of_the_chapter_in_words() -> None:
    """`?` in a chapter shows each of its bindings with what it does; Esc closes it."""
    from rnn_tui.tui.lesson_app import LessonApp
    from rnn_tui.tui.screens.help import HelpScreen
    from rnn_tui.tui.screens.lesson import LessonScreen
    from tests.pilot_helpers import until

    async def scenario() -> None:
        app = LessonApp(chapter(8))
        async with app.run_test(size=(80, 24)) as pilot:
            await open_chapter(pilot, 8)
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            svg = app.export_screenshot()
            shown = html.unescape(re.sub(r"<[^>]+>", " ", svg)).replace("\xa0", " ")
            for binding in LessonScreen.BINDINGS:
                words = [binding.description, *(binding.tooltip or "").split()]
                assert all(word in shown for word in words), binding
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, LessonScreen))

    asyncio.run(scenario())


@needs("shakespeare-rnn", "shakespeare-window")
@pytest.mark.slow
def test_recurrence_chapter_surprisals_are_each_models_softmax_written_out() -> None:
    """Chapter 1: each model's −log p of every character read is −log softmax(z)[x]
    from the engine's logits one step earlier; the window model's mean answers; a
    character the RNN predicts FAR_BETTER nats better is found by stepping."""
    from rnn_tui.session.lessons.models import bundled_language_model
    from rnn_tui.session.lessons.recurrence import FAR_BETTER, RECURRENT, START, TEXT, WINDOW
    from rnn_tui.tui.lesson_app import LessonApp

    def surprisals(stem: str, text: str) -> list[float]:
        model = bundled_language_model(stem)
        tokens = model.opening(model.tokenizer.encode(text))
        state, out = model.initial_state(), []
        for here, after in itertools.pairwise(tokens):
            trace = model.step(here, state)
            state = trace.state
            z = trace.logits.astype(np.float64)
            out.append(-(z[after] - z.max() - np.log(np.exp(z - z.max()).sum())))
        return out[-len(text) :]

    window = surprisals(WINDOW, TEXT)
    recurrent = surprisals(RECURRENT, TEXT)
    assert bundled_language_model(WINDOW).config.context == 8
    far = next(k for k in range(START, len(TEXT)) if window[k] - recurrent[k] > FAR_BETTER)

    async def scenario() -> None:
        app = LessonApp(chapter(1))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 1)
            mean = float(np.mean(window[:START]))
            assert screen.live.means()[1] == pytest.approx(mean, abs=1e-5)
            await answer(pilot, f"{mean + 0.01:.3f}")
            assert "mean" not in screen.done
            await answer(pilot, f"{mean:.3f}")
            assert "mean" in screen.done and "further" not in screen.done
            await pilot.press(*["right"] * (far + 1 - START))
            assert screen.live.count == far + 1 and "further" in screen.done

    asyncio.run(scenario())


@pytest.mark.slow
@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
@pytest.mark.parametrize("number", [c.number for c in chapters()])
def test_every_chapter_opens_with_its_live_numbers_and_exercises(
    number: int, size: tuple[int, int]
) -> None:
    """Each chapter at both sizes: its live panel's first line and every exercise are on
    screen, nothing is still loading, and a step (→) scrolls the live numbers into view."""
    from rnn_tui.tui.lesson_app import LessonApp

    def shown(app) -> str:
        text = html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot()))
        return " ".join(text.split())  # split() also breaks at the &#160; spaces

    async def scenario() -> None:
        app = LessonApp(chapter(number))
        async with app.run_test(size=size) as pilot:
            screen = await open_chapter(pilot, number)
            await pilot.press("right")
            await pilot.pause()
            text = shown(app)
            assert "loading the model" not in text
            first = " ".join(screen.live.panel()[0].split())
            assert first[:30] in text, first
            for exercise in screen.chapter.exercises:
                assert " ".join(exercise.task.split())[:25] in text, exercise.task

    asyncio.run(scenario())


def numeric_exercises() -> list[tuple[int, int]]:
    return [
        (c.number, k)
        for c in chapters()
        for k, exercise in enumerate(c.exercises)
        if exercise.expected is not None
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("number", "index"), numeric_exercises())
def test_every_numeric_exercise_fails_a_wrong_answer_and_takes_the_right_one(
    number: int, index: int
) -> None:
    """Driven by keys: `n` to the exercise, `a` and a value 0.01 off (refused, nothing
    saved), then the value to three decimals (done, and kept in the progress file). The
    values themselves are checked against independent computations in the tests above."""
    from rnn_tui.tui.lesson_app import LessonApp

    async def scenario() -> None:
        app = LessonApp(chapter(number))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, number)
            await pilot.press(*["n"] * index)
            exercise = screen.chapter.exercises[index]
            value = exercise.expected(screen.live)
            await answer(pilot, f"{value + 0.01:.3f}")
            assert exercise.key not in screen.done and "✗" in screen.message
            await answer(pilot, f"{value:.3f}")
            assert exercise.key in screen.done and "✓" in screen.message
        assert exercise.key in load_progress()[str(number)]

    asyncio.run(scenario())


def test_recurrence_chapter_states_its_models_true_sizes_and_window() -> None:
    """Chapter 1's text gives both models' weight counts and the window's width as
    numbers; they must be the bundled files' (a retrained model would change them)."""
    from safetensors.numpy import load_file

    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.session.lessons.recurrence import RECURRENT, WINDOW

    paths = {p.stem: p for p in [*bundled_models(), *lesson_models()]}
    sizes = [
        sum(a.size for a in load_file(str(paths[name])).values()) for name in (RECURRENT, WINDOW)
    ]
    window = load_language_model(paths[WINDOW]).config.context
    text = " ".join(chapter(1).text)
    assert f"have {sizes[0]:,} and {sizes[1]:,} weights" in text
    assert text.count(f"{window} characters") == 2


@needs_models
def test_a_source_too_long_for_the_encoder_is_refused_in_a_line() -> None:
    """Chapter 13 reads a typed sentence in a worker: one over the encoder's limit used
    to end the app; the chapter now says why and keeps its sentence."""
    from rnn_tui.engine.translator import MAX_SOURCE_TOKENS
    from rnn_tui.tui.lesson_app import LessonApp
    from rnn_tui.tui.screens.ask import AskScreen
    from tests.pilot_helpers import until

    async def scenario() -> None:
        app = LessonApp(chapter(13))
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_chapter(pilot, 13)
            before = screen.live.source
            await pilot.press("t")
            await until(pilot, lambda: isinstance(app.screen, AskScreen))
            app.screen.query_one("#ask-input").value = "they " * (MAX_SOURCE_TOKENS + 1)
            await pilot.press("enter")
            await until(pilot, lambda: screen.message.startswith("the source is"))
            assert f"{MAX_SOURCE_TOKENS + 1:,} tokens long" in screen.message
            assert screen.live.source == before and app.screen is screen

    asyncio.run(scenario())
