"""Reading a training run's `metrics.jsonl` while the run writes it.

The trainer appends one JSON object per line and flushes. A reader can therefore see a
last line that is only partly written: it is kept back and read whole next time, never
parsed broken. A file that shrank or was replaced (a new run with `--force`) is read
again from its start. A very long file (a long run: a record per step) is not parsed
whole when first opened: its rare records (evaluations, starts and ends) are found by a
byte search, the per-step records are sampled at evenly spaced places, and the last
part is read in full, so opening costs about the same for 10 MB and 1 GB.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

READ_WHOLE_BYTES = 16 * 1024 * 1024  # files up to this size are read whole when opened
TAIL_BYTES = 1024 * 1024  # of a longer one: the last part read whole
SAMPLES = 4000  # and the per-step records sampled before it
# Evaluations, ends (types "eval", "end") and starts: each byte search is a pass over the
# file (~0.45 s a GB here), so two prefixes find all three; per-step records (train,
# rate) begin with other letters.
RARE_PREFIXES = (b'"type": "e', b'"type": "s')
RARE_TYPES = ("eval", "end", "start")
MAX_LINE_BYTES = 1024 * 1024  # a longer line is not a record (and is not kept in memory)
READ_CHUNK_BYTES = 8 * 1024 * 1024  # at most this much new text per poll


def parse_line(line: bytes) -> dict[str, Any] | None:
    """One record, or None for a line that is not a JSON object."""
    if not line.strip() or len(line) > MAX_LINE_BYTES:
        return None
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return record if isinstance(record, dict) else None


def _line_at(view: mmap.mmap, position: int, end: int) -> tuple[bytes, int]:
    """The whole line that holds byte `position`, and the offset just after it."""
    start = view.rfind(b"\n", 0, position) + 1
    stop = view.find(b"\n", position, end)
    if stop < 0:
        return b"", end
    return view[start:stop], stop + 1


def _sampled(view: mmap.mmap, end: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(offset, record) for the rare records (RARE_TYPES) anywhere before `end` and for
    lines at SAMPLES evenly spaced places."""
    found: dict[int, dict[str, Any]] = {}
    for prefix in RARE_PREFIXES:
        position = view.find(prefix, 0, end)
        while position >= 0:
            line, after = _line_at(view, position, end)
            record = parse_line(line)
            if record is not None and record.get("type") in RARE_TYPES:
                found[after] = record
            position = view.find(prefix, after, end)
    stride = max(1, end // SAMPLES)
    for position in range(0, end, stride):
        line, after = _line_at(view, position, end)
        record = parse_line(line)
        if record is not None:
            found.setdefault(after, record)
    yield from sorted(found.items(), key=lambda item: item[0])


class MetricsFollower:
    """Yields the records appended to one `metrics.jsonl` since the last `read_new`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0  # bytes consumed: every complete line before it has been read
        self.identity: tuple[int, int] | None = None  # (device, inode) of the file read
        self.restarted = False  # the last read started the file again
        self.sampled = False  # the history read so far is a sample of a long file

    def read_new(self) -> list[dict[str, Any]]:
        """Complete records written since the last call (a line still being written is
        left for the next). Sets `restarted` when the file was replaced or shrank."""
        self.restarted = False
        try:
            status = os.stat(self.path)
        except OSError:
            return []
        identity = (status.st_dev, status.st_ino)
        if identity != self.identity or status.st_size < self.offset:
            self.restarted = self.identity is not None
            self.identity, self.offset, self.sampled = identity, 0, False
            if status.st_size > READ_WHOLE_BYTES:
                return self._open_long(status.st_size)
        if status.st_size == self.offset:
            return []
        try:
            with self.path.open("rb") as stream:
                stream.seek(self.offset)
                data = stream.read(min(status.st_size - self.offset, READ_CHUNK_BYTES))
        except OSError:
            return []
        complete = data.rfind(b"\n") + 1
        if complete == 0:
            if len(data) > MAX_LINE_BYTES:  # no newline in sight: not a record; skip it
                self.offset += len(data)
            return []
        self.offset += complete
        return [r for r in map(parse_line, data[:complete].split(b"\n")) if r is not None]

    def _open_long(self, size: int) -> list[dict[str, Any]]:
        """A long file opened for the first time: a sample before the tail, the tail whole."""
        with (
            self.path.open("rb") as stream,
            mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as view,
        ):
            tail_start = view.rfind(b"\n", 0, max(0, size - TAIL_BYTES)) + 1
            records = [record for _, record in _sampled(view, tail_start)]
            end = view.rfind(b"\n", tail_start, size) + 1
            records += [r for r in map(parse_line, view[tail_start:end].split(b"\n")) if r]
        self.offset, self.sampled = end, True
        return records
