"""The footer of every explorer view: the view's keys from the left, help and quit at the
right edge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.widget import Widget
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
        self.hide_cut_keys()

    def on_resize(self) -> None:
        self.hide_cut_keys()

    def hide_cut_keys(self) -> None:
        """Hide each of the view's keys that would not end before the edge keys begin
        (hidden, not removed: the keys after it keep their places). Measured from the
        keys' own widths rather than from where they were last drawn: a footer on a view
        under a modal screen is recomposed without being laid out, and a hidden key has
        no place drawn."""
        width = self.size.width
        if width <= 0:
            return
        edge_keys = self.query_children("#edge-keys")
        limit = width
        if edge_keys:
            edge = edge_keys.first()
            limit -= edge.styles.padding.left + sum(map(self.key_width, edge.children))
        start = 0
        for key in self.query_children(FooterKey):
            key.visible = start + self.label_width(key) <= limit
            start += self.key_width(key)

    def label_width(self, key: Widget) -> int:
        return key.get_content_width(self.size, self.screen.size)

    def key_width(self, key: Widget) -> int:
        return self.label_width(key) + key.styles.margin.width
