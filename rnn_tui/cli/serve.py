"""`rnn-tui serve`: the explorer in a browser tab, through textual-serve (no torch)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from rnn_tui.cli.common import check_utf8, reports_user_errors
from rnn_tui.cli.open_apps import check_checkpoint_paths
from rnn_tui.errors import UserError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def explorer_command(checkpoints: list[Path], prompt: str) -> str:
    """The shell command textual-serve runs once per browser tab: this Python, this
    package's explorer, the checkpoints given (absolute, quoted)."""
    words = [sys.executable, "-m", "rnn_tui", "explore"]
    words += [str(path.resolve()) for path in checkpoints]
    if prompt:
        words += ["--prompt", prompt]
    return shlex.join(words)


def check_can_listen(host: str, port: int) -> None:
    """The server can listen on host:port, else one line naming which is wrong: a host
    that is no address of this machine, or a port already taken (or reserved)."""
    import errno
    import socket

    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise UserError(f"--host {host}: not an address to listen on ({reason})") from None
    family, kind, protocol, _, address = addresses[0]
    try:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno == errno.EADDRNOTAVAIL:
            raise UserError(f"--host {host}: not an address of this machine ({reason})") from None
        raise UserError(f"--port {port}: cannot listen on {host}:{port} ({reason})") from None


@reports_user_errors
def serve_command(
    checkpoints: list[Path] = typer.Argument(
        None, help="Checkpoints to open (default: the bundled models)."
    ),
    prompt: str = typer.Option("", "--prompt", "-p", help="Text the model reads first."),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on. The default answers this machine only; another "
        "address (0.0.0.0: every network interface) lets anyone who can reach it open "
        "the explorer and run it on this machine, with no password.",
    ),
    port: int = typer.Option(8000, "--port", help="TCP port (1–65535)."),
) -> None:
    """Serve the explorer to a web browser (each tab runs its own explorer process)."""
    import importlib.util

    if importlib.util.find_spec("textual_serve") is None:
        raise UserError(
            "rnn-tui serve needs textual-serve, which is not installed: "
            "pip install 'rnn-tui[serve]'"
        )
    check_utf8("--prompt", prompt)
    if not 1 <= port <= 65535:
        raise UserError(f"--port: expected 1 to 65535, got {port}")
    check_checkpoint_paths(list(checkpoints or []))
    check_can_listen(host, port)
    from textual_serve.server import Server

    if host not in LOOPBACK:
        typer.echo(
            f"warning: serving on {host}: anyone who can reach {host}:{port} can use it",
            err=True,
        )
    server = Server(
        explorer_command(list(checkpoints or []), prompt),
        host=host,
        port=port,
        title="rnn-tui",
    )
    server.serve()
