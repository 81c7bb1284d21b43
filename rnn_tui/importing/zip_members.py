"""Uncompressed zip members as read-only arrays over the mapped file, their CRC-32s
checked on a thread.

`zipfile.ZipFile.read` copies a member through Python in chunks, computing its CRC-32
as it goes: for a 100 MB checkpoint that was a third of the import. Here the file is
mapped into memory once and each stored member is an array over its bytes, found at the
data offset its local header gives (the zip format: a 30-byte header, then the name and
the extra field): nothing is copied or allocated for it. Its CRC-32 is computed by zlib
on a second thread, which lets go of the GIL while it runs, so it overlaps the rest of
the conversion. `verify` waits for the checks: nothing read is used before it passed.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import numpy as np

from rnn_tui.errors import UserError

LOCAL_HEADER = struct.Struct("<4s22sHH")  # signature, fixed fields, name and extra lengths
LOCAL_SIGNATURE = b"PK\x03\x04"


class StoredMembers:
    """Reads the stored (uncompressed) members of one open zip file."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path, self.archive = path, archive
        self.stream = path.open("rb")
        self.mapped = mmap.mmap(self.stream.fileno(), 0, access=mmap.ACCESS_READ)
        self.checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crc32")
        self.pending: list[tuple[str, int, Future[int]]] = []

    def read(self, info: zipfile.ZipInfo) -> np.ndarray:
        """The member's bytes, a read-only view of the mapped file; its CRC-32 is checked
        by `verify`."""
        start = info.header_offset
        header = self.mapped[start : start + LOCAL_HEADER.size]
        if len(header) != LOCAL_HEADER.size:
            raise self.damaged(info, "its local header is cut off")
        signature, _, name_length, extra_length = LOCAL_HEADER.unpack(header)
        name_start = start + LOCAL_HEADER.size
        name = self.mapped[name_start : name_start + name_length]
        if signature != LOCAL_SIGNATURE or name != info.orig_filename.encode("utf-8"):
            raise self.damaged(info, "its local header does not match the directory")
        data_start = name_start + name_length + extra_length
        if data_start + info.file_size > len(self.mapped):
            raise self.damaged(info, "the file ends inside it")
        data = np.frombuffer(self.mapped, dtype=np.uint8, count=info.file_size, offset=data_start)
        self.pending.append((info.filename, info.CRC, self.checks.submit(zlib.crc32, data)))
        return data

    def verify(self) -> None:
        """Wait for every CRC-32 check; a member that fails makes the file damaged."""
        for name, expected, check in self.pending:
            if check.result() != expected:
                raise UserError(f"{self.path}: damaged torch file ({name} fails its CRC-32 check)")

    def damaged(self, info: zipfile.ZipInfo, why: str) -> UserError:
        return UserError(f"{self.path}: damaged torch file ({info.filename}: {why})")

    def __enter__(self) -> StoredMembers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.checks.shutdown(wait=True, cancel_futures=True)
        self.stream.close()  # the mapping stays while arrays over it live
