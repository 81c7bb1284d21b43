"""Grey scales for NO_COLOR (no-color.org), where Textual draws every colour as its grey.

A colour scale's greys need not be in order (blue and red come out alike, a dark grey
can be lighter than the dark blue after it), so each scale has a grey twin drawn from
xterm's grey ramp: darker for lower values.
"""

from __future__ import annotations

from rich.color import Color
from rich.style import Style


def grey_ramp(count: int) -> list[int]:
    """`count` xterm greys from 233 (near black) to 254 (near white), evenly spaced."""
    return [233 + round(i * 21 / (count - 1)) for i in range(count)]


def text_on_grey(code: int) -> Style:
    """Near-black text on the light greys, near-white on the dark (xterm 232 and 255)."""
    return Style(bgcolor=Color.from_ansi(code), color=Color.from_ansi(232 if code >= 244 else 255))
