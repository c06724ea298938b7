"""Matching papers without an arXiv id to arXiv papers by their normalised title.

The HF listing text has no ids, so its papers get title slugs. When the same paper arrives
with its arXiv id (from OAI-PMH, the snapshot, HF daily), the two are one paper:
- a slug record whose title matches a stored arXiv paper is stored on that arXiv paper;
- an arXiv record whose title matches stored slug papers absorbs them ("folds"): their
  contributions move to the arXiv paper, and each slug stays reachable as an alias.
Titles are compared by `title_key` (case, accents and punctuation ignored); very short
titles are never matched, since "Introduction" is not an identity.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from paperwire.catalog import schema
from paperwire.catalog.ids import is_arxiv_id, normalise_title
from paperwire.catalog.links import dedupe_links
from paperwire.catalog.model import Paper, PaperRecord, SourceRef

TITLE_KEY_MAX = 200
_MIN_WORDS = 4
_IN_CHUNK = 5000


@functools.lru_cache(maxsize=16_384)  # each record's title is keyed twice per batch
def title_key(title: str) -> str | None:
    """The key two titles share when they name the same paper (None: too short to trust)."""
    normal = normalise_title(title)
    if normal.count(" ") + 1 < _MIN_WORDS:
        return None
    return normal[:TITLE_KEY_MAX]


def match_titles(
    connection: sa.Connection, records: Sequence[PaperRecord]
) -> tuple[list[PaperRecord], dict[str, list[str]]]:
    """Records with slug ids retargeted to matching arXiv papers, and for each arXiv id in
    the batch the stored slug papers it absorbs."""
    keys = {record.paper_id: title_key(record.title) for record in records if record.title}
    arxiv_keys = sorted({k for i, k in keys.items() if k and is_arxiv_id(i)})
    slug_keys = sorted({k for i, k in keys.items() if k and not is_arxiv_id(i)})
    papers = schema.papers
    # Slug ids never contain "." or "/", arXiv ids always do: SQLite and PostgreSQL filter
    # the index hits themselves, so titles shared by many arXiv papers cost nothing here.
    is_slug = ~papers.c.id.contains(".") & ~papers.c.id.contains("/")
    slugs_by_key: dict[str, list[str]] = {}
    for key, paper_id in _select(
        connection, arxiv_keys, is_slug, sa.select(papers.c.title_key, papers.c.id)
    ):
        slugs_by_key.setdefault(key, []).append(paper_id)
    first_arxiv = sa.select(papers.c.title_key, sa.func.min(papers.c.id)).group_by(
        papers.c.title_key
    )
    arxiv_by_key: dict[str, str] = dict(_select(connection, slug_keys, ~is_slug, first_arxiv))
    for record in records:  # arXiv papers earlier in this batch count too
        own_key = keys.get(record.paper_id)
        if own_key and is_arxiv_id(record.paper_id):
            arxiv_by_key.setdefault(own_key, record.paper_id)

    matched: list[PaperRecord] = []
    folds: dict[str, list[str]] = {}
    for record in records:
        record_key = keys.get(record.paper_id)
        if not record_key:
            matched.append(record)
        elif not is_arxiv_id(record.paper_id) and record_key in arxiv_by_key:
            matched.append(dataclasses.replace(record, paper_id=arxiv_by_key[record_key]))
        else:
            matched.append(record)
            if is_arxiv_id(record.paper_id):
                slugs = slugs_by_key.get(record_key, [])
                if slugs:
                    folds.setdefault(record.paper_id, [])
                    folds[record.paper_id].extend(
                        s for s in slugs if s not in folds[record.paper_id]
                    )
    return matched, folds


def _select(
    connection: sa.Connection,
    keys: list[str],
    condition: sa.ColumnElement[bool],
    query: sa.Select[Any],
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    papers = schema.papers
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        rows = connection.execute(query.where(papers.c.title_key.in_(chunk) & condition))
        found.extend((str(row[0]), str(row[1])) for row in rows)
    return found


def fold(target: Paper, slug_paper: Paper) -> Paper:
    """`target` with the slug paper's contributions: it fills gaps, adds links, extras it
    lacks, its listing day when from a feed, and its source refs."""
    merged = dataclasses.replace(
        target,
        links=dedupe_links([*target.links, *slug_paper.links]),
        extras={**slug_paper.extras, **target.extras},
    )
    for name in ("abstract", "authors", "categories", "doi", "journal_ref", "comments", "license"):
        if not getattr(merged, name) and getattr(slug_paper, name):
            setattr(merged, name, getattr(slug_paper, name))
    if slug_paper.listed_from_feed and slug_paper.listed_on is not None:
        if not merged.listed_from_feed or merged.listed_on is None:
            merged.listed_on, merged.listed_from_feed = slug_paper.listed_on, True
        else:
            merged.listed_on = min(merged.listed_on, slug_paper.listed_on)
    merged.sources = _merged_refs(target.sources, slug_paper.sources)
    return merged


def _merged_refs(ours: list[SourceRef], theirs: list[SourceRef]) -> list[SourceRef]:
    by_source = {ref.source: ref for ref in theirs}
    for ref in ours:
        other = by_source.get(ref.source)
        by_source[ref.source] = (
            ref
            if other is None
            else dataclasses.replace(
                ref,
                first_seen=min(ref.first_seen, other.first_seen),
                last_seen=max(ref.last_seen, other.last_seen),
            )
        )
    return sorted(by_source.values(), key=lambda ref: ref.source)
