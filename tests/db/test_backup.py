"""db/backup.py on SQLite and PostgreSQL: a backup restored into an empty database holds
every row of every table; a non-empty target is refused unless forced."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.db import backup
from paperwire.db.engine import create_engine, dispose
from paperwire.demo import load_demo
from tests.conftest import _CREATED_DATABASES, POSTGRES_ADMIN_URL
from tests.support.factories import make_record


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows, in a stable order (by their text form: JSON values don't sort)."""
    engine = create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted((tuple(row) for row in connection.execute(sa.select(table))), key=repr)
                for name, table in metadata.tables.items()
            }
    finally:
        dispose(engine)


def fresh_target(database_url: str, tmp_path: Path) -> str:
    """A second empty database of the same dialect (the `postgres_url` fixture is taken)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'catalog.db'}"
    name = f"paperwire_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _CREATED_DATABASES.append(name)  # dropped at the session's end
    return f"{database_url.rsplit('/', 1)[0]}/{name}"


def test_a_restored_backup_holds_every_row_of_every_table(
    catalog: Catalog, database_url: str, tmp_path: Path
) -> None:
    load_demo(catalog)  # papers, accounts, votes, comments, a collection
    dest = tmp_path / "backups" / "catalog.backup"
    report = backup.backup(database_url, dest)
    assert report.path == dest and report.bytes == dest.stat().st_size > 0
    target = fresh_target(database_url, tmp_path)
    assert backup.existing_tables(target) == []
    backup.restore(target, dest)
    original, restored = every_row(database_url), every_row(target)
    assert set(restored) == set(original)
    assert sum(len(rows) for rows in original.values()) > 500
    assert restored == original
    reopened = Catalog.open(target)  # the restored schema is at head: nothing to migrate
    try:
        assert reopened.count() == catalog.count()
    finally:
        reopened.close()


def test_restore_refuses_a_database_that_holds_tables_unless_forced(
    catalog: Catalog, database_url: str, tmp_path: Path
) -> None:
    catalog.upsert([make_record(raw_id="2403.00001", title="Kept in the backup")])
    dest = tmp_path / "one.backup"
    backup.backup(database_url, dest)
    catalog.upsert([make_record(raw_id="2403.00002", title="Written after the backup")])
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(database_url, dest)
    assert catalog.count() == 2
    catalog.close()  # nothing else may hold the database while it is replaced
    backup.restore(database_url, dest, force=True)
    reopened = Catalog.open(database_url)
    try:
        assert reopened.get("2403.00001") is not None
        assert reopened.get("2403.00002") is None  # what the backup did not hold is gone
    finally:
        reopened.close()


def test_a_backup_never_overwrites_a_file(
    catalog: Catalog, database_url: str, tmp_path: Path
) -> None:
    dest = tmp_path / "taken"
    dest.write_text("something else")
    with pytest.raises(backup.BackupError, match="exists"):
        backup.backup(database_url, dest)
    assert dest.read_text() == "something else"


def test_sqlite_backup_is_one_consistent_file_while_writes_go_on(
    sqlite_catalog: Catalog, sqlite_url: str, tmp_path: Path
) -> None:
    """Writers keep committing during the backup (WAL mode): the copy is a snapshot that
    passes its check, has no -wal beside it, and holds whole batches only."""
    stop = threading.Event()
    batches = 0

    def write() -> None:
        nonlocal batches
        while not stop.is_set() and batches < 200:
            base = 10000 + batches * 5
            sqlite_catalog.upsert(
                [
                    make_record(raw_id=f"2402.{base + i:05d}", title=f"T {base + i}")
                    for i in range(5)
                ]
            )
            batches += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while batches < 3:
            threading.Event().wait(0.01)
        dest = tmp_path / "live.backup"
        backup.backup(sqlite_url, dest)
    finally:
        stop.set()
        writer.join()
    assert not Path(f"{dest}-wal").exists()
    copied = every_row(f"sqlite:///{dest}")
    assert len(copied["papers"]) % 5 == 0 and len(copied["papers"]) >= 15


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"not a database at all" * 100)
    with pytest.raises(backup.BackupError, match="not a SQLite backup"):
        backup.restore(f"sqlite:///{tmp_path / 'target.db'}", bogus)


def test_pg_tools_are_found_and_a_missing_one_is_named(tmp_path: Path) -> None:
    assert Path(backup._pg_tool("pg_dump", None)).name == "pg_dump"
    with pytest.raises(backup.BackupError, match="pg_dump is not in"):
        backup._pg_tool("pg_dump", tmp_path)
