"""What a reader follows (categories, authors, saved queries) and the papers they import.

Interests drive the cold-start ranking (engine.py) until the reader has liked enough papers
for a model of their own; imported papers are +1 signals of source "seed".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from paperwire.catalog.schema import paper_aliases, papers
from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.db.engine import write_connection
from paperwire.recommend import imports, signals
from paperwire.recommend.readers import Reader, RecommendInputError
from paperwire.recommend.schema import reader_interests

__all__ = ["ImportReport", "Interests", "RecommendInputError", "import_papers", "interests"]

MAX_PER_KIND = 100
_MAX_VALUE = 300
_IN_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Interests:
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    queries: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.categories or self.authors or self.queries)


@dataclass(slots=True)
class ImportReport:
    added: list[str] = field(default_factory=list)  # catalog paper ids now seeded
    unknown: list[str] = field(default_factory=list)  # references the catalog does not have
    errors: list[str] = field(default_factory=list)


def _clean(values: Iterable[str], kind: str) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(v.split()) for v in values if v and v.strip()))
    if len(cleaned) > MAX_PER_KIND:
        raise RecommendInputError(f"at most {MAX_PER_KIND} {kind} to follow")
    for value in cleaned:
        if len(value) > _MAX_VALUE:
            raise RecommendInputError(f"{kind}: at most {_MAX_VALUE} characters each")
    return cleaned


def set_interests(
    engine: sa.Engine,
    reader: Reader,
    categories: Iterable[str] = (),
    authors: Iterable[str] = (),
    queries: Iterable[str] = (),
) -> Interests:
    """Replace what the reader follows with these lists."""
    wanted = {
        "category": _clean(categories, "categories"),
        "author": _clean(authors, "authors"),
        "query": _clean(queries, "queries"),
    }
    with write_connection(engine) as connection, connection.begin():
        connection.execute(reader_interests.delete().where(reader_interests.c.reader == reader.key))
        rows = [
            {"reader": reader.key, "kind": kind, "value": value}
            for kind, values in wanted.items()
            for value in values
        ]
        if rows:
            connection.execute(reader_interests.insert(), rows)
    return Interests(tuple(wanted["category"]), tuple(wanted["author"]), tuple(wanted["query"]))


def interests(engine: sa.Engine, reader: Reader) -> Interests:
    return interests_by_reader(engine, [reader]).get(reader, Interests())


def interests_by_reader(engine: sa.Engine, readers: Iterable[Reader]) -> dict[Reader, Interests]:
    """The interests of many readers in one query per chunk (refresh_all)."""
    by_key = {reader.key: reader for reader in readers}
    found: dict[str, dict[str, list[str]]] = {}
    t = reader_interests.c
    keys = list(by_key)
    with engine.connect() as connection:
        for start in range(0, len(keys), _IN_CHUNK):
            rows = connection.execute(
                sa.select(t.reader, t.kind, t.value)
                .where(t.reader.in_(keys[start : start + _IN_CHUNK]))
                .order_by(t.reader, t.kind, t.value)
            )
            for key, kind, value in rows:
                found.setdefault(key, {}).setdefault(kind, []).append(value)
    return {
        by_key[key]: Interests(
            tuple(kinds.get("category", ())),
            tuple(kinds.get("author", ())),
            tuple(kinds.get("query", ())),
        )
        for key, kinds in found.items()
    }


def import_papers(
    catalog: Catalog,
    engine: sa.Engine,
    clock: Clock,
    reader: Reader,
    text: str,
    filename: str | None = None,
) -> ImportReport:
    """Seed the reader's signals with the papers in `text` (ids, BibTeX or CSL-JSON).

    Nothing is written when the input cannot be read or holds too many papers.
    """
    references = imports.parse(text, filename)
    report = ImportReport()
    resolved = _resolve(catalog, references)
    for reference in references:
        paper_id = resolved.get(reference)
        if paper_id is None:
            report.unknown.append(reference.arxiv_id or reference.doi or reference.text)
        elif paper_id not in report.added:
            report.added.append(paper_id)
    if report.added:
        signals.record_many(engine, clock, reader, report.added, "seed", 1)
    return report


def _resolve(
    catalog: Catalog, references: Sequence[imports.Reference]
) -> dict[imports.Reference, str]:
    """Catalog ids by reference: arXiv ids directly or through aliases, DOIs by the column."""
    ids = [r.arxiv_id for r in references if r.arxiv_id]
    dois = [r.doi for r in references if r.doi and not r.arxiv_id]
    known: dict[str, str] = {}
    by_doi: dict[str, str] = {}
    with catalog.engine.connect() as connection:
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            for paper_id in connection.execute(
                sa.select(papers.c.id).where(papers.c.id.in_(chunk))
            ).scalars():
                known[paper_id] = paper_id
            for alias, target in connection.execute(
                sa.select(paper_aliases.c.alias, paper_aliases.c.paper_id).where(
                    paper_aliases.c.alias.in_(chunk)
                )
            ):
                known.setdefault(alias, target)
        for start in range(0, len(dois), _IN_CHUNK):
            chunk = dois[start : start + _IN_CHUNK]
            rows = connection.execute(
                sa.select(papers.c.id, sa.func.lower(papers.c.doi)).where(
                    sa.func.lower(papers.c.doi).in_(chunk)
                )
            )
            for paper_id, doi in rows:
                by_doi.setdefault(doi, paper_id)
    resolved: dict[imports.Reference, str] = {}
    for reference in references:
        if reference.arxiv_id and reference.arxiv_id in known:
            resolved[reference] = known[reference.arxiv_id]
        elif reference.doi and reference.doi in by_doi:
            resolved[reference] = by_doi[reference.doi]
    return resolved
