"""The paperwire export: the whole catalog as JSON lines, and reading it back.

One paper per line, every stored field (sources with first/last seen included; the change
sequence is the store's own and is not exported), tagged "format": "paperwire-export/1".
Ingesting an export into an empty catalog restores it exactly.

Reading treats the file as untrusted: every string is cleaned and capped as ingest does, so a
real export comes back unchanged while an edited one cannot smuggle in what ingest refuses.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from paperwire.catalog import text
from paperwire.catalog.ids import is_arxiv_id
from paperwire.catalog.links import URL_MAX_CHARS, safe_http_url
from paperwire.catalog.model import Authority, Link, Paper, Rejection, SourceRef
from paperwire.catalog.store import Catalog
from paperwire.catalog.text import RecordRejected
from paperwire.ingest.base import Item
from paperwire.ingest.inputs import UnreadableAt, lines_of
from paperwire.ingest.pipeline import ProgressCallback
from paperwire.ingest.records import clean_categories, parse_json_line

# The first line of every export says which format it is (formats.py detects it by this).
EXPORT_FORMAT_TAG = "paperwire-export/1"

FORMAT = "paperwire-export"
# A paper's text is capped near 1 MB (abstract, 2,000 authors, extras); lines beyond are broken.
MAX_LINE_BYTES = 8 * 1024 * 1024
PROGRESS_EVERY = 1000
# The store refuses two restores of one id in a batch; a real export has each id once, so a
# repeat within this many lines is refused (further apart, the later line updates the paper).
DUPLICATE_WINDOW = 10_000
_EXTRAS_MAX_BYTES = 256 * 1024
_EXTRAS_MAX_DEPTH = 32
_LINKS_MAX = 200
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,199}")
_LINK_KIND = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_.:-]{0,39}")


class ExportUnwritable(Exception):
    """The export file cannot be written; the message names the user's path, not a temp file."""


def export_catalog(catalog: Catalog, out: Path, on_progress: ProgressCallback | None = None) -> int:
    """Write every paper to `out` (JSON lines); returns the number written.

    The file is written beside `out` and renamed over it at the end, so a reader never sees a
    half-written export and an interrupted export leaves the previous one in place. It gets
    the mode a plain `open()` would give (0666 less the umask), not mkstemp's private 0600.
    ExportUnwritable when `out` cannot be written (a missing folder, no permission, full disk).
    """
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as error:
        raise ExportUnwritable(_cannot_write(out, error)) from error
    written = pending = 0
    try:
        os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            for paper in catalog.iter_papers():
                stream.write(orjson.dumps(paper_to_export(paper)))
                stream.write(b"\n")
                written += 1
                pending += 1
                if on_progress is not None and pending >= PROGRESS_EVERY:
                    on_progress(pending)
                    pending = 0
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, out)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ExportUnwritable(_cannot_write(out, error)) from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if on_progress is not None and pending:
        on_progress(pending)
    return written


def _cannot_write(out: Path, error: OSError) -> str:
    reason = error.strerror or type(error).__name__
    if not out.parent.is_dir():
        reason = f"the folder {out.parent} does not exist"
    return f"cannot write {out}: {reason}"


def _umask() -> int:
    """The process umask: from /proc on Linux, else by setting and restoring it.

    os.umask can only read it by setting it, which for a moment changes it for every thread;
    /proc/self/status says it without that.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def paper_to_export(paper: Paper) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT_TAG,
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": paper.authors,
        "categories": paper.categories,
        "version": paper.version,
        "submitted": _iso(paper.submitted),
        "updated": _iso(paper.updated),
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comments": paper.comments,
        "license": paper.license,
        "links": [[link.kind, link.url] for link in paper.links],
        "listed_on": _iso(paper.listed_on),
        "listed_from_feed": paper.listed_from_feed,
        "extras": paper.extras,
        "authority": int(paper.authority),
        "withdrawn": paper.withdrawn,
        "sources": [
            {
                "source": ref.source,
                "source_record_id": ref.source_record_id,
                "first_seen": ref.first_seen.astimezone(dt.UTC).isoformat(),
                "last_seen": ref.last_seen.astimezone(dt.UTC).isoformat(),
            }
            for ref in paper.sources
        ],
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


class ExportSource:
    """Whole papers from an export file (gzip'd or not), restored as they are."""

    format_name = FORMAT
    checkpoint_key: str | None = None

    def __init__(self, path: Path) -> None:
        self.path = path

    def checkpoint(self) -> None:
        return None

    def items(self) -> Iterator[Item]:
        recent: dict[str, int] = {}
        for entry in lines_of(self.path, MAX_LINE_BYTES):
            if isinstance(entry, UnreadableAt):
                yield Rejection(f"{self.path}:{entry.number}", f"unreadable: {entry}")
                return
            number, raw = entry
            location = f"{self.path}:{number}"
            if raw is None:
                yield Rejection(location, f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            if not raw.strip():
                continue
            item = parse_export_line(raw, location)
            if isinstance(item, Paper):
                first = recent.get(item.id)
                if first is not None:
                    yield Rejection(location, f"paper {item.id} is already on line {first}")
                    continue
                recent[item.id] = number
                if len(recent) > DUPLICATE_WINDOW:
                    del recent[next(iter(recent))]
            yield item


def parse_export_line(raw: bytes, location: str) -> Item:
    return parse_json_line(raw, location, paper_from_export)


def paper_from_export(data: dict[str, Any]) -> Paper:
    """The Paper an export line describes; raises RecordRejected for anything ingest refuses."""
    if data.get("format") != EXPORT_FORMAT_TAG:
        raise RecordRejected(f'not a {EXPORT_FORMAT_TAG} line (its "format" differs)')
    paper_id = _string(data, "id") or ""
    if not (is_arxiv_id(paper_id) or _SLUG.fullmatch(paper_id)):
        raise RecordRejected(f"not a paper id: {paper_id[:80]!r}")
    withdrawn = _flag(data, "withdrawn")
    # A tombstone for a paper never seen has no title; any other paper needs one.
    title = text.clean_line(_string(data, "title"), "title", text.TITLE_MAX_CHARS)
    if not title and not withdrawn:
        raise RecordRejected("title is empty")
    return Paper(
        id=paper_id,
        title=title,
        abstract=text.clean_paragraphs(_string(data, "abstract"), "abstract"),
        authors=text.clean_authors(_strings(data, "authors")),
        categories=clean_categories(_strings(data, "categories")),
        version=_version(data.get("version")),
        submitted=_date(data, "submitted"),
        updated=_date(data, "updated"),
        doi=text.clean_optional(_string(data, "doi"), "doi"),
        journal_ref=text.clean_optional(_string(data, "journal_ref"), "journal-ref"),
        comments=text.clean_optional(_string(data, "comments"), "comments"),
        license=text.clean_optional(_string(data, "license"), "license", 500),
        links=_links(data.get("links")),
        listed_on=_date(data, "listed_on"),
        extras=_extras(data.get("extras")),
        authority=_authority(data.get("authority")),
        withdrawn=withdrawn,
        listed_from_feed=_flag(data, "listed_from_feed"),
        sources=_sources(data.get("sources")),
    )


def _string(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise RecordRejected(f"{key} must be a string")


def _strings(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RecordRejected(f"{key} must be a list of strings")
    return value


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise RecordRejected(f"{key} must be true or false")
    return value


def _version(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10_000:
        raise RecordRejected("version must be a small positive integer")
    return value


def _date(data: dict[str, Any], key: str) -> dt.date | None:
    value = _string(data, key)
    if value is None:
        return None
    if len(value) == 10:  # fromisoformat alone would also take "20240301" and week dates
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise RecordRejected(f"{key} must be a YYYY-MM-DD date")


def _moment(value: Any, key: str) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise RecordRejected(f"{key} must be an ISO timestamp")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise RecordRejected(f"{key} must be an ISO timestamp") from error
    if moment.tzinfo is None:
        raise RecordRejected(f"{key} must carry its time zone")
    return moment.astimezone(dt.UTC)


def _links(value: Any) -> list[Link]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > _LINKS_MAX:
        raise RecordRejected(f"links must be a list of at most {_LINKS_MAX} [kind, url] pairs")
    links: list[Link] = []
    for pair in value:
        pair_of_strings = isinstance(pair, list) and len(pair) == 2
        if not (pair_of_strings and isinstance(pair[0], str) and isinstance(pair[1], str)):
            raise RecordRejected("a link must be a [kind, url] pair of strings")
        kind, url = pair
        # safe_http_url lets control characters through; cleaning must leave the URL as is.
        if not _LINK_KIND.fullmatch(kind) or safe_http_url(url) != url or not _clean(url):
            raise RecordRejected(f"not a usable link: {kind[:20]!r} {url[:80]!r}")
        links.append(Link(kind, url))
    return links


def _clean(url: str) -> bool:
    try:
        return text.clean_line(url, "link", URL_MAX_CHARS) == url
    except RecordRejected:
        return False


def _extras(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordRejected("extras must be an object")
    _check_json(value, 0)
    # The store writes JSON with orjson, which refuses deep nesting and huge documents.
    if len(orjson.dumps(value)) > _EXTRAS_MAX_BYTES:
        raise RecordRejected(f"extras are over {_EXTRAS_MAX_BYTES} bytes")
    return value


def _check_json(value: Any, depth: int) -> None:
    if depth > _EXTRAS_MAX_DEPTH:
        raise RecordRejected(f"extras nest deeper than {_EXTRAS_MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)
    elif isinstance(value, str) and "\x00" in value:
        raise RecordRejected("extras hold a NUL character")  # PostgreSQL text cannot


def _authority(value: Any) -> Authority:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RecordRejected("authority must be an integer")
    try:
        return Authority(value)
    except ValueError as error:
        raise RecordRejected(f"unknown authority {value}") from error


def _sources(value: Any) -> list[SourceRef]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordRejected("sources must be a list")
    refs: dict[str, SourceRef] = {}
    for entry in value:
        if not isinstance(entry, dict):
            raise RecordRejected("a source must be an object")
        name = entry.get("source")
        if not isinstance(name, str) or not _SOURCE_NAME.fullmatch(name) or name in refs:
            raise RecordRejected(f"bad or repeated source name {str(name)[:40]!r}")
        record_id = entry.get("source_record_id")
        if not isinstance(record_id, str):
            raise RecordRejected("source_record_id must be a string")
        refs[name] = SourceRef(
            source=name,
            source_record_id=text.clean_line(record_id, "record id", 300),
            first_seen=_moment(entry.get("first_seen"), "first_seen"),
            last_seen=_moment(entry.get("last_seen"), "last_seen"),
        )
    return sorted(refs.values(), key=lambda ref: ref.source)
