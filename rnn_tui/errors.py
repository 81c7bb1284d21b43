"""Errors caused by the user's input: shown as one line, exit code 2, no traceback."""


class UserError(Exception):
    """A problem with a file, an argument or a value the user gave.

    The message is one line that names what was wrong and what was expected.
    """

    exit_code = 2


def not_utf8(where: str, offset: int) -> UserError:
    """Bytes that are not UTF-8 at `offset` of a file, an option, TEXT or a line of stdin:
    one wording wherever text comes in."""
    return UserError(f"{where}: not UTF-8 (bad byte at offset {offset}), expected UTF-8 text")
