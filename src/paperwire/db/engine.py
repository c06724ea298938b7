"""Opening the catalog database: engine settings per dialect and migrations on start."""

from __future__ import annotations

import fcntl
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from paperwire.db.checkpointer import BackgroundCheckpointer

MIGRATIONS_DIR = Path(__file__).parent.parent / "migrations"
# Any fixed number works; it only has to be the same in every paperwire process.
_MIGRATION_LOCK_ID = 0x70617065
_checkpointers: weakref.WeakKeyDictionary[Engine, BackgroundCheckpointer] = (
    weakref.WeakKeyDictionary()
)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and point them at psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return sa.create_engine(
        url, json_serializer=_json_dumps, json_deserializer=orjson.loads, pool_pre_ping=True
    )


def _sqlite_engine(url: str) -> Engine:
    database = sa.engine.make_url(url).database
    checkpointer: BackgroundCheckpointer | None = None
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        checkpointer = BackgroundCheckpointer(Path(database))
    engine = sa.create_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        # The driver must not open transactions itself: we issue BEGIN (IMMEDIATE for
        # writers) so that two writers queue on the busy timeout instead of deadlocking.
        connect_args={"isolation_level": None, "timeout": 30, "check_same_thread": False},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # busy_timeout first, so that switching to WAL waits for a concurrent opener.
        cursor.execute("PRAGMA busy_timeout=30000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it safe
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache for bulk writes
        if checkpointer is not None:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # see db/checkpointer.py
        cursor.close()

    if checkpointer is not None:
        sa.event.listen(engine, "commit", lambda _connection: checkpointer.poke())
        _checkpointers[engine] = checkpointer

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def dispose(engine: Engine) -> None:
    """Close the engine's connections and stop its checkpointer thread."""
    checkpointer = _checkpointers.pop(engine, None)
    if checkpointer is not None:
        checkpointer.stop()
    engine.dispose()


def write_connection(engine: Engine) -> sa.Connection:
    """A connection whose transactions take the write lock up front (SQLite IMMEDIATE)."""
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
    return connection


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """One migrating process at a time per SQLite file. Alembic's SQLite support is not
    transactional DDL, so a process could read the schema version before another one's
    migrations committed and then replay them ("table ... already exists"); an flock on a
    file beside the database (PostgreSQL: an advisory lock) closes that window."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call from many processes at once."""
    with _sqlite_migration_lock(engine), write_connection(engine) as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        try:
            command.upgrade(alembic_config(connection), "head")
            connection.commit()
        finally:
            if engine.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
                connection.commit()
