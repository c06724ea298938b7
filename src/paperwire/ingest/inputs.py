"""Reading input files: gzip or plain, line by line within a size bound.

Every file source reads through here, and format detection (formats.py) sniffs through here:
sources import this module, never formats.py, which imports every source.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path

from paperwire.ingest.base import InputUnreadable

GZIP_MAGIC = b"\x1f\x8b"
# What reading a file (or a broken gzip stream) can raise part-way through.
BinaryInput = gzip.GzipFile | io.BufferedReader
READ_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)


def open_input(path: Path) -> BinaryInput:
    """The file's bytes, decompressed when gzip'd; InputUnreadable when it cannot be opened."""
    try:
        with path.open("rb") as handle:
            compressed = handle.read(2) == GZIP_MAGIC
        if compressed:
            return gzip.GzipFile(path, "rb")
        return path.open("rb")
    except OSError as error:
        raise InputUnreadable(f"{path}: {error.strerror or error}") from error


class UnreadableAt(Exception):
    """Reading failed at line `number` (a truncated gzip stream, a disk error)."""

    def __init__(self, number: int, error: BaseException) -> None:
        super().__init__(str(error))
        self.number = number


def bounded_lines(stream: BinaryInput, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over `max_bytes`, whose rest is
    skipped without being held in memory. A read failure raises UnreadableAt."""
    number = 0
    while True:
        try:
            raw = stream.readline(max_bytes + 1)
            if not raw:
                return
            overlong = len(raw) > max_bytes and not raw.endswith(b"\n")
            while overlong and raw and not raw.endswith(b"\n"):
                raw = stream.readline(max_bytes + 1)
        except READ_ERRORS as error:
            raise UnreadableAt(number + 1, error) from error
        number += 1
        yield number, None if overlong else raw


def lines_of(path: Path, max_bytes: int) -> Iterator[tuple[int, bytes | None] | UnreadableAt]:
    """bounded_lines over the file at `path`; a read failure part-way through ends the lines
    with the UnreadableAt itself (not raised), so a source can report where it stopped."""
    with open_input(path) as stream:
        try:
            yield from bounded_lines(stream, max_bytes)
        except UnreadableAt as error:
            yield error
