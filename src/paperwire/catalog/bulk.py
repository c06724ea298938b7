"""Fast many-row writes that skip SQLAlchemy's per-row bind processing.

Bulk ingest spends most of its time converting bind values; here each value is converted
once, by column type, straight into what the driver (sqlite3 or psycopg) takes, and the rows
go to the driver's executemany. Reads and small writes use plain SQLAlchemy Core.
"""

from __future__ import annotations

import datetime as dt
import operator
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


def _converter(column: sa.Column[Any], dialect: str) -> Converter:
    kind = column.type
    if isinstance(kind, sa.JSON):
        return _json
    if dialect != "sqlite":
        return _same
    if isinstance(kind, sa.DateTime):
        return _sqlite_datetime
    if isinstance(kind, sa.Date):
        return _sqlite_date
    if isinstance(kind, sa.Boolean):
        return _sqlite_bool
    return _same


def _placeholder(connection: sa.Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _memoised(convert: Converter) -> Converter:
    # Timestamps repeat within a batch (one `now` per batch): convert each once.
    cache: dict[Any, Any] = {}

    def cached(value: Any) -> Any:
        if value not in cache:
            cache[value] = convert(value)
        return cache[value]

    return cached


def _to_params(
    table: sa.Table, names: Sequence[str], rows: Sequence[dict[str, Any]], dialect: str
) -> list[tuple[Any, ...]]:
    take = operator.itemgetter(*names)
    conversions = [
        (index, _memoised(conv) if conv is _sqlite_datetime else conv)
        for index, name in enumerate(names)
        if (conv := _converter(table.c[name], dialect)) is not _same
    ]
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(take(row)) if len(names) > 1 else [take(row)]
        for index, conv in conversions:
            values[index] = conv(values[index])
        params.append(tuple(values))
    return params


def insert_rows(
    connection: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]
) -> None:
    if not rows:
        return
    names = list(rows[0])
    mark = _placeholder(connection)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "
        f"VALUES ({', '.join(mark for _ in names)})"
    )
    connection.exec_driver_sql(sql, _to_params(table, names, rows, connection.dialect.name))


def update_rows(
    connection: sa.Connection,
    table: sa.Table,
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """UPDATE each row's non-key columns, matching on the `keys` columns."""
    if not rows:
        return
    values = [name for name in rows[0] if name not in keys]
    ordered = [*values, *keys]
    mark = _placeholder(connection)
    sql = (
        f"UPDATE {table.name} SET {', '.join(f'{name} = {mark}' for name in values)} "
        f"WHERE {' AND '.join(f'{name} = {mark}' for name in keys)}"
    )
    connection.exec_driver_sql(sql, _to_params(table, ordered, rows, connection.dialect.name))
