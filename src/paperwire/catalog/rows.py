"""Mapping papers to and from table rows (the store's wire format to the database)."""

from __future__ import annotations

from typing import Any

from paperwire.catalog.matching import title_key
from paperwire.catalog.model import Authority, Link, Paper, SourceRef
from paperwire.db import bulk
from paperwire.db.values import as_date, as_utc

PAPER_FIELDS = (
    "title",
    "abstract",
    "authors",
    "categories",
    "version",
    "submitted",
    "updated",
    "doi",
    "journal_ref",
    "comments",
    "license",
    "links",
    "listed_on",
    "listed_from_feed",
    "extras",
    "authority",
    "withdrawn",
)


def find_ref(paper: Paper | None, source: str) -> SourceRef | None:
    if paper is None:
        return None
    for ref in paper.sources:
        if ref.source == source:
            return ref
    return None


def source_name(ref: SourceRef) -> str:
    return ref.source


def refs_differ(before: Paper, after: Paper) -> bool:
    return sorted(before.sources, key=lambda r: r.source) != sorted(
        after.sources, key=lambda r: r.source
    )


# The order paper_params produces: the stored fields, then the derived primary category.
PAPER_COLUMNS = (*PAPER_FIELDS, "primary_category", "title_key")


def paper_params(paper: Paper, encode: bulk.Encoder) -> tuple[Any, ...]:
    """A paper's column values as the driver takes them; straight-line because bulk ingest
    runs it for every paper (a generic per-column loop cost three times as much)."""
    return (
        paper.title,
        paper.abstract,
        encode.json(paper.authors),
        encode.json(paper.categories),
        paper.version,
        encode.date(paper.submitted),
        encode.date(paper.updated),
        paper.doi,
        paper.journal_ref,
        paper.comments,
        paper.license,
        encode.json([[link.kind, link.url] for link in paper.links]),
        encode.date(paper.listed_on),
        encode.bool(paper.listed_from_feed),
        encode.json(paper.extras),
        int(paper.authority),
        encode.bool(paper.withdrawn),
        paper.categories[0] if paper.categories else None,
        title_key(paper.title),
    )


def row_values(paper: Paper) -> dict[str, Any]:
    return {
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": paper.authors,
        "categories": paper.categories,
        "version": paper.version,
        "submitted": paper.submitted,
        "updated": paper.updated,
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comments": paper.comments,
        "license": paper.license,
        "links": [[link.kind, link.url] for link in paper.links],
        "listed_on": paper.listed_on,
        "listed_from_feed": paper.listed_from_feed,
        "extras": paper.extras,
        "authority": int(paper.authority),
        "withdrawn": paper.withdrawn,
    }


def paper_from_row(row: Any) -> Paper:
    return Paper(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=list(row["authors"]),
        categories=list(row["categories"]),
        version=row["version"],
        submitted=as_date(row["submitted"]),
        updated=as_date(row["updated"]),
        doi=row["doi"],
        journal_ref=row["journal_ref"],
        comments=row["comments"],
        license=row["license"],
        links=[Link(kind, url) for kind, url in row["links"]],
        listed_on=as_date(row["listed_on"]),
        listed_from_feed=bool(row["listed_from_feed"]),
        extras=dict(row["extras"]),
        authority=Authority(row["authority"]),
        withdrawn=bool(row["withdrawn"]),
        change_seq=int(row["change_seq"]),
    )


def ref_from_row(row: Any) -> SourceRef:
    return SourceRef(
        source=row["source"],
        source_record_id=row["source_record_id"],
        first_seen=as_utc(row["first_seen"]),
        last_seen=as_utc(row["last_seen"]),
    )
