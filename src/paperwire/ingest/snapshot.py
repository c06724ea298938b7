"""The arXiv metadata snapshot: JSON lines (optionally gzip'd), one paper per line.

The dump of all arXiv is ~2.7 M lines and 4+ GB, so it is streamed a line at a time and the
checkpoint is a line number plus, for uncompressed files, a byte offset to seek to.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from paperwire.catalog.model import Authority, PaperRecord, Rejection
from paperwire.catalog.text import RecordRejected, clean_line, split_author_string
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.records import (
    build_record,
    parse_json_line,
    record_from_wire,
    record_to_wire,
)

FORMAT = "arxiv-snapshot"
SOURCE = "arxiv-snapshot"
MAX_LINE_BYTES = 1_000_000


# Lines handed to a parsing process at a time, and chunks in flight per process: enough to
# keep the processes busy, few enough that memory stays flat however big the file is.
CHUNK_LINES = 1000
CHUNKS_IN_FLIGHT_PER_WORKER = 3
# Below this size starting processes costs more than it saves.
PARALLEL_MIN_BYTES = 8_000_000

# (line number, checkpoint offset after the line, the line's bytes or None when too long)
_Line = tuple[int, int, bytes | None]


class SnapshotSource:
    format_name = FORMAT

    def __init__(
        self,
        path: Path,
        resume_from: dict[str, Any] | None = None,
        workers: int | None = None,
    ) -> None:
        self.path = path
        self.checkpoint_key: str | None = f"{FORMAT}:{path.resolve()}"
        self._line = int(resume_from["line"]) if resume_from else 0
        self._offset = int(resume_from.get("offset", 0)) if resume_from else 0
        self._compressed = _is_gzip(path)
        self._workers = workers if workers is not None else _default_workers(path)

    def checkpoint(self) -> dict[str, Any]:
        return {"line": self._line, "offset": self._offset}

    def size(self) -> int:
        return self.path.stat().st_size

    def position(self) -> int:
        """Bytes consumed so far (for progress bars; 0 for gzip input)."""
        return self._offset

    def items(self) -> Iterator[Item]:
        lines = self._lines()
        if self._workers > 1:
            yield from self._parse_in_processes(lines)
            return
        for number, offset, raw in lines:
            item = _parse_numbered(str(self.path), number, raw)
            self._line, self._offset = number, offset
            if item is not None:
                yield item

    def _parse_in_processes(self, lines: Iterator[_Line]) -> Iterator[Item]:
        """Parse chunks of lines in worker processes, yielding items in file order.

        The checkpoint still moves line by line as items are yielded, so a crash resumes
        exactly where the stored records end.
        """
        # fork: the workers only parse (pure functions of their input), start in milliseconds
        # and need no importable __main__; elsewhere fall back to the platform default.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        in_flight: deque[tuple[Future[bytes], list[tuple[int, int]]]] = deque()
        limit = self._workers * CHUNKS_IN_FLIGHT_PER_WORKER
        with ProcessPoolExecutor(self._workers, mp_context=context) as pool:
            for chunk in _chunks(lines, CHUNK_LINES):
                positions = [(number, offset) for number, offset, _ in chunk]
                in_flight.append((pool.submit(_parse_chunk, str(self.path), chunk), positions))
                if len(in_flight) >= limit:
                    yield from self._drain(*in_flight.popleft())
            while in_flight:
                yield from self._drain(*in_flight.popleft())

    def _drain(self, future: Future[bytes], positions: list[tuple[int, int]]) -> Iterator[Item]:
        for item, (number, offset) in zip(_from_wire(future.result()), positions, strict=True):
            self._line, self._offset = number, offset
            if item is not None:
                yield item

    def _lines(self) -> Iterator[_Line]:
        try:
            stream: gzip.GzipFile | BinaryIO = (
                gzip.open(self.path)  # noqa: SIM115 - closed by the `with` below
                if self._compressed
                else self.path.open("rb")
            )
        except OSError as error:
            raise InputUnreadable(f"{self.path}: {error.strerror or error}") from error
        number = self._line
        with stream:
            try:
                if self._compressed:
                    for _ in range(number):  # gzip cannot seek cheaply: skip lines
                        stream.readline()
                else:
                    stream.seek(self._offset)
                while raw := stream.readline(MAX_LINE_BYTES + 1):
                    if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                        while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                            raw = stream.readline(MAX_LINE_BYTES + 1)
                        number += 1
                        yield number, 0 if self._compressed else stream.tell(), None
                        continue
                    number += 1
                    yield number, 0 if self._compressed else stream.tell(), raw
            except (OSError, EOFError, gzip.BadGzipFile) as error:
                # A truncated or corrupt gzip stream: what came before it is kept.
                raise InputUnreadable(
                    f"{self.path}: unreadable after line {number}: {error}"
                ) from error


def _default_workers(path: Path) -> int:
    try:
        big = path.stat().st_size >= PARALLEL_MIN_BYTES
    except OSError:
        return 1
    return min(2, os.cpu_count() or 1) if big else 1


def _chunks(lines: Iterator[_Line], size: int) -> Iterator[list[_Line]]:
    chunk: list[_Line] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse_chunk(path: str, chunk: list[_Line]) -> bytes:
    """Worker side: parse a chunk; the result travels back as one orjson blob."""
    wire: list[Any] = []
    for number, _, raw in chunk:
        item = _parse_numbered(path, number, raw)
        if isinstance(item, PaperRecord):
            wire.append(record_to_wire(item))
        elif isinstance(item, Rejection):
            wire.append([item.location, item.reason])
        else:
            wire.append(None)
    return orjson.dumps(wire)


def _from_wire(blob: bytes) -> list[Item | None]:
    items: list[Item | None] = []
    for wire in orjson.loads(blob):
        if wire is None:
            items.append(None)
        elif len(wire) == 2:
            items.append(Rejection(wire[0], wire[1]))
        else:
            items.append(record_from_wire(wire))
    return items


def _parse_numbered(path: str, number: int, raw: bytes | None) -> Item | None:
    if raw is None:
        return Rejection(f"{path}:{number}", f"line longer than {MAX_LINE_BYTES} bytes")
    if not raw.strip():
        return None
    return parse_line(raw, f"{path}:{number}")


def _is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(2) == b"\x1f\x8b"
    except OSError as error:
        raise InputUnreadable(f"{path}: {error.strerror or error}") from error


def parse_line(raw: bytes, location: str) -> Item:
    return parse_json_line(raw, location, parse_object)


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise RecordRejected(f"{key} must be a string")


def parse_object(data: dict[str, Any]) -> Item:
    raw_id = _text(data, "id")
    if not raw_id:
        raise RecordRejected("no id")
    versions = _versions(data.get("versions"))
    return build_record(
        source=SOURCE,
        source_record_id=raw_id,
        authority=Authority.ARXIV,
        raw_id=raw_id,
        title=_text(data, "title"),
        abstract=_text(data, "abstract"),
        authors=_authors(data),
        categories=(_text(data, "categories") or "").split(),
        version=len(versions) or None,
        submitted=versions[0] if versions else None,
        updated=_update_date(data, versions),
        doi=_text(data, "doi"),
        journal_ref=_text(data, "journal-ref"),
        comments=_text(data, "comments"),
        license=_text(data, "license"),
        extras=_extras(data),
    )


def _versions(raw: Any) -> list[dt.date]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RecordRejected("versions must be a list")
    dates: list[dt.date] = []
    for entry in raw:
        created = entry.get("created") if isinstance(entry, dict) else None
        if not isinstance(created, str):
            raise RecordRejected("a version has no created date")
        dates.append(_version_date(created))
    return dates


_MONTHS = {
    name: number
    for number, name in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)  # noqa: SIM905
}


def _version_date(created: str) -> dt.date:
    """'Mon, 2 Apr 2007 19:18:42 GMT' -> 2007-04-02, fast path before the RFC 2822 parser."""
    parts = created.split()
    if len(parts) >= 4 and parts[2] in _MONTHS and parts[1].isdigit() and parts[3].isdigit():
        try:
            return dt.date(int(parts[3]), _MONTHS[parts[2]], int(parts[1]))
        except ValueError:
            pass
    try:
        return email.utils.parsedate_to_datetime(created).date()
    except (TypeError, ValueError, IndexError) as error:
        raise RecordRejected(f"bad version date {created[:40]!r}") from error


def _update_date(data: dict[str, Any], versions: list[dt.date]) -> dt.date | None:
    if len(versions) > 1:
        return versions[-1]
    return None


def _authors(data: dict[str, Any]) -> list[str]:
    parsed = data.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
                raise RecordRejected("authors_parsed must be lists of strings")
            last, first, suffix = [*parts, "", "", ""][:3]
            names.append(" ".join(p for p in (first, last, suffix) if p))
        return names
    return split_author_string(_text(data, "authors") or "")


def _extras(data: dict[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for key, name in (("submitter", "arxiv_submitter"), ("report-no", "report_no")):
        value = data.get(key)
        if isinstance(value, str) and value.strip() and len(value) <= 500:
            extras[name] = clean_line(value, key, 500)
    return extras
