"""Turning a source's raw strings into a clean PaperRecord (shared by every source).

Every string is cleaned here (catalog.text); a record that breaks a rule raises
RecordRejected, and the source turns that into a Rejection with the record's location.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

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


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def record_to_wire(record: PaperRecord) -> list[Any]:
    """A record as JSON-able values, for handing records between processes.

    orjson on these lists costs a fraction of pickling the dataclasses.
    """
    return [
        record.source,
        record.source_record_id,
        int(record.authority),
        record.paper_id,
        record.title,
        record.abstract,
        record.authors,
        record.categories,
        record.version,
        _iso(record.submitted),
        _iso(record.updated),
        record.doi,
        record.journal_ref,
        record.comments,
        record.license,
        [[link.kind, link.url] for link in record.links],
        _iso(record.listed_on),
        record.extras,
        record.deleted,
    ]


def record_from_wire(wire: list[Any]) -> PaperRecord:
    return PaperRecord(
        source=wire[0],
        source_record_id=wire[1],
        authority=Authority(wire[2]),
        paper_id=wire[3],
        title=wire[4],
        abstract=wire[5],
        authors=wire[6],
        categories=wire[7],
        version=wire[8],
        submitted=_day(wire[9]),
        updated=_day(wire[10]),
        doi=wire[11],
        journal_ref=wire[12],
        comments=wire[13],
        license=wire[14],
        links=[Link(kind, url) for kind, url in wire[15]],
        listed_on=_day(wire[16]),
        extras=wire[17],
        deleted=wire[18],
    )
