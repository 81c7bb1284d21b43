"""Work-arounds for known Textual bugs, each naming the upstream issue it works around."""

from __future__ import annotations

import gc

from rich.style import Style

# Textual 8.2's NO_COLOR filter (`textual.filter.Monochrome`) reads the colours of every
# segment's style and fails on a segment without one (its `NoColor` filter takes None),
# so the blank cells of line-API widgets carry this empty style instead of None.
NO_STYLE = Style.null()


def release_dead_views() -> None:
    """Free the widgets of views that were just removed.

    Textual 8.2's `StylesCache.get_inner_outer` is an instance method under
    `functools.lru_cache(1024)`, so the cache keeps up to 1,024 `StylesCache`
    objects — with every line they rendered — alive after their widgets are gone
    (Textualize/textual#6665). Each model switch discards ~50 widgets, so without
    this the explorer's memory climbed by ~0.25 MB of Python objects per switch up
    to that bound. Clearing the cache costs one recomputation of two styles per
    widget on its next render. The views' widgets also reference each other, so the
    cycle collector is run at once rather than whenever it next gets round to it.
    """
    from textual._styles_cache import StylesCache

    cache_clear = getattr(StylesCache.get_inner_outer, "cache_clear", None)
    if cache_clear is not None:
        cache_clear()
    gc.collect()
