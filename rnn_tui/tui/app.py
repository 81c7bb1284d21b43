"""The explorer app: opens checkpoints in a worker and shows the view for their kind."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from rnn_tui.bundled import bundled_models, recent_models, remember_model
from rnn_tui.errors import UserError
from rnn_tui.tui.base_app import RnnTuiApp, stylesheets
from rnn_tui.tui.screens.too_small import TooSmallScreen, too_small
from rnn_tui.tui.textual_workarounds import release_dead_views

FIRST_VIEW_WAIT_S = 5.0  # the other models load after the first is drawn, or after this
# …and this long after it was drawn: its first frames (layout, then its resize) come
# right after the first, and a worker thread loading models holds the GIL against them.
OTHERS_AFTER_DRAWN_S = 0.3

WELCOME = (
    "rnn-tui — a terminal microscope for recurrent sequence models\n\n"
    "o  open a model (bundled or recent)\n?  help    q  quit\n\n"
    "From the shell: rnn-tui explore PATH.safetensors"
)


if TYPE_CHECKING:
    from rnn_tui.engine.lm import LanguageModel
    from rnn_tui.engine.translator import Translator

    Model = LanguageModel | Translator
else:
    # The engine (NumPy) and the model views load on first use, after the first frame.
    Model = Any


def open_model_file(path: Path) -> Model:
    """Load a checkpoint for the explorer (NumPy engine; no torch)."""
    from rnn_tui.checkpoint import load_checkpoint
    from rnn_tui.engine.loading import language_model_from_checkpoint, translator_from_checkpoint

    checkpoint = load_checkpoint(path)
    if checkpoint.kind == "translator":  # (torch-free, like everything the explorer loads)
        return translator_from_checkpoint(checkpoint, path)
    if checkpoint.kind != "lm":
        raise UserError(
            f"{path}: a {checkpoint.kind or 'unknown'} checkpoint; "
            "the explorer opens lm and translator checkpoints"
        )
    return language_model_from_checkpoint(checkpoint, path)


def view_text(screen: Screen) -> str:
    """What the current view is reading, so the next model can read the same."""
    from rnn_tui.tui.screens.lm_view import LanguageModelScreen

    if isinstance(screen, LanguageModelScreen):
        return screen.session.text()
    from rnn_tui.tui.screens.translator_view import TranslatorScreen

    if isinstance(screen, TranslatorScreen):
        return screen.session.source
    return ""


class ExplorerApp(RnnTuiApp):
    CSS_PATH = stylesheets("common", "explorer")
    TITLE = "rnn-tui"
    BINDINGS = [
        Binding("question_mark", "help", "Help", tooltip="this list of keys"),
        Binding("o", "pick_model", "Models", tooltip="open another model: bundled or recent"),
        Binding(
            "n", "next_model", "Next model", show=False,
            tooltip="show the next open model, reading the same text",
        ),
        Binding(
            "g", "gradient_lab", "Gradients",
            tooltip="the gradient lab: how far back the loss reaches (BPTT)",
        ),
        Binding(
            "C", "compare", "Compare", show=False,
            tooltip="the open language models side by side on one text",
        ),
        Binding(
            "ctrl+s", "save_svg", "Screenshot", show=False,
            tooltip="save this screen as an SVG picture",
        ),
        Binding("ctrl+p", "command_palette", "Commands", show=False,
                tooltip="search every action by name"),
        Binding("q", "quit", "Quit", tooltip="leave rnn-tui"),
    ]  # fmt: skip

    def __init__(
        self, paths: list[Path], prompt: str = "", screenshot_dir: Path | None = None
    ) -> None:
        super().__init__()
        self.paths = paths
        self.prompt = prompt
        self.screenshot_dir = screenshot_dir or Path(os.environ.get("RNN_TUI_SCREENSHOTS", "."))
        self.models: list[tuple[Path, Model]] = []
        self.current_index = 0
        self._switching = False  # a model switch is being applied (tests wait on it)
        self.crash: tuple[BaseException, Path | None] | None = None  # an unhandled error
        self.kept_sessions: dict[int, Any] = {}  # open model → its session, across `n`
        self.show_tracebacks = False  # --debug: Textual prints the traceback on exit

    def _handle_exception(self, error: Exception) -> None:
        """An unhandled error: Textual restores the terminal and exits with code 1; the
        traceback goes to a crash log instead of the screen, for the CLI's one line."""
        super()._handle_exception(error)
        if self.crash is None:
            self.crash = (error, write_crash_log(error))
        if not self.show_tracebacks:
            self._exit_renderables.clear()

    def compose(self) -> ComposeResult:
        # No Footer on this base screen: under Textual 8.2 a footer that stays mounted keeps
        # every FooterKey it ever made (its data binds are never dropped), so each view
        # pushed over it leaked its keys. The views have their own footers.
        yield Static(WELCOME, id="welcome")

    def on_mount(self) -> None:
        if self.paths:  # at once: started after the first frame it shows the model later
            self.open_models(self.paths)  # (bench/startup.py), and the frame is no slower
        self.check_size()

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size)

    def check_size(self, size: Size | None = None) -> None:
        """Cover the screen with a request for room while the terminal is too small."""
        width, height = size or self.size
        small = too_small(width, height)
        covering = isinstance(self.screen, TooSmallScreen)
        if small and not covering:
            self.push_screen(TooSmallScreen())
        elif small and covering:
            self.screen.show_size(width, height)
        elif covering:
            self.pop_screen()

    def open_model(self, path: Path) -> None:
        """A model chosen in the picker: shown if already open, else opened and added to
        the open models (`n` steps through them); nothing open is ever dropped."""
        for index, (open_path, _) in enumerate(self.models):
            if os.path.realpath(open_path) == os.path.realpath(path):  # never raises
                self.show_model(index, self.prompt)
                return
        self.open_and_add(path)

    def open_or_report(self, path: Path) -> Model | None:
        """`open_model_file` from a worker thread; a file that cannot open is reported in a
        notification (its one line) and gives None."""
        try:
            return open_model_file(path)
        except UserError as error:
            self.call_from_thread(
                self.notify, str(error), title="Cannot open", severity="error", timeout=12
            )
            return None

    @work(thread=True, group="pick")
    def open_and_add(self, path: Path) -> None:
        model = self.open_or_report(path)
        if model is not None:
            remember_model(path)
            self.call_from_thread(self.add_and_show, path, model)

    def add_and_show(self, path: Path, model: Model) -> None:
        self.add_model(path, model)
        self.show_model(len(self.models) - 1, self.prompt)
        self.notify(f"{len(self.models)} models open; n steps through them", timeout=4)

    @work(thread=True, exclusive=True, group="load")
    def open_models(self, paths: list[Path]) -> None:
        """Read and check checkpoints off the UI thread; the first that opens is shown at once,
        the others join the open models (`n`) once it has been drawn, so that loading them
        does not hold up its first frame."""
        worker = get_current_worker()
        first_drawn: threading.Event | None = None
        for path in paths:
            if worker.is_cancelled:  # the app is closing: quitting never waits for loads
                return
            model = self.open_or_report(path)
            if model is None:
                continue
            if first_drawn is None:
                first_drawn = threading.Event()
                self.call_from_thread(self.show_models, [(path, model)], first_drawn.set)
                remember_model(path)  # file work, here rather than before the view
                wait_until_set(first_drawn, FIRST_VIEW_WAIT_S, lambda: worker.is_cancelled)
            else:
                remember_model(path)
                self.call_from_thread(self.add_model, path, model)

    def show_models(
        self, loaded: list[tuple[Path, Model]], drawn: Callable[[], None] | None = None
    ) -> None:
        """Make `loaded` the open models (replacing any) and step the first one; `drawn` is
        called once its view has been drawn."""
        self.models = loaded
        self.kept_sessions = {}
        self.show_model(0, self.prompt)
        if drawn is not None:
            self.screen.call_after_refresh(self.set_timer, OTHERS_AFTER_DRAWN_S, drawn)

    def add_model(self, path: Path, model: Model) -> None:
        """One more open model (the worker that loaded it put it in the recent list)."""
        self.models.append((path, model))

    def show_model(self, index: int, prompt: str) -> None:
        """Show model `index` as it was left (its kept session), or new on `prompt`."""
        self.keep_session()
        path, model = self.models[index]
        self.current_index = index
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(self.view_for(model, path, prompt, self.kept_sessions.get(index)))
        self.check_size()

    def reads_alike(self, index: int) -> bool:
        """Whether model `index` can read what the current one reads: both language models,
        or translators trained on the same pairs."""
        from rnn_tui.engine.translator import Translator

        new, old = self.models[index][1], self.models[self.current_index][1]
        if isinstance(new, Translator) and isinstance(old, Translator):
            source = new.meta.get("pairs_config", {}).get("source")
            return source == old.meta.get("pairs_config", {}).get("source")
        return type(new) is type(old)

    @staticmethod
    def view_for(model: Model, path: Path, text: str, session: Any = None) -> Screen:
        from rnn_tui.engine.lm import LanguageModel

        if isinstance(model, LanguageModel):  # each view's modules load only when needed
            from rnn_tui.tui.screens.lm_view import LanguageModelScreen

            return LanguageModelScreen(model, path, text, session)
        from rnn_tui.tui.screens.translator_view import TranslatorScreen

        return TranslatorScreen(model, path, text, session)

    def keep_session(self) -> None:
        """Remember the shown model's session (its text, prompt, sampling settings): that
        of its view, the screen above the welcome one. The neuron view, the gradient lab
        and the compare view open over it with sessions of other kinds."""
        if len(self.screen_stack) < 2:
            return
        view = self.screen_stack[1]
        session = getattr(view, "session", None)
        if (
            session is not None
            and getattr(view, "path", None) == self.models[self.current_index][0]
        ):
            self.kept_sessions[self.current_index] = session

    def session_for(self, index: int, text: str, alike: bool) -> Any:
        """Model `index`'s own session, reading `text` when it reads what the last model
        read (to compare them), or as it was left; None if it has none yet."""
        session = self.kept_sessions.get(index)
        if session is None or not alike or not text:
            return session
        if hasattr(session, "set_source"):
            if session.source != text:
                with contextlib.suppress(UserError):  # too long for it: it keeps its own
                    session.set_source(text)
        elif session.text() != text:
            session.reset(text)  # the same text, its own temperature, top-k and mode
        return session

    def action_next_model(self) -> None:
        """Step the next open model on the same text (compare how they read it)."""
        if len(self.models) < 2:
            self.notify("only one model is open; open more with: rnn-tui explore A B", timeout=6)
            return
        self.post_message(NextModel())

    async def on_next_model(self, message: NextModel) -> None:
        """One switch for a burst of presses: those that queued while a view was being built
        arrive as one message carrying their sum (`NextModel.can_replace`), so a held-down
        `n` builds a few views, not one per key repeat, and switches never overlap."""
        if len(self.screen_stack) < 2:  # no view shown: starting up, or shutting down
            return
        self._switching = True
        try:
            await self._switch_to((self.current_index + message.steps) % len(self.models))
            release_dead_views()
        finally:
            self._switching = False

    async def _switch_to(self, index: int) -> None:
        """Pop the current view and mount model `index`'s before the next switch starts."""
        alike = self.reads_alike(index)
        text = view_text(self.screen) if alike else ""
        self.keep_session()
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        path, model = self.models[index]
        self.current_index = index
        session = self.session_for(index, text, alike)
        await self.push_screen(self.view_for(model, path, text, session))
        self.check_size()

    def action_gradient_lab(self) -> None:
        from rnn_tui.engine.lm import LanguageModel
        from rnn_tui.tui.screens.lab import GradientLabScreen
        from rnn_tui.tui.screens.lm_view import LanguageModelScreen

        text = self.screen.session.text() if isinstance(self.screen, LanguageModelScreen) else ""
        language_models = [(p, m) for p, m in self.models if isinstance(m, LanguageModel)]
        if not language_models:
            self.notify("the gradient lab needs a language model (key o)", severity="warning")
            return
        self.push_screen(GradientLabScreen(language_models, text))

    def action_neurons(self, layer: int, unit: int) -> None:
        """The neuron view of the shown language model on the text it has read."""
        from rnn_tui.session.neurons import MAX_TEXT_CHARACTERS
        from rnn_tui.tui.screens.lm_view import LanguageModelScreen
        from rnn_tui.tui.screens.neuron_view import NeuronScreen

        view = self.screen
        if not isinstance(view, LanguageModelScreen):
            return
        try:
            text = view.session.text()[-MAX_TEXT_CHARACTERS:]  # the latest, if it is long
            screen = NeuronScreen(view.model, view.path, text)
        except UserError as error:
            self.notify(str(error), severity="error")
            return
        screen.session.layer, screen.session.unit = layer, unit
        self.push_screen(screen)

    def action_compare(self) -> None:
        """The open language models (up to three) reading the current text in lock-step."""
        from rnn_tui.engine.lm import LanguageModel
        from rnn_tui.tui.screens.compare_view import CompareScreen
        from rnn_tui.tui.screens.lm_view import LanguageModelScreen

        language_models = [(p, m) for p, m in self.models if isinstance(m, LanguageModel)]
        if len(language_models) < 2:
            self.notify(
                "compare needs two or three language models: rnn-tui explore A B [C]",
                severity="warning",
            )
            return
        text = self.screen.session.text() if isinstance(self.screen, LanguageModelScreen) else ""
        self.push_screen(CompareScreen(language_models, text))

    def action_pick_model(self) -> None:
        from rnn_tui.tui.screens.picker import ModelPicker

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.open_model(path)

        self.push_screen(ModelPicker(bundled_models(), recent_models()), chosen)

    def action_save_svg(self) -> None:
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        filename = self.save_screenshot(path=str(self.screenshot_dir))
        self.notify(f"saved {filename}", title="Screenshot")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from rnn_tui.tui.screens.help import key_label

        yield from super().get_system_commands(screen)
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.action != "close_input":
                yield SystemCommand(
                    binding.description,
                    f"key: {key_label(binding.key)}",
                    functools.partial(screen.run_action, binding.action),
                )
        yield SystemCommand("Open a model", "key: o", self.action_pick_model)
        yield SystemCommand("Gradient lab", "key: g", self.action_gradient_lab)
        yield SystemCommand("Next open model", "key: n", self.action_next_model)
        yield SystemCommand("Compare open models in lock-step", "key: C", self.action_compare)
        yield SystemCommand("Save an SVG screenshot", "key: ctrl+s", self.action_save_svg)


class NextModel(Message):
    """Show the model `steps` further on in the open models."""

    def __init__(self, steps: int = 1) -> None:
        super().__init__()
        self.steps = steps

    def can_replace(self, message: Message) -> bool:
        """A later NextModel waiting in the queue takes this one's steps and replaces it."""
        if isinstance(message, NextModel):
            message.steps += self.steps
            return True
        return False


def wait_until_set(event: threading.Event, seconds: float, stop: Callable[[], bool]) -> None:
    """Wait for `event` at most `seconds`, and no longer once `stop()` holds."""
    deadline = time.monotonic() + seconds
    while not event.wait(0.02) and not stop() and time.monotonic() < deadline:
        pass


def write_crash_log(error: BaseException) -> Path | None:
    """The traceback in the state folder (`crash-<time>.log`); None if it cannot be written."""
    import traceback

    from rnn_tui.bundled import state_dir

    path = state_dir() / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(traceback.format_exception(error)), encoding="utf-8")
    except OSError:
        return None
    return path


def make_app(
    paths: Iterable[Path] = (), prompt: str = "", screenshot_dir: Path | None = None
) -> ExplorerApp:
    """The one factory the CLI and the tests use. No paths: the bundled models, LSTM first."""
    chosen = [Path(p) for p in paths] or bundled_models()
    return ExplorerApp(chosen, prompt=prompt, screenshot_dir=screenshot_dir)
