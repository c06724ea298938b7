"""The arXiv metadata snapshot: JSON lines (optionally gzip'd), one paper per line.

The dump of all arXiv is ~2.7 M lines and 4+ GB, so it is streamed a line at a time and the
checkpoint is a line number plus, for uncompressed files, a byte offset to seek to.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from paperwire.catalog.model import Authority, Rejection
from paperwire.catalog.text import RecordRejected, clean_line, split_author_string
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.records import build_record

FORMAT = "arxiv-snapshot"
SOURCE = "arxiv-snapshot"
MAX_LINE_BYTES = 1_000_000


class SnapshotSource:
    format_name = FORMAT

    def __init__(self, path: Path, resume_from: dict[str, Any] | None = None) -> None:
        self.path = path
        self.checkpoint_key: str | None = f"{FORMAT}:{path.resolve()}"
        self._line = int(resume_from["line"]) if resume_from else 0
        self._offset = int(resume_from.get("offset", 0)) if resume_from else 0
        self._compressed = _is_gzip(path)

    def checkpoint(self) -> dict[str, Any]:
        return {"line": self._line, "offset": self._offset}

    def size(self) -> int:
        return self.path.stat().st_size

    def items(self) -> Iterator[Item]:
        try:
            stream: IO[bytes] = gzip.open(self.path) if self._compressed else self.path.open("rb")
        except OSError as error:
            raise InputUnreadable(f"{self.path}: {error.strerror or error}") from error
        with stream:
            if self._compressed:
                for _ in range(self._line):  # gzip cannot seek cheaply: skip lines
                    stream.readline()
            else:
                stream.seek(self._offset)
            while True:
                try:
                    raw = stream.readline(MAX_LINE_BYTES + 1)
                except (OSError, EOFError) as error:
                    yield Rejection(f"{self.path}:{self._line + 1}", f"unreadable: {error}")
                    return
                if not raw:
                    return
                overlong = len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n")
                while overlong and raw and not raw.endswith(b"\n"):
                    raw = stream.readline(MAX_LINE_BYTES + 1)  # discard the rest of the line
                self._line += 1
                self._offset = 0 if self._compressed else stream.tell()
                if overlong:
                    yield Rejection(f"{self.path}:{self._line}", "line longer than 1 MB")
                elif raw.strip():
                    yield parse_line(raw, f"{self.path}:{self._line}")


def _is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(2) == b"\x1f\x8b"
    except OSError as error:
        raise InputUnreadable(f"{path}: {error.strerror or error}") from error


def parse_line(raw: bytes, location: str) -> Item:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return Rejection(location, f"invalid JSON: {error}")
    if not isinstance(data, dict):
        return Rejection(location, "a line must be a JSON object")
    try:
        return parse_object(data)
    except RecordRejected as error:
        ident = data.get("id")
        where = f"{location} (id {ident})" if isinstance(ident, str) else location
        return Rejection(where, str(error))


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


_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


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
            last, first, suffix = (parts + ["", "", ""])[:3]
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
