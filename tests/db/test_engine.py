"""Opening the catalog: pragmas on SQLite, migrations that match the tables exactly."""

from __future__ import annotations

import multiprocessing

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from paperwire.catalog.listing import ORDER_INDEXES
from paperwire.db.engine import alembic_config, create_engine, migrate, normalise_url
from paperwire.db.metadata import metadata


def test_sqlite_pragmas(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_migrations_create_exactly_the_declared_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, kind, *_: (
                    not (kind == "index" and name in ORDER_INDEXES)
                ),
            },
        )
        differences = compare_metadata(context, metadata)
        if connection.dialect.name == "sqlite":  # its reflection skips expression indexes
            index_names = set(
                connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'index'"
                ).scalars()
            )
        else:
            index_names = {i["name"] for i in sa.inspect(connection).get_indexes("papers")}
    assert differences == []
    assert set(ORDER_INDEXES) <= index_names


def _open(url: str) -> None:
    migrate(create_engine(url))


def test_migrate_is_idempotent_and_safe_from_many_processes(database_url: str) -> None:
    # Several web and worker processes may start at once on a new database.
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_open, args=(database_url,)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    migrate(create_engine(database_url))  # and once more: nothing to do
    engine = create_engine(database_url)
    with engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert version == head


def test_postgres_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
