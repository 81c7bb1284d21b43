"""`metrics.jsonl`: one JSON object per line, appended and flushed as training goes."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from rnn_tui.errors import UserError
from rnn_tui.files import write_text_atomically


class MetricsLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._stream = path.open("a", encoding="utf-8")
        except OSError as error:
            raise UserError(f"{path}: cannot write the training log ({error.strerror})") from None

    def write(self, record: dict[str, Any]) -> None:
        try:
            self._stream.write(json.dumps(record) + "\n")
            self._stream.flush()
        except OSError as error:
            reason = error.strerror or error
            raise UserError(f"{self.path}: cannot write the training log ({reason})") from None

    def close(self) -> None:
        """Close the file; a record that could not be written was reported by `write`."""
        with contextlib.suppress(OSError):
            self._stream.close()

    def keep_through(self, step: int) -> None:
        """Drop every record after `step` (and a line cut short by a crash), so a resumed
        run's log reads as an uninterrupted run's: steps logged after the last save
        are trained again and logged again."""
        self._stream.close()
        kept = [r for r in read_metrics(self.path) if int(r.get("step", 0)) <= step]
        write_text_atomically(self.path, "".join(json.dumps(r) + "\n" for r in kept))
        self._stream = self.path.open("a", encoding="utf-8")


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """Every complete record; a line that is not JSON (cut short by a crash) is skipped."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


class NullMetricsLog:
    """What ranks other than 0 write under torchrun: nothing."""

    def write(self, record: dict[str, Any]) -> None:
        pass

    def close(self) -> None:
        pass

    def keep_through(self, step: int) -> None:
        pass
