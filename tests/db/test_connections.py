"""Transactions and dialect-neutral statements, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from paperwire.catalog.schema import counters
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.db.connections import (
    insert_ignoring_duplicates,
    now,
    reading,
    upsert,
    writing,
)


def _value(catalog: Catalog, name: str) -> int | None:
    with reading(catalog) as connection:
        found = connection.execute(
            sa.select(counters.c.value).where(counters.c.name == name)
        ).scalar_one_or_none()
    return None if found is None else int(found)


def test_insert_ignoring_duplicates_keeps_the_first_row(catalog: Catalog) -> None:
    with writing(catalog) as connection:
        connection.execute(
            insert_ignoring_duplicates(connection, counters).values(name="a", value=1)
        )
        connection.execute(
            insert_ignoring_duplicates(connection, counters).values(name="a", value=2)
        )
    assert _value(catalog, "a") == 1


def test_upsert_inserts_then_updates_the_other_columns(catalog: Catalog) -> None:
    for value in (1, 5):
        with writing(catalog) as connection:
            connection.execute(
                upsert(connection, counters, ["name"], {"name": "b", "value": value})
            )
    assert _value(catalog, "b") == 5


def test_a_failed_write_commits_nothing(catalog: Catalog) -> None:
    with pytest.raises(RuntimeError), writing(catalog) as connection:
        connection.execute(counters.insert().values(name="c", value=1))
        raise RuntimeError("stop")
    assert _value(catalog, "c") is None


def test_now_is_the_store_clock_in_utc(catalog: Catalog) -> None:
    assert isinstance(catalog.clock, FakeClock)
    moment = now(catalog)
    assert moment.tzinfo is dt.UTC and moment == catalog.clock.now()
