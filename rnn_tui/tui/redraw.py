"""One message that asks a view to draw itself again from its session.

Keys and autoplay ticks post it instead of drawing at once; a burst of them that
reaches the view's queue before it is drawn collapses into one (`can_replace`),
so ten fast keys cost one redraw, and a view being replaced never draws.
"""

from __future__ import annotations

from textual.message import Message


class Redraw(Message):
    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Redraw)
