"""Errors caused by the user's input: shown as one line, exit code 2, no traceback."""


class UserError(Exception):
    """A problem with a file, an argument or a value the user gave.

    The message is one line that names what was wrong and what was expected.
    """

    exit_code = 2
