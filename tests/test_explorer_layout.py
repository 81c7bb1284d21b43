"""The explorer's panels say what they draw: the numbers behind each picture are checked
against the formula written out (PCA by eigendecomposition, histograms by counting)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import numpy as np
import pytest
from textual.app import App

from rnn_tui.render.attention_map import attention_lines, column_widths
from rnn_tui.session.lm import units_by_activity
from rnn_tui.session.trajectory import pca_trajectory
from rnn_tui.tui.app import make_app
from rnn_tui.tui.plain import model_name, model_title
from rnn_tui.tui.widgets.lm.gates import GatePanel, histogram, saturated_shares
from rnn_tui.tui.widgets.lm.heatmap import StateHeatmap
from rnn_tui.tui.widgets.lm.trajectory import TrajectoryPlot, dot_grid
from tests.test_explorer import engine_trace, open_app


def test_trajectory_is_the_projection_on_the_top_two_eigenvectors() -> None:
    rng = np.random.default_rng(3)
    states = rng.normal(size=(40, 12)) @ rng.normal(size=(12, 12))
    trajectory = pca_trajectory(states, first_step=7)
    centered = states - states.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centered, rowvar=False))
    top = vectors[:, ::-1][:, :2]
    for k in range(2):  # equal up to the sign each direction is given
        expected = centered @ top[:, k]
        sign = np.sign(expected @ trajectory.points[:, k])
        np.testing.assert_allclose(trajectory.points[:, k], sign * expected, atol=1e-9)
    np.testing.assert_allclose(trajectory.explained, values[::-1][:2] / values.sum(), rtol=1e-9)
    assert trajectory.first_step == 7


def test_trajectory_signs_do_not_flip_when_a_state_is_added() -> None:
    rng = np.random.default_rng(4)
    states = rng.normal(size=(30, 8)) * np.arange(8, 0, -1)  # clear principal axes
    before = pca_trajectory(states[:-1]).points
    after = pca_trajectory(states).points
    assert np.corrcoef(before[:, 0], after[:-1, 0])[0, 1] > 0.9


def test_one_state_or_identical_states_give_no_directions() -> None:
    assert pca_trajectory(np.ones((1, 5))).explained == (0.0, 0.0)
    flat = pca_trajectory(np.ones((6, 5)))
    assert flat.explained == (0.0, 0.0) and not flat.points.any()


def test_dot_grid_marks_every_point_and_the_last_points_cell() -> None:
    points = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    bits, latest = dot_grid(points, columns=4, rows=2)
    # (0, 0) is the bottom-left dot, (1, 1) the top-right, (1, 0) the bottom-right.
    assert bits[1, 0] & 0x40 and bits[0, 3] & 0x08 and bits[1, 3] & 0x80
    assert latest[1, 3] == 2 and latest.max() == 2


def test_gate_histogram_counts_the_units_in_each_bin() -> None:
    values = np.array([0.05, 0.05, 0.05, 0.95, 0.5, 0.51])
    drawn = histogram(values, 0.0, 1.0, bins=10)
    assert len(drawn) == 10
    assert drawn[0] == "█" and drawn[9] != " " and drawn[5] != " "  # 3 units, 1, 2
    assert drawn[9] < drawn[5] < drawn[0] and drawn[1:5] == "    "
    assert saturated_shares(values, signed=False) == (0.5, 1 / 6)
    assert saturated_shares(np.array([-0.95, 0.0, 0.92, 0.99]), signed=True) == (0.25, 0.5)


def test_busiest_units_come_first() -> None:
    states = np.array([[0.1, -0.1], [0.9, -0.8], [0.0, 0.0], [-0.5, 0.5]])
    assert units_by_activity(states).tolist() == [1, 3, 0, 2]


@pytest.mark.parametrize(
    ("tokens", "width"),
    [
        (["she", "is", "taller", "than", "her", "brother", ".", "<eos>"], None),
        ([*"le samedi 9 mai 2018", "<eos>"], 40),
        ([*"le samedi 9 mai 2018", "<eos>"], None),
    ],
)
def test_attention_columns_sit_under_their_source_tokens(tokens: list[str], width) -> None:
    """Each source label starts its own column, words never touch, and each cell's number
    is that column's α in percent."""
    rng = np.random.default_rng(0)
    weights = rng.dirichlet(np.ones(len(tokens)) * 0.3, size=3)
    header, *rows, _ = attention_lines(weights, tokens, ["x", "yy", "z"], width)
    widths = column_widths(
        [t.replace(" ", "␣") for t in tokens], None if width is None else width - 3
    )
    starts = np.cumsum([0, *widths[:-1]]) + 3  # after the row labels ("yy" and a gap)
    for token, start, each in zip(tokens, starts, widths, strict=True):
        label = header.plain[start : start + each]
        assert label.rstrip() == token.replace(" ", "␣")[: len(label.rstrip())]
        if each > 1 and len(token) > 1:
            assert label.endswith(" ")  # the gap before the next word
    for row, line in zip(weights, rows, strict=True):
        for weight, start, each in zip(row, starts, widths, strict=True):
            cell = line.plain[start : start + each].strip()
            assert (
                cell
                == (str(round(weight * 100)) if each >= 3 and weight >= 0.045 else "")[: len(cell)]
            )
    if width is not None:
        assert header.cell_len <= width + 3


@pytest.mark.parametrize("width", [None, 60, 40, 30, 21])
def test_the_attention_legend_keeps_its_whole_scale_within_the_width(width) -> None:
    """The legend is the map's last line: at 60×18 (a 22-column panel) it must not wrap,
    and it must still show the whole colour scale from 0 to 1, one cell per colour."""
    from rnn_tui.render.attention_map import SCALE_STYLES

    weights = np.array([[0.25, 0.75]])
    line = attention_lines(weights, ["ab", "cd"], ["x"], width)[-1]
    if width is not None:
        assert line.cell_len <= width
    assert line.plain.startswith("α  0 " + " " * len(SCALE_STYLES) + " 1")
    styles = [span.style for span in line.spans if not isinstance(span.style, str)]
    backgrounds = [style.bgcolor.number for style in styles if style.bgcolor]
    assert backgrounds == [style.bgcolor.number for style in SCALE_STYLES]
    if width is None or width >= 39:
        assert line.plain.endswith("numbers: α in %")


def test_run_checkpoints_are_titled_by_their_run_folder() -> None:
    assert model_name(Path("runs/lstm-small/best.safetensors")) == "lstm-small (best)"
    assert model_name(Path("/x/shakespeare-gru.safetensors")) == "shakespeare-gru"
    assert model_title(Path("runs/[red]x/last.safetensors")) == r"\[red]x (last)"


def test_heatmap_reaches_every_unit_and_says_which_it_draws(tiny_lstm_checkpoint: Path) -> None:
    """Paging down walks the chosen unit through all units; the heatmap's window always
    holds it, and its caption names the units drawn."""

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the quick")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_app(app, pilot)
            heatmap = screen.query_one(StateHeatmap)
            units = screen.model.config.hidden_size
            seen = set()
            for _ in range(units):
                await pilot.press("pagedown")
                first = 2 * heatmap.first_row()
                shown = heatmap.order[first : first + heatmap.units_per_page()]
                assert screen.chosen_unit in shown
                assert caption_units(heatmap.caption()) == (shown[0], shown[-1], units)
                seen.update(shown.tolist())
            assert seen == set(range(units))

    asyncio.run(scenario())


def caption_units(caption: str) -> tuple[int, int, int]:
    """(first, last, of how many) from "units 0–13 of 256", "units 0–13/256" or "0–13/256"."""
    match = re.search(r"(\d+)–(\d+)(?: of |/)(\d+)", caption)
    assert match, caption
    first, last, units = map(int, match.groups())
    return first, last, units


def test_the_heatmap_caption_fits_its_width_and_keeps_the_colour_scale() -> None:
    """Narrow panels get a shorter caption, not a cut one: which units, which steps and
    the colour scale (here ±2.5) stay readable (an encoder heatmap is 20 wide at 60×18)."""

    async def scenario() -> None:
        matrix = np.linspace(-2.5, 2.5, 256 * 300).reshape(256, 300)

        class One(App):
            def compose(self):
                yield StateHeatmap()

        for width in (25, 32, 40, 44, 60, 100):  # 25: the shortest form, four-digit steps
            app = One()
            async with app.run_test(size=(width, 12)) as pilot:
                heatmap = app.query_one(StateHeatmap)
                heatmap.show(matrix, 0, scale=2.5, first_step=1000)
                await pilot.pause()
                caption = heatmap.caption()
                assert len(caption) <= width, caption
                first, count = heatmap.steps_shown()
                assert caption_units(caption) == (0, 21, 256)
                assert f"t {1000 + first}–{1000 + first + count - 1}" in caption
                assert "±2.5" in caption or ("−2.5" in caption and "+2.5" in caption)
                painted = app.screen._compositor.render_strips()[0].text
                assert painted.rstrip() == caption

    asyncio.run(scenario())


def drawn_heatmap(app, heatmap: StateHeatmap) -> tuple[str, list[int]]:
    """The heatmap's caption and the unit labels of its rows, as painted on the screen."""
    region = heatmap.content_region
    lines = [strip.text for strip in app.screen._compositor.render_strips()]
    rows = [lines[y][region.x : region.right] for y in range(region.y, region.bottom)]
    labels = [int(n) for row in rows[1:] for n in re.findall(r"\d+", row.split("▸")[0][:8])]
    return rows[0], labels


def test_the_heatmap_caption_names_the_rows_painted_after_a_resize(
    tiny_lstm_checkpoint: Path,
) -> None:
    """The caption is drawn for the size the heatmap is painted at: Textual can paint a
    new size before the widget hears of it, and a caption kept from the old size named
    units 0–5 over rows showing 0–13."""

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_app(app, pilot)
            heatmap = screen.query_one(StateHeatmap)
            for size in [(80, 24), (120, 36), (80, 30), (80, 24)]:
                await pilot.resize_terminal(*size)
                await pilot.pause()
                caption, labels = drawn_heatmap(app, heatmap)
                assert labels == list(range(labels[0], labels[-1] + 1))
                assert caption_units(caption) == (labels[0], labels[-1], 24), (size, caption)
                assert "−1" in caption and "+1" in caption

    asyncio.run(scenario())


def test_a_vanilla_rnn_shows_its_pre_activation_on_whole_lines(tiny_rnn_checkpoint: Path) -> None:
    """No gates: the panel shows a_t[unit] and mean |a_t| (s_t = tanh(a_t)), one number a
    line, so that neither is split at 80 columns (it painted "mean |a| = 2." above "376")."""

    async def scenario() -> None:
        app = make_app([tiny_rnn_checkpoint], prompt="the qu")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_app(app, pilot)
            _, trace = engine_trace(tiny_rnn_checkpoint, list(screen.session.tokens))
            pre = trace.layers[0].pre["a"]
            np.testing.assert_allclose(np.tanh(pre), trace.layers[0].h, atol=1e-6)
            panel = screen.query_one(GatePanel)
            region = panel.content_region
            lines = [strip.text for strip in app.screen._compositor.render_strips()]
            painted = [
                lines[y][region.x : region.right].rstrip() for y in range(region.y, region.bottom)
            ]
            assert f"a_t[0] = {pre[0]:+.3f}" in painted
            assert f"mean |a_t| = {np.abs(pre).mean():.3f}" in painted

    asyncio.run(scenario())


def test_busiest_first_orders_the_rows_and_the_unit_keys(tiny_lstm_checkpoint: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the quick brown")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            await pilot.press("s")
            heatmap = screen.query_one(StateHeatmap)
            _, count = heatmap.steps_shown()
            shown = heatmap.matrix[:, -count:]
            busy = np.abs(shown).mean(axis=1)
            assert np.all(np.diff(busy[heatmap.order]) <= 1e-12)
            assert "busiest" in heatmap.caption()
            first = int(heatmap.order[0])
            screen.chosen_unit = first
            await pilot.press("full_stop")  # the next unit is the next row, not index + 1
            assert screen.chosen_unit == int(heatmap.order[1])

    asyncio.run(scenario())


def test_the_trajectory_panel_shows_this_sessions_states(tiny_lstm_checkpoint: Path) -> None:
    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the quick brown")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            plot = screen.query_one(TrajectoryPlot)
            tokens = screen.session.tokens
            engine_states = np.stack(  # the engine run afresh on each prefix
                [
                    engine_trace(tiny_lstm_checkpoint, tokens[: k + 1])[1].layers[-1].h
                    for k in range(len(tokens))
                ]
            )
            expected = pca_trajectory(engine_states)
            assert plot.trajectory is not None
            np.testing.assert_allclose(plot.trajectory.points, expected.points, atol=1e-5)
            np.testing.assert_allclose(plot.trajectory.explained, expected.explained, atol=1e-6)
            assert "PC1" in str(plot.render())

    asyncio.run(scenario())


def test_a_long_prompt_is_read_in_a_worker_with_progress(tiny_lstm_checkpoint: Path) -> None:
    """A prompt past READ_AT_ONCE characters is read off the UI thread; the status line says
    how far it got, and the session it ends with equals reading the prompt directly."""
    from rnn_tui.session.lm import LanguageModelSession
    from rnn_tui.tui.screens import lm_view

    prompt = "the quick brown fox jumps over the lazy dog. " * 100  # 4,500 characters
    assert len(prompt) > lm_view.READ_AT_ONCE
    seen: list[str] = []

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt=prompt)
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(400):
                await pilot.pause(0.01)
                if isinstance(app.screen, lm_view.LanguageModelScreen):
                    seen.append(str(app.screen.query_one("#status").render()))
                    if app.screen.session.prompt == prompt:
                        break
            screen = await open_app(app, pilot)
            direct = LanguageModelSession(screen.model)
            direct.reset(prompt)
            assert screen.session.tokens == direct.tokens
            np.testing.assert_allclose(screen.session.surprisals, direct.surprisals, atol=1e-6)
            assert screen.reading is None and "t=" in str(screen.query_one("#status").render())

    asyncio.run(scenario())
    assert any(line.startswith("reading the prompt: ") for line in seen)


def test_long_typed_text_is_fed_in_a_worker_after_what_was_read(tiny_lstm_checkpoint: Path) -> None:
    """`t` with text past READ_AT_ONCE characters was fed on the UI thread (a 100 KB paste
    froze the view for tens of seconds); it is fed to a copy of the session in a worker,
    which then replaces the shown one, as if fed directly."""
    from rnn_tui.session.lm import LanguageModelSession
    from rnn_tui.tui.screens import lm_view

    typed = "over the lazy dog and back again. " * 150  # 5,100 characters
    seen: list[str] = []

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the quick")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            screen.force_tokens(typed)
            for _ in range(400):
                seen.append(str(screen.query_one("#status").render()))
                if screen.reading is None:
                    break
                await pilot.pause(0.01)
            await pilot.pause()
            direct = LanguageModelSession(screen.model)
            direct.reset("the quick")
            direct.type_text(typed)
            assert screen.session.tokens == direct.tokens
            assert screen.session.sources == direct.sources
            np.testing.assert_allclose(screen.session.surprisals, direct.surprisals, atol=1e-6)
            np.testing.assert_allclose(screen.session.current.probs, direct.current.probs)

    assert len(typed) > lm_view.READ_AT_ONCE
    asyncio.run(scenario())
    assert any(line.startswith("reading the typed text: ") for line in seen)


def test_a_session_copy_goes_on_apart(tiny_lstm_checkpoint: Path) -> None:
    """What the copy reads leaves the original as it was, and each samples on from the
    same generator state (a shared generator would give each half of one stream)."""
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.session.lm import LanguageModelSession

    session = LanguageModelSession(load_language_model(tiny_lstm_checkpoint), seed=3)
    session.reset("the quick")
    session.advance()  # the random generator has been used
    before = (list(session.tokens), list(session.surprisals), session.current)
    twin = session.copy()
    assert twin.type_text("brown fox") and twin.position > session.position
    assert (session.tokens, session.surprisals, session.current) == before

    other = session.copy()
    for _ in range(20):
        session.advance()
        other.advance()
    assert session.tokens == other.tokens and len(set(session.tokens[-20:])) > 1


def test_beam_columns_stay_for_word_models() -> None:
    """Rank, parent and log p come first at fixed widths; the words (cut by the panel,
    never wrapped) come last, so a long hypothesis cannot push the numbers out."""
    from rnn_tui.engine.translation_search import BeamStep, Hypothesis
    from rnn_tui.tui.widgets.translator.beam import beam_text

    long_words = "elle est beaucoup plus grande que son frère aîné " * 3
    step = BeamStep(
        live=[Hypothesis((1, 2), -0.615, False, 0), Hypothesis((1, 3), -12.5, False, 1)],
        finished=[Hypothesis((4,), -3.897, True, 0)],
    )
    lines = beam_text(step, lambda tokens: long_words if len(tokens) > 1 else "fin").plain
    lines = lines.splitlines()
    assert lines[0].split()[:3] == ["#", "from", "log"]
    ranks = [line.split()[:3] for line in lines[1:]]
    assert ranks == [["1", "0", "-0.615"], ["2", "0", "-3.897"], ["3", "1", "-12.500"]]
    assert lines[2].endswith("■ fin")  # the mark before the words, which a panel may cut
    assert "■" not in lines[1] + lines[3]


def test_the_too_small_notice_covers_the_screen_and_fits(tiny_lstm_checkpoint: Path) -> None:
    from rnn_tui.tui.screens.too_small import TooSmallScreen

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(120, 36)) as pilot:
            await open_app(app, pilot)
            await pilot.resize_terminal(40, 12)
            await pilot.pause()
            assert isinstance(app.screen, TooSmallScreen)
            notice = app.screen.query_one("#too-small")
            assert notice.region.width <= 40 and notice.region.bottom <= 12
            assert "40×12" in str(notice.render()) and "q to quit" in str(notice.render())
            assert app.screen.styles.background.a == 1  # opaque: the view does not show through
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            assert not isinstance(app.screen, TooSmallScreen)

    asyncio.run(scenario())


def test_help_explains_every_key_of_every_view() -> None:
    from textual.binding import Binding

    from rnn_tui.tui.app import ExplorerApp
    from rnn_tui.tui.screens.compare_view import CompareScreen
    from rnn_tui.tui.screens.help import bindings_table
    from rnn_tui.tui.screens.lab import GradientLabScreen
    from rnn_tui.tui.screens.lm_view import LanguageModelScreen
    from rnn_tui.tui.screens.neuron_view import NeuronScreen
    from rnn_tui.tui.screens.translator_view import TranslatorScreen

    views = [
        ExplorerApp, LanguageModelScreen, TranslatorScreen, NeuronScreen, CompareScreen,
        GradientLabScreen,
    ]  # fmt: skip
    for view in views:
        bindings = [b for b in view.BINDINGS if isinstance(b, Binding)]
        assert all(b.tooltip for b in bindings), view.__name__
        table = bindings_table(bindings)
        assert table.row_count == len(bindings)
    assert any(b.key == "ctrl+p" for b in ExplorerApp.BINDINGS)


def test_a_view_is_drawn_on_opening_without_a_key(tiny_lstm_checkpoint: Path) -> None:
    """The first frame of a view already shows its numbers (a guard against drawing before
    the widgets exist once kept the first draw from happening at all)."""

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the")
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            assert str(screen.query_one("#status").render()).startswith("t=3 · paused")
            assert screen.query_one("#next").predictions

    asyncio.run(scenario())


def test_the_picker_names_recent_folders_from_home(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnn_tui.tui.screens.picker import where

    monkeypatch.setenv("HOME", "/home/ada")
    assert where(Path("/home/ada/runs/lstm/best.safetensors")) == "~/runs/lstm"
    assert where(Path("/home/adam/x.safetensors")) == "/home/adam"  # not under ~
    assert where(Path("/srv/m\x1b[2J/a.safetensors")) == "/srv/m␛[2J"


def test_text_boxes_take_backslash_n_for_a_new_line(tiny_lstm_checkpoint: Path) -> None:
    """Typed `\\n` reaches the session as a newline; reopening the prompt box shows it as
    `\\n` again (one line of input)."""
    from textual.widgets import Input

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint])
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_app(app, pilot)
            await pilot.press("p", *"ab\\ncd", "enter")
            await pilot.pause()
            assert screen.session.prompt == "ab\ncd"
            await pilot.press("p")
            await pilot.pause()
            assert app.screen.query_one(Input).value == "ab\\ncd"

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("keys", "view"),
    [
        ((), "LanguageModelScreen"),
        (("n", "n"), "TranslatorScreen"),
        *(
            pytest.param(keys, view, marks=pytest.mark.slow)
            for keys, view in (
                (("g",), "GradientLabScreen"),
                (("u",), "NeuronScreen"),
                (("C",), "CompareScreen"),
            )
        ),
    ],
)  # the same footer: two views in the quick loop, all five in the whole suite
def test_every_view_keeps_quit_in_its_footer_at_80x24(
    tiny_lstm_checkpoint: Path,
    tiny_rnn_checkpoint: Path,
    tiny_translator_checkpoint: Path,
    keys: tuple[str, ...],
    view: str,
) -> None:
    """`? Help` and `q Quit` stay at the footer's right edge at 80×24 and at 60×18, where
    the view's keys that do not fit are left out whole rather than cut."""
    from tests.pilot_helpers import until

    async def scenario() -> None:
        paths = [tiny_lstm_checkpoint, tiny_rnn_checkpoint, tiny_translator_checkpoint]
        app = make_app(paths, prompt="the quick")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_app(app, pilot)
            await until(pilot, lambda: len(app.models) == 3)
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            await until(pilot, lambda: type(app.screen).__name__ == view)
            await until(pilot, lambda: "Help" in footer_line(app))
            assert footer_line(app).rstrip().endswith("? Help q Quit"), footer_line(app)
            await pilot.resize_terminal(60, 18)  # the smallest size drawn
            await pilot.pause(0.1)
            line = footer_line(app)
            assert line.rstrip().endswith("? Help q Quit"), line
            shown = app.screen.query_one("ViewFooter").query("FooterKey")
            hidden = [key for key in shown if not key.visible]
            assert hidden or view == "GradientLabScreen", line  # its three keys fit
            for key in shown:  # each key whole, or not at all
                whole = f"{key.key_display} {key.description}"
                assert (whole in line) == key.visible, (whole, line)
                if not key.visible:
                    assert f"{key.key_display} {key.description[0]}" not in line, line
            footer = app.screen.query_one("ViewFooter")
            hidden_keys = {key.key for key in hidden}
            # Under the help screen the view's footer is recomposed without being laid
            # out, and a wider terminal and back must not bring a cut key back either.
            await pilot.press("question_mark")
            await pilot.pause(0.1)
            assert {k.key for k in footer.query("FooterKey") if not k.visible} == hidden_keys
            await pilot.press("escape")
            await pilot.resize_terminal(120, 36)
            await pilot.pause(0.1)
            await pilot.resize_terminal(60, 18)
            await pilot.pause(0.1)
            assert footer_line(app) == line

    asyncio.run(scenario())


def footer_line(app) -> str:
    return app.screen._compositor.render_strips()[-1].text


def test_the_neuron_views_hidden_app_keys_still_work_and_are_listed_once(
    tiny_lstm_checkpoint: Path,
) -> None:
    """o and g are left out of the neuron view's footer (room for q) but still answer, and
    help lists them once, with the app's keys."""
    from rnn_tui.tui.screens.help import HelpScreen
    from rnn_tui.tui.screens.lab import GradientLabScreen
    from rnn_tui.tui.screens.neuron_view import NeuronScreen
    from rnn_tui.tui.screens.picker import ModelPicker
    from tests.pilot_helpers import until

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint], prompt="the quick")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_app(app, pilot)
            await pilot.press("u")
            await until(pilot, lambda: isinstance(app.screen, NeuronScreen))
            assert "Models" not in footer_line(app) and "Gradients" not in footer_line(app)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            listed = [b.description for b in app.screen.view_bindings + app.screen.app_bindings]
            assert listed.count("Models") == 1 and listed.count("Gradients") == 1
            await pilot.press("escape", "o")
            await until(pilot, lambda: isinstance(app.screen, ModelPicker))
            await pilot.press("escape", "g")
            await until(pilot, lambda: isinstance(app.screen, GradientLabScreen))

    asyncio.run(scenario())


def test_a_title_draws_its_longest_form_that_fits() -> None:
    """A heading with shorter forms keeps what they say instead of an ellipsis: at each
    width the painted line is the longest form no wider than the panel."""
    from rnn_tui.tui.widgets.title import Title

    forms = ("Unit 3 (h, layer 2) after each token: blue −1 … red +1",
             "Unit 3 (h, layer 2): blue −1 … red +1", "Unit 3: blue −1 … red +1")  # fmt: skip

    async def scenario() -> None:
        class One(App):
            def compose(self):
                yield Title(*forms)

        for width, expected in [(80, 0), (54, 0), (53, 1), (37, 1), (36, 2), (24, 2), (20, 2)]:
            app = One()
            async with app.run_test(size=(width, 3)) as pilot:
                await pilot.pause()
                title = app.query_one(Title)
                y = title.content_region.y
                painted = app.screen._compositor.render_strips()[y].text.rstrip()
                fitting = [form for form in forms if len(form) <= width]
                assert forms[expected] == (fitting[0] if fitting else forms[-1])
                if fitting:
                    assert painted == forms[expected], (width, painted)
                else:  # none fits: the shortest, cut with an ellipsis
                    assert painted.endswith("…") and forms[-1].startswith(painted[:-1].rstrip())

    asyncio.run(scenario())


def test_the_gradient_lab_fits_three_models_charts_at_80x24(
    tiny_lstm_checkpoint: Path, tiny_rnn_checkpoint: Path, tmp_path: Path
) -> None:
    """Each chart gets as many rows of bars as let every open model's chart stay above the
    fold (at 80×24 the third model's was below it); the largest ‖∂L_t/∂h_k‖ of all
    models still fills its column to the top, the smallest draws nothing."""
    import shutil

    from rnn_tui.tui.screens.lab import GradientLabScreen
    from rnn_tui.tui.widgets.lab.flow_bars import GradientFlowBars
    from tests.pilot_helpers import until

    third = tmp_path / "third.safetensors"
    shutil.copy(tiny_lstm_checkpoint, third)

    async def scenario() -> None:
        app = make_app([tiny_lstm_checkpoint, tiny_rnn_checkpoint, third], prompt="the quick")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_app(app, pilot)
            await until(pilot, lambda: len(app.models) == 3)
            await pilot.press("g")
            await until(pilot, lambda: isinstance(app.screen, GradientLabScreen))
            lab = app.screen
            await until(pilot, lambda: len(lab.flows) == 3)
            lines = [strip.text for strip in app.screen._compositor.render_strips()]
            axes = [y for y, line in enumerate(lines) if line.lstrip().startswith("└")]
            assert len(axes) == 3 and axes[-1] < 23  # every chart above the footer
            norms = [list(map(float, flow.norms)) for flow in lab.flows]
            high, low = max(map(max, norms)), min(v for n in norms for v in n if v > 0)
            for index, values in enumerate(norms):
                chart = lab.query_one(f"#flow-{index}", GradientFlowBars)
                rows = [line[1:] for line in str(chart.render()).splitlines()[1:-1]]
                assert 3 <= len(rows) < 8
                for column, value in enumerate(values):
                    drawn = [row[column] if column < len(row) else " " for row in rows]
                    if value == high:
                        assert set(drawn) == {"█"}
                    if value == low:
                        assert set(drawn) == {" "}

    asyncio.run(scenario())


def test_stepping_back_past_the_kept_traces_replays_from_a_saved_state(
    tiny_lstm_checkpoint: Path,
) -> None:
    """Back past the kept traces replayed every token from <bos>: after a 50,000-character
    prompt the 257th ← froze the bundled LSTM's view for 3.4 s. It now replays from the
    last saved state before them (at most 2·keep_traces steps; 26 ms), to the same
    numbers."""
    from rnn_tui.engine.loading import load_language_model
    from rnn_tui.session.lm import LanguageModelSession

    model = load_language_model(tiny_lstm_checkpoint)
    text = "the quick brown fox jumps over the lazy dog. " * 5
    session = LanguageModelSession(model, keep_traces=8)
    session.reset(text)
    session.type_text("and again")
    steps_per_back = []
    real_step = model.step

    def counted_step(token, state):
        steps_per_back[-1] += 1
        return real_step(token, state)

    model.step = counted_step  # type: ignore[method-assign]
    try:
        for _ in range(150):
            steps_per_back.append(0)
            session.back()
            session.current  # noqa: B018  (the trace the view draws next)
    finally:
        del model.step
    assert max(steps_per_back) <= 2 * 8 and sum(steps_per_back) > 0

    direct = LanguageModelSession(model)
    direct.reset(text[: len(text) - 141])  # 150 steps back from the prompt and 9 typed
    assert session.tokens == direct.tokens
    np.testing.assert_array_equal(session.current.probs, direct.current.probs)
    for back in range(1, 20):  # and the traces before it, now kept again
        np.testing.assert_array_equal(
            session.trace_at(session.position - back).probs,
            direct.trace_at(direct.position - back).probs,
        )
