"""Click's exceptions and current context, wherever this Typer keeps them.

Typer 0.2x carries its own copy of Click (`typer._click`); older Typers use the
`click` package. The command line needs both only to turn Click's own errors into
rnn-tui's one-line form.
"""

from __future__ import annotations

from typing import Any

import typer

try:
    from typer._click import exceptions as click_exceptions
    from typer._click.globals import get_current_context
except ImportError:  # a Typer that uses the click package
    from click import exceptions as click_exceptions  # type: ignore[no-redef]
    from click.globals import get_current_context  # type: ignore[no-redef]

UsageError: type[Exception] = click_exceptions.UsageError
ClickException: type[Exception] = click_exceptions.ClickException
NoArgsIsHelpError: type[Exception] | None = getattr(click_exceptions, "NoArgsIsHelpError", None)
Abort: type[BaseException] = typer.Abort  # Ctrl+C at a prompt


def current_context() -> Any:
    return get_current_context(silent=True)


def parameter_given(context: Any, name: str | None) -> bool:
    """Whether the user gave this parameter (on the command line or in the environment)
    rather than leaving its default."""
    source = context.get_parameter_source(name) if name else None
    return getattr(source, "name", "DEFAULT") not in ("DEFAULT", "DEFAULT_MAP")


__all__ = [
    "Abort",
    "ClickException",
    "NoArgsIsHelpError",
    "UsageError",
    "current_context",
    "parameter_given",
]
