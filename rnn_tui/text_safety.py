"""Text from a file, made safe to show on a terminal.

A checkpoint's vocabulary, model card or data source is data, yet printed raw it
can act on the terminal: ESC sequences clear the screen, retitle the window,
hide text or move the cursor; C1 controls (CSI 0x9b) do the same on some
terminals, and bidirectional overrides reorder what is read. `visible` maps every
such character to a printable stand-in, keeping the newline and tab (and any
other character listed in `keep`) as they are.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI_CONTROLS}]")


def _stand_in(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ for ESC, ␇ for BEL
    if code == 0x7F:
        return "␡"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, keep: str = "\n\t") -> str:
    """`text` with every control character except those in `keep` made visible."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _stand_in(m), text)
