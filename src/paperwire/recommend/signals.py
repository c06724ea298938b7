"""What readers told us about papers: stored signals, plus upvotes and collections read live.

Stored sources: "digest" (👍/👎 in a digest mail), "card" (not interested = -1, more like
this = +1), "for_you" (ratings on /for-you), "seed" (imported papers, +1). A user's
community upvotes ("upvote") and collection items ("collection") count as +1 too, but are
read from the community tables each time, so un-voting or removing an item needs nothing
here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import sqlalchemy as sa

from paperwire.catalog import events
from paperwire.catalog.schema import papers
from paperwire.clock import Clock
from paperwire.community.schema import collection_items, collections, votes
from paperwire.db.connections import dialect_insert
from paperwire.db.engine import write_connection
from paperwire.db.values import as_utc
from paperwire.recommend import schema
from paperwire.recommend.readers import Reader, RecommendInputError
from paperwire.recommend.schema import reader_feed_tokens, reader_interests, reader_recommendations

StoredSource = Literal["digest", "card", "for_you", "seed"]
Source = Literal["digest", "card", "for_you", "seed", "upvote", "collection"]
STORED_SOURCES: tuple[StoredSource, ...] = ("digest", "card", "for_you", "seed")
_IN_CHUNK = 5000
_signals = schema.reader_signals


@dataclass(frozen=True, slots=True)
class Signal:
    paper_id: str
    source: Source
    value: int  # +1 or -1
    created_at: dt.datetime


def _check(source: str, value: int | None = None) -> None:
    if source not in STORED_SOURCES:
        raise RecommendInputError(f"unknown signal source: {source!r}")
    if value is not None and value not in (1, -1):
        raise RecommendInputError("a signal is +1 or -1")


def record(
    engine: sa.Engine, clock: Clock, reader: Reader, paper_id: str, source: str, value: int
) -> None:
    """Store (or replace) the reader's signal about a paper from this source."""
    _check(source, value)
    record_many(engine, clock, reader, [paper_id], source, value)


def record_many(
    engine: sa.Engine,
    clock: Clock,
    reader: Reader,
    paper_ids: Sequence[str],
    source: str,
    value: int,
) -> None:
    """One transaction for many papers (an import); every id must be a catalog paper."""
    _check(source, value)
    ids = list(dict.fromkeys(paper_ids))
    if not ids:
        return
    moment = clock.now().astimezone(dt.UTC)
    with write_connection(engine) as connection, connection.begin():
        known = set(_existing(connection, ids))
        missing = [paper_id for paper_id in ids if paper_id not in known]
        if missing:
            raise RecommendInputError(f"no such paper: {missing[0]}")
        rows = [
            {
                "reader": reader.key,
                "paper_id": paper_id,
                "source": source,
                "value": value,
                "created_at": moment,
            }
            for paper_id in ids
        ]
        insert = dialect_insert(connection, _signals)
        statement = insert.on_conflict_do_update(
            index_elements=[_signals.c.reader, _signals.c.paper_id, _signals.c.source],
            set_={"value": insert.excluded.value, "created_at": insert.excluded.created_at},
        )
        connection.execute(statement, rows)


def _existing(connection: sa.Connection, ids: Sequence[str]) -> list[str]:
    found: list[str] = []
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = list(ids[start : start + _IN_CHUNK])
        found += connection.execute(sa.select(papers.c.id).where(papers.c.id.in_(chunk))).scalars()
    return found


def forget(engine: sa.Engine, reader: Reader, paper_id: str, source: str) -> None:
    """Drop one stored signal (undoing a 👍, a "not interested")."""
    _check(source)
    t = _signals.c
    with write_connection(engine) as connection, connection.begin():
        connection.execute(
            _signals.delete().where(
                t.reader == reader.key, t.paper_id == paper_id, t.source == source
            )
        )


def reader_signals(engine: sa.Engine, reader: Reader) -> list[Signal]:
    """The reader's signals, oldest first (upvotes and collection items included)."""
    return signals_by_reader(engine, [reader]).get(reader, [])


def signals_by_reader(engine: sa.Engine, readers: Iterable[Reader]) -> dict[Reader, list[Signal]]:
    """Every signal of these readers (stored, upvotes, collection items), oldest first."""
    wanted = list(dict.fromkeys(readers))
    by_key = {reader.key: reader for reader in wanted}
    user_ids = [reader.id for reader in wanted if reader.kind == "user"]
    found: dict[Reader, list[Signal]] = {reader: [] for reader in wanted}
    t = _signals.c
    with engine.connect() as connection:
        keys = list(by_key)
        for start in range(0, len(keys), _IN_CHUNK):
            rows = connection.execute(
                sa.select(t.reader, t.paper_id, t.source, t.value, t.created_at).where(
                    t.reader.in_(keys[start : start + _IN_CHUNK])
                )
            )
            for row in rows:
                found[by_key[row.reader]].append(
                    Signal(row.paper_id, row.source, int(row.value), as_utc(row.created_at))
                )
        for start in range(0, len(user_ids), _IN_CHUNK):
            chunk = user_ids[start : start + _IN_CHUNK]
            upvoted = connection.execute(
                sa.select(votes.c.user_id, votes.c.paper_id, votes.c.created_at).where(
                    votes.c.user_id.in_(chunk)
                )
            ).all()
            saved = connection.execute(
                sa.select(
                    collections.c.user_id, collection_items.c.paper_id, collection_items.c.added_at
                )
                .join(collections, collections.c.id == collection_items.c.collection_id)
                .where(collections.c.user_id.in_(chunk))
            ).all()
            sources: tuple[tuple[Source, Any], ...] = (("upvote", upvoted), ("collection", saved))
            for source, rows in sources:
                for row in rows:
                    found[Reader("user", int(row[0]))].append(
                        Signal(str(row[1]), source, 1, as_utc(row[2]))
                    )
    for signals in found.values():
        signals.sort(key=lambda signal: (signal.created_at, signal.paper_id, signal.source))
    return found


def readers_with_signals(engine: sa.Engine) -> list[Reader]:
    """Every reader with a stored signal, an upvote, a collection item or an interest."""
    keys: set[str] = set()
    users: set[int] = set()
    with engine.connect() as connection:
        keys.update(connection.execute(sa.select(_signals.c.reader).distinct()).scalars())
        keys.update(connection.execute(sa.select(reader_interests.c.reader).distinct()).scalars())
        users.update(connection.execute(sa.select(votes.c.user_id).distinct()).scalars())
        users.update(
            connection.execute(
                sa.select(collections.c.user_id)
                .join(collection_items, collection_items.c.collection_id == collections.c.id)
                .distinct()
            ).scalars()
        )
    readers = {Reader.parse(key) for key in keys} | {Reader("user", int(u)) for u in users}
    return sorted(readers)


def latest_signal_at(engine: sa.Engine, reader: Reader) -> dt.datetime | None:
    """When the reader's newest signal (of any source) came in; staleness of their row."""
    moments = [signal.created_at for signal in reader_signals(engine, reader)]
    return max(moments) if moments else None


def export(engine: sa.Engine, reader: Reader) -> dict[str, Any]:
    """Everything stored about the reader (for the data export and the API)."""
    with engine.connect() as connection:
        interests = connection.execute(
            sa.select(reader_interests.c.kind, reader_interests.c.value)
            .where(reader_interests.c.reader == reader.key)
            .order_by(reader_interests.c.kind, reader_interests.c.value)
        ).all()
        ranking = connection.execute(
            sa.select(reader_recommendations).where(reader_recommendations.c.reader == reader.key)
        ).first()
        tokens = connection.execute(
            sa.select(
                reader_feed_tokens.c.id,
                reader_feed_tokens.c.created_at,
                reader_feed_tokens.c.revoked_at,
            )
            .where(reader_feed_tokens.c.reader == reader.key)
            .order_by(reader_feed_tokens.c.id)
        ).all()
    return {
        "reader": reader.key,
        "signals": [
            {
                "paper_id": signal.paper_id,
                "source": signal.source,
                "value": signal.value,
                "created_at": signal.created_at.isoformat(),
            }
            for signal in reader_signals(engine, reader)
        ],
        "interests": [{"kind": kind, "value": value} for kind, value in interests],
        "recommendations": (
            {
                "computed_at": as_utc(ranking.computed_at).isoformat(),
                "basis": ranking.basis,
                "items": orjson.loads(ranking.payload).get("items", []),
            }
            if ranking is not None
            else None
        ),
        "feed_tokens": [
            {
                "id": int(row.id),
                "created_at": as_utc(row.created_at).isoformat(),
                "revoked_at": as_utc(row.revoked_at).isoformat() if row.revoked_at else None,
            }
            for row in tokens
        ],
    }


def delete_reader(engine: sa.Engine, reader: Reader) -> None:
    """Remove everything stored about the reader (account or subscription deleted)."""
    with write_connection(engine) as connection, connection.begin():
        for table in (_signals, reader_interests, reader_recommendations, reader_feed_tokens):
            connection.execute(table.delete().where(table.c.reader == reader.key))


@events.on_paper_merged
def reassign_paper(connection: sa.Connection, old_id: str, new_id: str) -> None:
    """A title-slug paper folded into its arXiv paper: its signals move along (one the new
    paper already has from the same reader and source wins)."""
    t = _signals.c
    existing = connection.execute(sa.select(t.reader, t.source).where(t.paper_id == new_id)).all()
    for reader_key, source in existing:
        connection.execute(
            _signals.delete().where(
                t.paper_id == old_id, t.reader == reader_key, t.source == source
            )
        )
    connection.execute(_signals.update().where(t.paper_id == old_id).values(paper_id=new_id))
