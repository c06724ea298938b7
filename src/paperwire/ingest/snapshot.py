"""The arXiv metadata snapshot: JSON lines (optionally gzip'd), one paper per line.

The dump of all arXiv is ~2.7 M lines and 4+ GB, so it is streamed a block at a time and the
checkpoint is a line number plus, for uncompressed files, a byte offset to seek to.

Speed (docs/benchmarks.md): the reader hands whole blocks of lines to the parsers, which
split them, so the writing process never loops over lines in Python; lines are decoded by
msgspec into a typed struct (a line that does not fit it takes the general path, which
words every complaint); parsed records come back from worker processes as msgpack.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gc
import gzip
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from paperwire.catalog.model import Authority, PaperRecord, Rejection
from paperwire.catalog.text import RecordRejected, clean_line, split_author_string
from paperwire.ingest.base import InputUnreadable, Item, shown
from paperwire.ingest.records import (
    WireEntry,
    build_record,
    decode_entries,
    encode_entries,
    parse_json_line,
)

FORMAT = "arxiv-snapshot"
SOURCE = "arxiv-snapshot"
MAX_LINE_BYTES = 1_000_000

# Bytes of whole lines handed to a parser at a time (~700 records), and blocks in flight per
# process: enough to keep the processes busy, few enough that memory stays flat however big
# the file is.
BLOCK_BYTES = 1 << 20
BLOCKS_IN_FLIGHT_PER_WORKER = 3
# Below this size starting processes costs more than it saves.
PARALLEL_MIN_BYTES = 8_000_000

# (number of its first line, offset of its first byte, whole lines; None: one line longer
# than MAX_LINE_BYTES, skipped unread)
_Block = tuple[int, int, bytes | None]


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
        blocks = self._blocks()
        if self._workers > 1:
            yield from self._parse_in_processes(blocks)
            return
        for block in blocks:
            yield from self._yield(parse_block(str(self.path), block))

    def _yield(self, entries: list[WireEntry]) -> Iterator[Item]:
        """Items in file order; the checkpoint moves line by line as they are yielded, so a
        crash resumes exactly where the stored records end."""
        compressed = self._compressed
        for number, offset, record, rejection in entries:
            self._line, self._offset = number, 0 if compressed else offset
            if record is not None:
                yield record
            elif rejection is not None:
                yield rejection

    def _parse_in_processes(self, blocks: Iterator[_Block]) -> Iterator[Item]:
        """Parse blocks in worker processes, yielding items in file order."""
        # fork: the workers only parse (pure functions of their input), start in milliseconds
        # and need no importable __main__; elsewhere fall back to the platform default.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        in_flight: deque[Future[bytes]] = deque()
        limit = self._workers * BLOCKS_IN_FLIGHT_PER_WORKER
        with ProcessPoolExecutor(
            self._workers,
            mp_context=context,
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            for block in blocks:
                in_flight.append(pool.submit(_parse_block_packed, str(self.path), block))
                if len(in_flight) >= limit:
                    yield from self._yield(decode_entries(in_flight.popleft().result()))
            while in_flight:
                yield from self._yield(decode_entries(in_flight.popleft().result()))

    def _blocks(self) -> Iterator[_Block]:
        try:
            stream: gzip.GzipFile | BinaryIO = (
                gzip.open(self.path)  # noqa: SIM115 - closed by the `with` below
                if self._compressed
                else self.path.open("rb")
            )
        except OSError as error:
            raise InputUnreadable(f"{self.path}: {error.strerror or error}") from error
        number, offset = self._line, self._offset
        with stream:
            try:
                if self._compressed:
                    for _ in range(number):  # gzip cannot seek cheaply: skip lines
                        stream.readline()
                else:
                    stream.seek(offset)
                pending = b""
                while data := stream.read(BLOCK_BYTES):
                    pending += data
                    cut = pending.rfind(b"\n") + 1
                    if cut == 0 and len(pending) > MAX_LINE_BYTES:
                        # One overlong line: skip the rest of it without keeping it.
                        skipped = len(pending) + _skip_line(stream)
                        number, offset, pending = number + 1, offset + skipped, b""
                        yield number, offset, None
                        continue
                    if cut:
                        block, pending = pending[:cut], pending[cut:]
                        yield number + 1, offset, block
                        number, offset = number + block.count(b"\n"), offset + cut
                if pending:  # a last line without a newline
                    yield number + 1, offset, pending
            except (OSError, EOFError, gzip.BadGzipFile) as error:
                # A truncated or corrupt gzip stream: what came before it is kept.
                raise InputUnreadable(
                    f"{self.path}: unreadable after line {number}: {error}"
                ) from error


def _skip_line(stream: gzip.GzipFile | BinaryIO) -> int:
    """Read past the next newline; the bytes read."""
    skipped = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        skipped += len(raw)
        if raw.endswith(b"\n"):
            break
    return skipped


def _default_workers(path: Path) -> int:
    try:
        big = path.stat().st_size >= PARALLEL_MIN_BYTES
    except OSError:
        return 1
    return min(2, os.cpu_count() or 1) if big else 1


def parse_block(path: str, block: _Block) -> list[WireEntry]:
    """Every line of a block as (line number, offset after it, record, rejection)."""
    first, offset, data = block
    if data is None:
        reason = f"line longer than {MAX_LINE_BYTES} bytes"
        return [(first, offset, None, Rejection(f"{path}:{first}", reason))]
    entries: list[WireEntry] = []
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    for number, raw in enumerate(lines, first):
        offset += len(raw) + 1
        if len(raw) > MAX_LINE_BYTES:
            reason = f"line longer than {MAX_LINE_BYTES} bytes"
            entries.append((number, offset, None, Rejection(f"{path}:{number}", reason)))
        elif not raw.strip():
            entries.append((number, offset, None, None))
        else:
            item = parse_line(raw, f"{path}:{number}")
            if isinstance(item, PaperRecord):
                entries.append((number, offset, item, None))
            elif isinstance(item, Rejection):
                entries.append((number, offset, None, item))
    if not data.endswith(b"\n") and entries:  # the last line had no newline to count
        number, end, record, rejection = entries[-1]
        entries[-1] = (number, end - 1, record, rejection)
    return entries


def _parse_block_packed(path: str, block: _Block) -> bytes:
    """Worker side: parse a block; the result travels back as one msgpack blob.

    Workers are forked inside the pipeline, whose automatic collector is off
    (pipeline.young_collections_only): they collect once a block instead.
    """
    packed = encode_entries(parse_block(path, block))
    gc.collect(1)
    return packed


def _is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(2) == b"\x1f\x8b"
    except OSError as error:
        raise InputUnreadable(f"{path}: {error.strerror or error}") from error


class _Version(msgspec.Struct):
    created: str


class _Line(msgspec.Struct, rename={"journal_ref": "journal-ref", "report_no": "report-no"}):
    """A snapshot line as arXiv writes it; any other shape takes the general path."""

    id: str | None = None
    title: str | None = None
    abstract: str | None = None
    authors: str | None = None
    authors_parsed: list[list[str]] | None = None
    categories: str | None = None
    versions: list[_Version] | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comments: str | None = None
    license: str | None = None
    submitter: str | None = None
    report_no: str | None = None


_DECODE_LINE = msgspec.json.Decoder(_Line).decode


def parse_line(raw: bytes, location: str) -> Item:
    """One line: typed and fast when it has the snapshot's shape, else the general path
    (orjson and checks field by field), which turns every other shape into the same
    Rejection as before."""
    try:
        line = _DECODE_LINE(raw)
    except msgspec.MsgspecError:
        return parse_json_line(raw, location, parse_object)
    try:
        return _record(line)
    except RecordRejected as error:
        where = f"{location} (id {shown(line.id)})" if line.id is not None else location
        return Rejection(where, str(error))


def _record(line: _Line) -> PaperRecord:
    """parse_object for a typed line: the same record, without the type checks."""
    raw_id = line.id
    if not raw_id:
        raise RecordRejected("no id")
    versions = [_version_date(version.created) for version in line.versions or ()]
    extras: dict[str, Any] = {}
    for key, name, value in (
        ("submitter", "arxiv_submitter", line.submitter),
        ("report-no", "report_no", line.report_no),
    ):
        if value is not None and value.strip() and len(value) <= 500:
            extras[name] = clean_line(value, key, 500)
    return build_record(
        source=SOURCE,
        source_record_id=raw_id,
        authority=Authority.ARXIV,
        raw_id=raw_id,
        title=line.title,
        abstract=line.abstract,
        authors=(
            _names(line.authors_parsed)
            if line.authors_parsed
            else split_author_string(line.authors or "")
        ),
        categories=(line.categories or "").split(),
        version=len(versions) or None,
        submitted=versions[0] if versions else None,
        updated=versions[-1] if len(versions) > 1 else None,
        doi=line.doi,
        journal_ref=line.journal_ref,
        comments=line.comments,
        license=line.license,
        extras=extras,
    )


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
        for parts in parsed:
            if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
                raise RecordRejected("authors_parsed must be lists of strings")
        return _names(parsed)
    return split_author_string(_text(data, "authors") or "")


def _names(parsed: list[list[str]]) -> list[str]:
    """arXiv's [last, first, suffix] triples as "first last suffix"."""
    names = []
    for parts in parsed:
        last, first, suffix = [*parts, "", "", ""][:3]
        names.append(" ".join(p for p in (first, last, suffix) if p))
    return names


def _extras(data: dict[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for key, name in (("submitter", "arxiv_submitter"), ("report-no", "report_no")):
        value = data.get(key)
        if isinstance(value, str) and value.strip() and len(value) <= 500:
            extras[name] = clean_line(value, key, 500)
    return extras


PARENT_POLL_SECONDS = 1.0


def exit_with_parent(parent_pid: int) -> None:
    """A parse process's initializer: end when the ingest that started it is gone.

    A parent killed with SIGKILL cannot shut its pool down, and the workers would wait on
    their queue forever; this watcher notices the parent is gone (the worker is reparented)
    within a second and exits."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
