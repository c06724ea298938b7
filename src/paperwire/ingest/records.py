"""Turning a source's raw strings into a clean PaperRecord (shared by every source).

Every string is cleaned here (catalog.text); a record that breaks a rule raises
RecordRejected, and the source turns that into a Rejection with the record's location.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import msgspec
import orjson

from paperwire.catalog import text
from paperwire.catalog.ids import parse_arxiv_id, slug_for_title
from paperwire.catalog.links import (
    arxiv_links,
    dedupe_links,
    doi_links,
    extract_links,
    split_dois,
)
from paperwire.catalog.model import Authority, Link, PaperRecord, Rejection
from paperwire.catalog.text import RecordRejected
from paperwire.ingest.base import Item, shown

_CATEGORY_MAX = 64


def parse_json_line(raw: bytes, location: str, parse: Callable[[dict[str, Any]], Item]) -> Item:
    """One JSON-object line through `parse`. Bad JSON, a non-object, or a RecordRejected
    from `parse` becomes a Rejection at `location` (with the record's id when it has one)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return Rejection(location, f"invalid JSON: {error}")
    if not isinstance(data, dict):
        return Rejection(location, "a line must be a JSON object")
    try:
        return parse(data)
    except RecordRejected as error:
        ident = data.get("id")
        where = f"{location} (id {shown(ident)})" if isinstance(ident, str) else location
        return Rejection(where, str(error))


def resolve_id(raw_id: str | None, title: str) -> tuple[str, int | None]:
    """(paper id, version): the arXiv id when there is one, else the title's slug."""
    if raw_id:
        parsed = parse_arxiv_id(raw_id)
        if parsed is None:
            raise RecordRejected(f"not an arXiv id: {raw_id[:80]!r}")
        return parsed
    return slug_for_title(title), None


def clean_categories(raw: Iterable[str]) -> list[str]:
    categories: list[str] = []
    for category in raw:
        name = text.clean_line(category, "category", _CATEGORY_MAX)
        if name and name not in categories:
            categories.append(name)
    return categories


def build_record(
    *,
    source: str,
    source_record_id: str,
    authority: Authority,
    raw_id: str | None,
    title: str | None,
    abstract: str | None = None,
    authors: list[str] | None = None,
    categories: Iterable[str] = (),
    version: int | None = None,
    submitted: dt.date | None = None,
    updated: dt.date | None = None,
    doi: str | None = None,
    journal_ref: str | None = None,
    comments: str | None = None,
    license: str | None = None,
    extra_links: Iterable[Link] = (),
    listed_on: dt.date | None = None,
    extras: dict[str, Any] | None = None,
) -> PaperRecord:
    clean_title = text.clean_title(title)
    clean_abstract = text.clean_paragraphs(abstract, "abstract")
    clean_comments = text.clean_optional(comments, "comments")
    paper_id, id_version = resolve_id(raw_id, clean_title)
    dois = split_dois(text.clean_optional(doi, "doi"))
    links = dedupe_links(
        [
            *arxiv_links(paper_id),
            *doi_links(dois),
            *extra_links,
            *extract_links(clean_abstract, clean_comments),
        ]
    )
    return PaperRecord(
        source=source,
        source_record_id=text.clean_line(source_record_id, "record id", 300) or paper_id,
        authority=authority,
        paper_id=paper_id,
        title=clean_title,
        abstract=clean_abstract,
        authors=text.clean_authors(authors or []),
        categories=clean_categories(categories),
        version=version if version is not None else id_version,
        submitted=submitted,
        updated=updated,
        doi=dois[0] if dois else None,
        journal_ref=text.clean_optional(journal_ref, "journal-ref"),
        comments=clean_comments,
        license=text.clean_optional(license, "license", 500),
        links=links,
        listed_on=listed_on,
        extras=extras or {},
    )


def deleted_record(source: str, source_record_id: str, raw_id: str) -> PaperRecord:
    """A tombstone: the source says this paper was withdrawn or removed."""
    paper_id, version = resolve_id(raw_id, "")
    return PaperRecord(
        source=source,
        source_record_id=source_record_id,
        authority=Authority.ARXIV,
        paper_id=paper_id,
        title="",
        version=version,
        deleted=True,
    )


# A parsed line as it travels between processes: (line number, offset after the line, the
# record or the rejection; neither for a blank line).
WireEntry = tuple[int, int, PaperRecord | None, Rejection | None]
_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(list[WireEntry])


def encode_entries(entries: list[WireEntry]) -> bytes:
    """Entries as msgpack, for handing records between processes: msgspec writes and reads
    the dataclasses directly, several times faster than orjson on lists of values plus
    rebuilding the dataclasses by hand (and far faster than pickle)."""
    return _ENCODER.encode(entries)


def decode_entries(blob: bytes) -> list[WireEntry]:
    return _DECODER.decode(blob)
