"""Transactions and dialect-neutral statements every room shares.

They take anything with an `engine` (and, for `now`, a `clock`): the Catalog, usually.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.clock import Clock
from paperwire.db.engine import write_connection


class Database(Protocol):
    """What these helpers need of a store: its engine, and its clock for `now`."""

    @property
    def engine(self) -> sa.Engine: ...

    @property
    def clock(self) -> Clock: ...


@contextmanager
def writing(store: Database) -> Iterator[sa.Connection]:
    """One write transaction (SQLite: BEGIN IMMEDIATE, so writers queue instead of failing)."""
    with write_connection(store.engine) as connection, connection.begin():
        yield connection


@contextmanager
def reading(store: Database) -> Iterator[sa.Connection]:
    with store.engine.connect() as connection:
        yield connection


def now(store: Database) -> dt.datetime:
    """The store clock's time in UTC (SQLite keeps timestamps without their zone)."""
    return store.clock.now().astimezone(dt.UTC)


# Both dialects spell ON CONFLICT alike; this is the one place that picks between them.
DialectInsert = postgresql.Insert | sqlite.Insert


def dialect_insert(connection: sa.Connection, table: sa.Table) -> DialectInsert:
    """An INSERT with this dialect's ON CONFLICT clauses (both spell them alike)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignoring_duplicates(connection: sa.Connection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in this connection's dialect."""
    return dialect_insert(connection, table).on_conflict_do_nothing()


def upsert(
    connection: sa.Connection, table: sa.Table, keys: list[str], values: dict[str, Any]
) -> Any:
    """INSERT, or on a key conflict UPDATE the other given columns."""
    statement = dialect_insert(connection, table).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changes)
