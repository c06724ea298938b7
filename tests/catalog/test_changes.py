"""ChangeWatcher: any commit, from this process or another, gives a new version."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import sqlalchemy as sa

from paperwire.catalog.changes import ChangeWatcher
from paperwire.catalog.store import Catalog
from tests.support.factories import make_record


def test_sqlite_sees_own_and_other_process_commits(sqlite_catalog: Catalog) -> None:
    watcher = ChangeWatcher(sqlite_catalog.engine)
    try:
        first = watcher.version()
        assert watcher.version() == first  # reading changes nothing
        sqlite_catalog.get("2403.01234")
        assert watcher.version() == first
        sqlite_catalog.upsert([make_record()])
        second = watcher.version()
        assert second != first
        database = sqlite_catalog.engine.url.database
        script = (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute(\"UPDATE counters SET value = value + 1 WHERE name = 'change_seq'\"); "
            "c.commit()"
        )
        subprocess.run([sys.executable, "-c", script, str(database)], check=True)
        assert watcher.version() != second
    finally:
        watcher.close()


def test_sqlite_connection_outside_sqlalchemy_is_seen(sqlite_catalog: Catalog) -> None:
    watcher = ChangeWatcher(sqlite_catalog.engine)
    try:
        before = watcher.version()
        other = sqlite3.connect(str(sqlite_catalog.engine.url.database))
        other.execute("UPDATE counters SET value = value + 1 WHERE name = 'change_seq'")
        other.commit()
        other.close()
        assert watcher.version() != before
    finally:
        watcher.close()


def test_postgres_sees_own_commits_at_once_and_others_after_polling(postgres_url: str) -> None:
    catalog = Catalog.open(postgres_url)
    other = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    watcher = ChangeWatcher(catalog.engine, poll_seconds=0.0)
    try:
        first = watcher.version()
        assert watcher.version() == first
        catalog.upsert([make_record()])
        second = watcher.version()
        assert second != first
        with other.begin() as connection:
            connection.execute(
                sa.text("UPDATE counters SET value = value + 1 WHERE name = 'change_seq'")
            )
        assert watcher.version() != second
    finally:
        watcher.close()
        other.dispose()
        catalog.close()
