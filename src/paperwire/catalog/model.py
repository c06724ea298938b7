"""The catalog's value types: what a source contributes and what a stored paper looks like."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Authority(IntEnum):
    """How much a source is trusted for bibliographic metadata (title, abstract, authors...).

    A higher authority replaces the fields of a lower one; a lower one only fills gaps.
    """

    LISTING = 1  # HF listing text: title and abstract only, ids often missing
    HF_DAILY = 2  # HF daily papers API: good metadata, no categories or versions
    ARXIV = 3  # arXiv itself (OAI-PMH, Atom API, metadata snapshot)


@dataclass(frozen=True, slots=True)
class Link:
    """A typed URL: abs, pdf, doi, code (a repository) or project (a project page)."""

    kind: str
    url: str


@dataclass(slots=True)
class PaperRecord:
    """One paper as one source saw it; ingest turns every input record into one of these."""

    source: str
    source_record_id: str
    authority: Authority
    paper_id: str
    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    version: int | None = None
    submitted: dt.date | None = None
    updated: dt.date | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comments: str | None = None
    license: str | None = None
    links: list[Link] = field(default_factory=list)
    listed_on: dt.date | None = None
    # Source-specific figures (HF upvotes, githubStars, ai_keywords, submitter...).
    extras: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Which source supplied a paper, under which record id, and when."""

    source: str
    source_record_id: str
    first_seen: dt.datetime
    last_seen: dt.datetime


@dataclass(slots=True)
class Paper:
    """A paper as the catalog stores it: every source's contribution merged into one."""

    id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    version: int | None
    submitted: dt.date | None
    updated: dt.date | None
    doi: str | None
    journal_ref: str | None
    comments: str | None
    license: str | None
    links: list[Link]
    listed_on: dt.date | None
    extras: dict[str, Any]
    authority: Authority
    withdrawn: bool
    listed_from_feed: bool = False
    sources: list[SourceRef] = field(default_factory=list)
    change_seq: int = 0

    @property
    def arxiv_id(self) -> str | None:
        from paperwire.catalog.ids import is_arxiv_id

        return self.id if is_arxiv_id(self.id) else None

    def links_of(self, kind: str) -> list[str]:
        return [link.url for link in self.links if link.kind == kind]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that could not be used, with where it was and why."""

    location: str
    reason: str


@dataclass(slots=True)
class UpsertCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        return self

    def as_dict(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }
