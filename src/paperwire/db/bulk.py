"""Fast many-row writes that skip SQLAlchemy's per-row bind processing.

Bulk ingest spent most of its time converting bind values. The store builds each row's
parameters in one straight-line function with these converters, and hands the rows to the
driver's executemany (sqlite3 or psycopg) with SQL written by `insert_sql`/`update_sql`.
Reads and small writes use plain SQLAlchemy Core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import sqlalchemy as sa

Converter = Callable[[Any], Any]


def _json(value: Any) -> Any:
    return orjson.dumps(value).decode("utf-8")


def _sqlite_date(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _sqlite_datetime(value: Any) -> Any:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    # The format SQLAlchemy's SQLite DateTime reads back.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _same(value: Any) -> Any:
    return value


def _memoised(convert: Converter) -> Converter:
    # Timestamps repeat within a batch (one `now` per batch): convert each once.
    cache: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        if value not in cache:
            cache[value] = convert(value)
        return cache[value]

    return cached


class Encoder:
    """Value converters for one dialect, for straight-line row builders."""

    def __init__(self, dialect: str) -> None:
        sqlite = dialect == "sqlite"
        self.json: Converter = _json
        self.date: Converter = _sqlite_date if sqlite else _same
        self.datetime: Converter = _memoised(_sqlite_datetime) if sqlite else _same
        self.bool: Converter = _sqlite_bool if sqlite else _same


def _placeholder(connection: sa.Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def insert_sql(connection: sa.Connection, table: sa.Table, names: Sequence[str]) -> str:
    mark = _placeholder(connection)
    return (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(mark for _ in names)})"
    )


def update_sql(
    connection: sa.Connection, table: sa.Table, values: Sequence[str], keys: Sequence[str]
) -> str:
    """UPDATE with parameters in the order: `values` columns, then `keys` columns."""
    mark = _placeholder(connection)
    return (
        f"UPDATE {table.name} SET {', '.join(f'{name} = {mark}' for name in values)} "
        f"WHERE {' AND '.join(f'{name} = {mark}' for name in keys)}"
    )
