"""The footer of every explorer view: the view's keys from the left, help and quit at the
right edge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

EDGE_ACTIONS = ("help", "quit")  # the app's own keys: what to do next, and the way out


class ViewFooter(Footer):
    """A compact footer whose `? Help` and `q Quit` stay at its right edge: a narrow
    terminal (60×18) loses the view's last keys there rather than the way out, and `?`
    lists the keys that did not fit. A key that would be cut is left out whole, so no
    half of a name ("o Mode" of "o Models") reads as another key."""

    DEFAULT_CSS = """
    ViewFooter #edge-keys {
        dock: right;
        width: auto;
        padding-left: 1;  /* a view key that ends where they begin still has a gap */
        background: $footer-background;
    }
    """

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)

    def compose(self) -> ComposeResult:
        edge: list[FooterKey] = []
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in EDGE_ACTIONS:
                edge.append(widget)
            else:
                yield widget
        if edge:
            with HorizontalGroup(id="edge-keys"):
                yield from edge

    async def recompose(self) -> None:  # the keys change with the view's bindings
        await super().recompose()
        self.call_after_refresh(self.hide_cut_keys)

    def on_resize(self) -> None:
        self.call_after_refresh(self.hide_cut_keys)

    def hide_cut_keys(self) -> None:
        """Hide each of the view's keys that does not end before the edge keys begin
        (hidden, not removed: the layout, and so this test, stays the same)."""
        edges = self.query_children("#edge-keys")
        limit = edges.first().region.x if edges else self.region.right
        for key in self.query_children(FooterKey):
            key.visible = key.region.right <= limit
