"""Shared pieces of the command line: the Typer app and user-error handling."""

from __future__ import annotations

import contextlib
import functools
import math
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import typer

from rnn_tui.cli.report import (
    READER_GONE_STATUS,
    discard_output,
    file_error_line,
    output_error_line,
    print_error,
    reader_gone,
)
from rnn_tui.config import SettingError
from rnn_tui.errors import UserError, not_utf8

app = typer.Typer(
    help="A terminal microscope for recurrent sequence models.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DEBUG = False
F = TypeVar("F", bound=Callable[..., Any])

# Config fields whose flag is not `--field-name`: the one place a field meets its flag.
FIELD_FLAGS = {
    "embedding_dim": "--embed",
    "hidden_size": "--hidden",
    "num_layers": "--layers",
    "batch_size": "--batch",
    "warmup_steps": "--warmup",
}


def flag_of(field: str) -> str:
    return FIELD_FLAGS.get(field, "--" + field.replace("_", "-"))


NUMBER_KINDS = {"int": "an integer", "integer": "an integer", "float": "a number"}


def usage_line(error: Any) -> str:
    """Click's usage error as one line, naming the option: "--hidden: expected an
    integer, got 'x'" rather than a framed box."""
    unknown = getattr(error, "option_name", None)  # Click's NoSuchOption
    if unknown:
        close = sorted(getattr(error, "possibilities", None) or [])
        close = [name for name in close if name not in ("--help", "-h")] or close
        return f"{unknown}: no such option" + (
            f" (did you mean {' or '.join(close)}?)" if close else ""
        )
    message = " ".join(error.format_message().split())
    missing = re.fullmatch(r"Missing (option|argument) '?([^'.]+)'?\.?", message)
    if missing:
        parameter = getattr(error, "param", None)
        opts = getattr(parameter, "opts", None) or []
        name = max(opts, key=len) if missing[1] == "option" and opts else missing[2].upper()
        return f"{name}: missing (this command needs it; see --help)"
    message = re.sub(r"^Invalid value for [^:]+: ", "", message)
    wrong_number = re.fullmatch(r"(.*) is not a valid (int|integer|float)\.?", message)
    if wrong_number:
        message = f"expected {NUMBER_KINDS[wrong_number[2]]}, got {wrong_number[1]}"
    parameter = getattr(error, "param", None)
    if getattr(parameter, "param_type_name", "") == "option" and parameter.opts:
        return f"{max(parameter.opts, key=len)}: {message}"
    if getattr(parameter, "param_type_name", "") == "argument" and parameter.name:
        return f"{parameter.name.upper()}: {message}"
    return message


def refuse_repeated_options(app: Any, words: list[str]) -> None:
    """An option given twice is an error (Click would keep the last silently)."""
    import typer.main

    command: Any = typer.main.get_command(app)
    rest = list(words)
    while hasattr(command, "commands"):
        while rest and rest[0].startswith("-"):
            rest.pop(0)
        if not rest or rest[0] not in command.commands:
            return
        command = command.commands[rest.pop(0)]
    if "--" in rest:
        rest = rest[: rest.index("--")]
    for parameter in command.params:
        if getattr(parameter, "param_type_name", "") != "option":
            continue
        if parameter.multiple or getattr(parameter, "count", False):
            continue
        names = parameter.opts + parameter.secondary_opts
        given = [w for w in rest if w in names or any(w.startswith(n + "=") for n in names)]
        if len(given) > 1:
            raise UserError(f"{parameter.opts[0]}: given {len(given)} times; give it once")


def check_numbers(arguments: dict[str, Any]) -> None:
    """Every number option is finite and of a sane size, named by its flag: NaN and
    infinities would otherwise slip past `x > 0` checks (NaN compares false)."""
    from rnn_tui.cli.click_compat import current_context

    context = current_context()
    flags = {p.name: max(p.opts, key=len) for p in context.command.params} if context else {}
    for name, value in arguments.items():
        flag = flags.get(name, "--" + name.replace("_", "-"))
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"{flag}: expected a finite number, got {value}")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            raise UserError(f"{flag}: {value} is out of range")
        if name == "seed" and isinstance(value, int) and not 0 <= value < 2**32:
            raise UserError(f"{flag}: expected 0 to {2**32 - 1}, got {value}")


def check_utf8(where: str, text: str) -> None:
    """Text from the command line or stdin that was not UTF-8 reaches Python with each bad
    byte as a lone surrogate (its "surrogateescape" decoding): refused as a text file's
    bad byte is, rather than read as unknown pieces."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        offset = len(text[: error.start].encode("utf-8", "surrogateescape"))
        raise not_utf8(where, offset) from None


class OutputFailed(UserError):
    """stdout or stderr could not be written (a full disk): not the user's input, exit 1."""

    exit_code = 1


def os_error_as_user_error(error: OSError) -> UserError | None:
    """An OSError the user can act on, as its one line: the file it names, or stdout or
    stderr that could not be written; None for one that is a bug, to show in full."""
    line = file_error_line(error)
    if line is not None:
        return UserError(line)
    output_line = output_error_line(error)
    return OutputFailed(output_line) if output_line else None


def reports_user_errors(function: F) -> F:
    """Show a `UserError` as one `error:` line on stderr and exit with its code.

    Under torchrun only rank 0 prints (every rank meets the same bad input)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            check_numbers(kwargs)
            try:
                result = function(*args, **kwargs)
                sys.stdout.flush()  # a failed write shows here, not in the exit's flush
                return result
            except SettingError as error:  # a config's field, shown as its flag
                raise UserError(error.render(flag_of)) from None
            except OSError as error:  # a path the checks above did not foresee
                if reader_gone(error) and not DEBUG:
                    discard_output(sys.stdout)
                    raise typer.Exit(READER_GONE_STATUS) from None
                failure = None if DEBUG else os_error_as_user_error(error)
                if failure is None:
                    raise
                raise failure from None
        except UserError as error:
            if DEBUG:
                raise
            print_error(str(error))
            raise typer.Exit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def named(where: str, joiner: str = ": ") -> Iterator[None]:
    """A UserError raised inside comes out with `where` in front: the option, argument
    or input line that the engine's message is about."""
    try:
        yield
    except UserError as error:
        raise UserError(f"{where}{joiner}{error}") from None


def check_output_file(target: Path, force: bool) -> None:
    """A file a command is about to write: not a folder, not an existing file unless
    `force`, in a folder that exists (none is created)."""
    if target.is_dir():
        raise UserError(f"{target}: is a directory, expected a file name to write")
    if target.exists() and not force:
        raise UserError(f"{target}: exists; use --force to overwrite")
    if not target.parent.is_dir():
        raise UserError(f"{target}: the folder {target.parent} does not exist (it is not created)")


def reproducible_command(context: typer.Context) -> str:
    """`rnn-tui <command> --option value …` for every option that differs from its default."""
    import shlex

    words = ["rnn-tui", *context.command_path.split()[1:]]
    for parameter in context.command.params:
        value = context.params.get(parameter.name or "")
        if value is None or value == parameter.default or not parameter.opts:
            continue
        option = parameter.opts[0]
        if isinstance(value, bool):
            words.append(option if value else (parameter.secondary_opts or [option])[0])
        elif isinstance(value, list | tuple) and option.startswith("-"):
            for item in value:  # a repeatable option: --map a=b --map c=d
                words += [option, str(item)]
        elif option.startswith("-"):
            words += [option, str(value)]
        else:
            words.append(str(value))
    return shlex.join(words)


def progress_line(what: str) -> Callable[[int, int], None] | None:
    """A `progress(done, total)` that rewrites one line on stderr — `what: 1,024 of 8,192
    (12%)` — while stderr is a terminal; None otherwise (scripts and logs get only the
    result). The line is erased when `done` reaches `total`."""
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        if done >= total:
            sys.stderr.write("\r\033[K")
        else:
            sys.stderr.write(f"\r{what}: {done:,} of {total:,} ({done / max(1, total):.0%})")
        sys.stderr.flush()

    return report
