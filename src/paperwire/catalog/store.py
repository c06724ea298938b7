"""The Catalog: one paper per id, merged across sources, in SQLite or PostgreSQL.

Writes come in batches: a batch and the checkpoint of the job that produced it commit in one
transaction, so a job killed at any point resumes from its last checkpoint without losing or
duplicating anything.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from paperwire.catalog import events, listing, rows, schema
from paperwire.catalog.ids import could_be_id
from paperwire.catalog.listing import ListOrder, ListPage, ListQuery
from paperwire.catalog.matching import fold, match_titles
from paperwire.catalog.merge import merge_record, paper_from_record
from paperwire.catalog.model import Paper, PaperRecord, SourceRef, UpsertCounts
from paperwire.clock import Clock, SystemClock
from paperwire.db import bulk
from paperwire.db.engine import create_engine, dispose, migrate, write_connection
from paperwire.db.values import as_date

_papers = schema.papers
_sources = schema.paper_sources
_checkpoints = schema.ingest_checkpoints
# SQLite allows 32766 bound parameters; keep IN lists well inside that on every backend.
_IN_CHUNK = 5000
# Built once (the home page asks on every view): no statement or cache key to rebuild.
_LATEST_LISTED = sa.select(sa.func.max(_papers.c.listed_on))
_CONFLICT_RETRIES = 3


# One paper (a paper page's lookup): statements built once with a plain `=`, which skips
# the expanding-IN work SQLAlchemy does per execution (a third of a one-row query's cost)
# and rebuilding the statement and its cache key.
_PAPER_BY_ID = sa.select(_papers).where(_papers.c.id == sa.bindparam("id"))
_SOURCES_OF_PAPER = (
    sa.select(_sources)
    .where(_sources.c.paper_id == sa.bindparam("id"))
    .order_by(_sources.c.paper_id, _sources.c.source)
)


def _lookups(
    ids: Sequence[str],
) -> tuple[sa.Select[Any], sa.Select[Any], dict[str, str] | None]:
    """The statements that read these papers and their source refs, and their parameters:
    the ones built once for a single id, else an IN list."""
    if len(ids) == 1:
        return _PAPER_BY_ID, _SOURCES_OF_PAPER, {"id": ids[0]}
    papers_of = sa.select(_papers).where(_papers.c.id.in_(ids))
    sources_of = (
        sa.select(_sources)
        .where(_sources.c.paper_id.in_(ids))
        .order_by(_sources.c.paper_id, _sources.c.source)
    )
    return papers_of, sources_of, None


class Catalog:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()

    @classmethod
    def open(cls, url: str, clock: Clock | None = None) -> Catalog:
        """Open (creating and migrating when needed) the catalog at a database URL."""
        engine = create_engine(url)
        migrate(engine)
        return cls(engine, clock)

    def close(self) -> None:
        dispose(self.engine)

    # -- writing -----------------------------------------------------------------------

    def upsert(
        self,
        records: Sequence[PaperRecord],
        checkpoint: tuple[str, dict[str, Any]] | None = None,
    ) -> UpsertCounts:
        """Merge records into the catalog; with `checkpoint`, save it in the same transaction."""
        for attempt in range(_CONFLICT_RETRIES):
            try:
                with write_connection(self.engine) as connection, connection.begin():
                    counts = self._upsert_in(connection, records)
                    if checkpoint is not None:
                        self._save_checkpoint(connection, *checkpoint)
                    return counts
            except sa.exc.IntegrityError:
                # Another process inserted one of these papers first (PostgreSQL with
                # several writers): the retry reads it and merges instead of inserting.
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def restore(self, papers: Sequence[Paper]) -> UpsertCounts:
        """Write papers exactly as given (the export format), merging their source refs."""
        papers = list({paper.id: paper for paper in papers}.values())  # the last copy wins
        with write_connection(self.engine) as connection, connection.begin():
            existing = self._load(connection, [paper.id for paper in papers])
            counts = UpsertCounts()
            changed: list[Paper] = []
            added: list[Paper] = []
            for paper in papers:
                before = existing.get(paper.id)
                if before is None:
                    added.append(paper)
                    counts.added += 1
                elif rows.row_values(before) != rows.row_values(paper) or rows.refs_differ(
                    before, paper
                ):
                    changed.append(paper)
                    counts.updated += 1
                else:
                    counts.unchanged += 1
            now = self.clock.now()
            if added or changed:
                seq = self._next_seq(connection)
                self._insert_papers(connection, added, seq, now)
                self._update_papers(connection, changed, seq, now)
            refs = [(paper.id, ref) for paper in [*added, *changed] for ref in paper.sources]
            self._write_refs(connection, refs, existing)
            return counts

    def _upsert_in(self, connection: sa.Connection, records: Sequence[PaperRecord]) -> UpsertCounts:
        records, folds = match_titles(connection, records)
        ids = list(dict.fromkeys(record.paper_id for record in records))
        slugs = {slug: target for target, absorbed in folds.items() for slug in absorbed}
        existing = self._load(connection, [*ids, *slugs])
        current: dict[str, Paper] = dict(existing)
        counts = UpsertCounts()
        now = self.clock.now()
        touched: dict[tuple[str, str], SourceRef] = {}
        for record in records:
            before = current.get(record.paper_id)
            if before is None:
                # A new paper (all of a first import): no merge, no old source ref.
                if record.deleted:
                    counts.unchanged += 1  # a tombstone for a paper we never had
                    continue
                paper = paper_from_record(record)
                ref = SourceRef(record.source, record.source_record_id, now, now)
                paper.sources = [ref]
                touched[(record.paper_id, record.source)] = ref
                current[record.paper_id] = paper
                counts.added += 1
                continue
            after = merge_record(before, record)
            old_ref = rows.find_ref(before, record.source)
            ref = SourceRef(
                source=record.source,
                source_record_id=record.source_record_id,
                first_seen=old_ref.first_seen if old_ref else now,
                last_seen=now,
            )
            touched[(record.paper_id, record.source)] = ref
            current[record.paper_id] = after
            after.sources = sorted(
                [*(r for r in before.sources if r.source != record.source), ref],
                key=rows.source_name,
            )
            if old_ref is None or rows.row_values(before) != rows.row_values(after):
                counts.updated += 1
            else:
                counts.unchanged += 1
        for target_id, absorbed in folds.items():
            target = current.get(target_id)
            for slug in absorbed:
                if target is not None and slug in existing:
                    target = fold(target, existing[slug])
            if target is not None:
                current[target_id] = target
                touched.update({(target_id, ref.source): ref for ref in target.sources})
        added = [current[i] for i in ids if i not in existing and i in current]
        changed = [
            current[i]
            for i in ids
            if i in existing and rows.row_values(existing[i]) != rows.row_values(current[i])
        ]
        if added or changed:
            seq = self._next_seq(connection)
            self._insert_papers(connection, added, seq, now)
            self._update_papers(connection, changed, seq, now)
        refs = [(paper_id, ref) for (paper_id, _), ref in touched.items()]
        self._write_refs(connection, refs, existing)
        self._retire_slugs(connection, {s: t for s, t in slugs.items() if t in current})
        return counts

    def _retire_slugs(self, connection: sa.Connection, slugs: dict[str, str]) -> None:
        """Slug papers folded into arXiv papers: their ids become aliases, their rows go."""
        aliases = schema.paper_aliases
        for slug, target in slugs.items():
            # Votes, comments, collection items... follow the paper to its new id.
            events.paper_merged(connection, slug, target)
            connection.execute(
                aliases.update().where(aliases.c.paper_id == slug).values(paper_id=target)
            )
            connection.execute(_papers.delete().where(_papers.c.id == slug))
            connection.execute(aliases.delete().where(aliases.c.alias == slug))
            connection.execute(aliases.insert().values(alias=slug, paper_id=target))

    def _next_seq(self, connection: sa.Connection) -> int:
        return next_counter(connection, "change_seq")

    def _insert_papers(
        self, connection: sa.Connection, papers: list[Paper], seq: int, now: dt.datetime
    ) -> None:
        self._write_papers(connection, papers, seq, now, new=True)

    def _update_papers(
        self, connection: sa.Connection, papers: list[Paper], seq: int, now: dt.datetime
    ) -> None:
        self._write_papers(connection, papers, seq, now, new=False)

    def _write_papers(
        self,
        connection: sa.Connection,
        papers: list[Paper],
        seq: int,
        now: dt.datetime,
        *,
        new: bool,
    ) -> None:
        """INSERT (`new`) or UPDATE papers in one executemany, stamped with `seq` and `now`."""
        if not papers:
            return
        encode = bulk.Encoder(connection.dialect.name)
        stamp = encode.datetime(now)
        if new:
            inserted = ("id", *rows.PAPER_COLUMNS, "change_seq", "created_at", "modified_at")
            sql = bulk.insert_sql(connection, _papers, inserted)
            params = [(p.id, *rows.paper_params(p, encode), seq, stamp, stamp) for p in papers]
        else:
            updated = (*rows.PAPER_COLUMNS, "change_seq", "modified_at")
            sql = bulk.update_sql(connection, _papers, updated, ["id"])
            params = [(*rows.paper_params(p, encode), seq, stamp, p.id) for p in papers]
        connection.exec_driver_sql(sql, params)

    def _write_refs(
        self,
        connection: sa.Connection,
        refs: list[tuple[str, SourceRef]],
        existing: dict[str, Paper],
    ) -> None:
        encode = bulk.Encoder(connection.dialect.name)
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        for paper_id, ref in refs:
            old = rows.find_ref(existing.get(paper_id), ref.source)
            first, last = encode.datetime(ref.first_seen), encode.datetime(ref.last_seen)
            if old is None:
                inserts.append((paper_id, ref.source, ref.source_record_id, first, last))
            elif old != ref:
                updates.append((ref.source_record_id, first, last, paper_id, ref.source))
        names = ("paper_id", "source", "source_record_id", "first_seen", "last_seen")
        if inserts:
            connection.exec_driver_sql(bulk.insert_sql(connection, _sources, names), inserts)
        if updates:
            sql = bulk.update_sql(connection, _sources, names[2:], names[:2])
            connection.exec_driver_sql(sql, updates)

    # -- checkpoints -------------------------------------------------------------------

    def _save_checkpoint(self, connection: sa.Connection, key: str, value: dict[str, Any]) -> None:
        now = self.clock.now()
        updated = connection.execute(
            _checkpoints.update()
            .where(_checkpoints.c.key == key)
            .values(value=value, updated_at=now)
        ).rowcount
        if not updated:
            connection.execute(_checkpoints.insert().values(key=key, value=value, updated_at=now))

    def save_checkpoint(self, key: str, value: dict[str, Any]) -> None:
        with write_connection(self.engine) as connection, connection.begin():
            self._save_checkpoint(connection, key, value)

    def checkpoint(self, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(_checkpoints.c.value).where(_checkpoints.c.key == key)
            ).scalar_one_or_none()
        return dict(value) if value is not None else None

    def clear_checkpoint(self, key: str) -> None:
        with write_connection(self.engine) as connection, connection.begin():
            connection.execute(_checkpoints.delete().where(_checkpoints.c.key == key))

    # -- reading -----------------------------------------------------------------------

    def _load(
        self, connection: sa.Connection, ids: Sequence[str], with_sources: bool = True
    ) -> dict[str, Paper]:
        found: dict[str, Paper] = {}
        ids = [paper_id for paper_id in ids if could_be_id(paper_id)]
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            papers_of, sources_of, params = _lookups(chunk)
            for row in connection.execute(papers_of, params):
                found[row.id] = rows.paper_from_row(row._mapping)
            if not found or not with_sources:
                continue
            for row in connection.execute(sources_of, params):
                found[row.paper_id].sources.append(rows.ref_from_row(row._mapping))
        return found

    def get(self, paper_id: str) -> Paper | None:
        """A paper by id, or by an id it was known by before a merge."""
        if not could_be_id(paper_id):
            return None
        with self.engine.connect() as connection:
            found = self._load(connection, [paper_id]).get(paper_id)
            if found is not None:
                return found
            aliases = schema.paper_aliases
            target = connection.execute(
                sa.select(aliases.c.paper_id).where(aliases.c.alias == paper_id)
            ).scalar_one_or_none()
            return self._load(connection, [target]).get(target) if target else None

    def get_many(self, ids: Sequence[str], *, with_sources: bool = True) -> list[Paper]:
        """The papers with these ids that exist, in the given order."""
        if not ids:  # e.g. no similar papers: no connection, BEGIN and ROLLBACK for nothing
            return []
        with self.engine.connect() as connection:
            found = self._load(connection, list(ids), with_sources)
        return [found[i] for i in ids if i in found]

    def list_papers(
        self, listed_on: dt.date | None = None, limit: int = 50, offset: int = 0
    ) -> list[Paper]:
        """Papers newest-listed first (a given day's papers when `listed_on` is set)."""
        query = sa.select(_papers.c.id).where(_papers.c.withdrawn.is_(False))
        if listed_on is not None:
            query = query.where(_papers.c.listed_on == listed_on)
        query = query.order_by(
            _papers.c.listed_on.desc().nulls_last(), _papers.c.submitted.desc(), _papers.c.id
        )
        with self.engine.connect() as connection:
            ids = list(connection.execute(query.limit(limit).offset(offset)).scalars())
            found = self._load(connection, ids)
        return [found[i] for i in ids]

    def list_page(
        self,
        query: ListQuery,
        *,
        limit: int = 50,
        offset: int = 0,
        order: ListOrder = "published",
        with_total: bool = True,
        with_sources: bool = False,
    ) -> ListPage:
        """One page of the papers `query` selects, in a stable order, with the total count.

        Lists leave `Paper.sources` empty unless `with_sources` (no card shows them, and
        pages are on the hot path).
        """
        condition = listing.where(query)
        select = (
            sa.select(_papers)
            .where(condition)
            .order_by(*listing.ordering(order))
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as connection:
            papers = [rows.paper_from_row(row._mapping) for row in connection.execute(select)]
            if with_sources and papers:
                by_id = {paper.id: paper for paper in papers}
                source_rows = connection.execute(
                    sa.select(_sources)
                    .where(_sources.c.paper_id.in_(list(by_id)))
                    .order_by(_sources.c.paper_id, _sources.c.source)
                )
                for row in source_rows:
                    by_id[row.paper_id].sources.append(rows.ref_from_row(row._mapping))
            total = len(papers) + offset
            if with_total and (len(papers) == limit or (offset > 0 and not papers)):
                total = int(
                    connection.execute(
                        sa.select(sa.func.count()).select_from(_papers).where(condition)
                    ).scalar_one()
                )
        return ListPage(papers, total)

    def calendar(self, start: dt.date, end: dt.date) -> listing.Calendar:
        """Neighbouring, first and latest listing days around the days start..end."""
        with self.engine.connect() as connection:
            return listing.calendar(connection, start, end)

    def latest_listed_on(self) -> dt.date | None:
        with self.engine.connect() as connection:
            value = connection.execute(_LATEST_LISTED).scalar()
        return as_date(value)

    def iter_papers(self, page_size: int = 1000) -> Iterator[Paper]:
        """Every paper in id order, read a page at a time (bounded memory)."""
        after = ""
        while True:
            with self.engine.connect() as connection:
                ids = list(
                    connection.execute(
                        sa.select(_papers.c.id)
                        .where(_papers.c.id > after)
                        .order_by(_papers.c.id)
                        .limit(page_size)
                    ).scalars()
                )
                if not ids:
                    return
                found = self._load(connection, ids)
            for paper_id in ids:
                yield found[paper_id]
            after = ids[-1]

    def iter_changed(self, after_seq: int = 0, page_size: int = 1000) -> Iterator[Paper]:
        """Papers changed after `after_seq`, in (change_seq, id) order, a page at a time.

        Derived indexes remember the last change_seq they applied and call this to catch up.
        """
        seq, after_id = after_seq, None
        while True:
            newer = _papers.c.change_seq > seq
            if after_id is not None:  # keyset: the rest of this seq, then later ones
                newer = newer | ((_papers.c.change_seq == seq) & (_papers.c.id > after_id))
            with self.engine.connect() as connection:
                page = connection.execute(
                    sa.select(_papers.c.change_seq, _papers.c.id)
                    .where(newer)
                    .order_by(_papers.c.change_seq, _papers.c.id)
                    .limit(page_size)
                ).all()
                if not page:
                    return
                found = self._load(connection, [row.id for row in page])
            for row in page:
                yield found[row.id]
            seq, after_id = int(page[-1].change_seq), str(page[-1].id)

    def identity(self) -> str:
        """A random id made once per catalog database: derived files (the search indexes)
        record it, so an index built from another catalog is never taken for this one's."""
        counters = schema.counters
        with write_connection(self.engine) as connection, connection.begin():
            value = connection.execute(
                sa.select(counters.c.value).where(counters.c.name == "catalog_id")
            ).scalar_one_or_none()
            if value is None:
                value = secrets.randbits(62)
                connection.execute(counters.insert().values(name="catalog_id", value=value))
        return f"{int(value):016x}"

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(sa.select(sa.func.count()).select_from(_papers)).scalar_one()
            )

    def stats(self) -> dict[str, Any]:
        with self.engine.connect() as connection:
            papers = connection.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.min(_papers.c.listed_on),
                    sa.func.max(_papers.c.listed_on),
                    sa.func.max(_papers.c.change_seq),
                )
            ).one()
            by_source = connection.execute(
                sa.select(_sources.c.source, sa.func.count())
                .group_by(_sources.c.source)
                .order_by(_sources.c.source)
            ).all()
            withdrawn = connection.execute(
                sa.select(sa.func.count()).where(_papers.c.withdrawn.is_(True))
            ).scalar_one()
        first, last = as_date(papers[1]), as_date(papers[2])
        return {
            "papers": int(papers[0]),
            "withdrawn": int(withdrawn),
            "first_listed_on": first.isoformat() if first else None,
            "last_listed_on": last.isoformat() if last else None,
            "change_seq": int(papers[3] or 0),
            "by_source": {source: int(count) for source, count in by_source},
        }


def next_counter(connection: sa.Connection, name: str) -> int:
    """Increment a named counter in the caller's transaction and return its new value
    (the row lock serialises writers, so two transactions never get the same value)."""
    counters = schema.counters
    value = connection.execute(
        counters.update()
        .where(counters.c.name == name)
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    ).scalar_one()
    return int(value)
