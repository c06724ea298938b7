"""How a source's record changes a stored paper.

Rules (documented in docs/catalog.md):
- A source with higher authority (arXiv > HF daily > listing text) replaces bibliographic
  fields; a lower one only fills fields that are still empty.
- Between records of equal authority, the newer one (higher version, else later updated date;
  a tie goes to the record seen last) replaces.
- An empty incoming field never erases a stored one.
- Links are the union of every source's links; extras are merged key by key.
- listed_on from a listing feed beats one derived from arXiv dates; between feeds, the
  earliest listing day is kept (the day the paper first appeared).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from paperwire.catalog.links import dedupe_links
from paperwire.catalog.model import Paper, PaperRecord
from paperwire.catalog.rows import PAPER_FIELDS

# Every stored field is bibliographic (merged by authority, below) but these, which have
# rules of their own: a new field joins the authority rule unless it is listed here.
_OWN_RULES = frozenset(
    {"version", "links", "listed_on", "listed_from_feed", "extras", "authority", "withdrawn"}
)
_BIBLIOGRAPHIC = tuple(name for name in PAPER_FIELDS if name not in _OWN_RULES)


def paper_from_record(record: PaperRecord) -> Paper:
    listed_on, from_feed = _listing_of(record)
    return Paper(
        id=record.paper_id,
        title=record.title,
        abstract=record.abstract,
        authors=list(record.authors),
        categories=list(record.categories),
        version=record.version,
        submitted=record.submitted,
        updated=record.updated,
        doi=record.doi,
        journal_ref=record.journal_ref,
        comments=record.comments,
        license=record.license,
        links=list(record.links),
        listed_on=listed_on,
        extras=dict(record.extras),
        authority=record.authority,
        withdrawn=record.deleted,
        listed_from_feed=from_feed,
    )


def merge_record(existing: Paper | None, record: PaperRecord) -> Paper:
    """The paper after `record` is applied to `existing` (which is left untouched)."""
    if existing is None:
        return paper_from_record(record)
    merged = dataclasses.replace(
        existing,
        authors=list(existing.authors),
        categories=list(existing.categories),
        links=list(existing.links),
        extras=dict(existing.extras),
        sources=list(existing.sources),
    )
    if record.deleted:
        merged.withdrawn = True
        return merged
    replaces = record.authority > existing.authority or (
        record.authority == existing.authority and _is_newer_or_same(record, existing)
    )
    for name in _BIBLIOGRAPHIC:
        incoming = getattr(record, name)
        if incoming and (replaces or not getattr(merged, name)):
            setattr(merged, name, list(incoming) if isinstance(incoming, list) else incoming)
    if record.version is not None:
        merged.version = max(record.version, existing.version or 0)
    if replaces:
        merged.authority = max(record.authority, existing.authority)
    merged.links = dedupe_links([*merged.links, *record.links])
    merged.extras.update(record.extras)
    merged.listed_on, merged.listed_from_feed = _merged_listing(existing, record)
    return merged


def _is_newer_or_same(record: PaperRecord, paper: Paper) -> bool:
    if record.version is not None and paper.version is not None and record.version != paper.version:
        return record.version > paper.version
    record_date = record.updated or record.submitted
    paper_date = paper.updated or paper.submitted
    if record_date is not None and paper_date is not None:
        return record_date >= paper_date
    return True


def _listing_of(record: PaperRecord) -> tuple[dt.date | None, bool]:
    if record.listed_on is not None:
        return record.listed_on, True
    return record.submitted, False


def _merged_listing(existing: Paper, record: PaperRecord) -> tuple[dt.date | None, bool]:
    existing_from_feed = existing.listed_from_feed
    incoming, incoming_from_feed = _listing_of(record)
    if incoming is None:
        return existing.listed_on, existing_from_feed
    if existing.listed_on is None:
        return incoming, incoming_from_feed
    if incoming_from_feed and not existing_from_feed:
        return incoming, True
    if incoming_from_feed == existing_from_feed:
        return min(existing.listed_on, incoming), existing_from_feed
    return existing.listed_on, existing_from_feed
