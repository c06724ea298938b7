"""Noticing that the database changed, cheaply enough to ask on every web request.

Caches of rendered pages (web/middleware/cache.py) key their entries by `ChangeWatcher.version()`:
any commit, by this process or another one, gives a new version.

- SQLite: `PRAGMA data_version` on one dedicated connection changes whenever any *other*
  connection (in this process or another) commits; it costs microseconds, so every call
  asks it and a change is seen at once.
- PostgreSQL: the server's WAL position moves with every commit. Asking costs a round trip,
  so it is asked at most every `poll_seconds`; commits made through this process's engine
  bump the version at once, and other processes' commits show within `poll_seconds`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


class ChangeWatcher:
    def __init__(self, engine: Engine, *, poll_seconds: float = 0.25) -> None:
        self._engine = engine
        self._poll_seconds = poll_seconds
        self._local_commits = 0
        self._remote: Any = None
        self._polled_at = -1e9
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        sa.event.listen(engine, "commit", self._on_commit)
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database and database != ":memory:":
            self._sqlite = sqlite3.connect(database, check_same_thread=False, isolation_level=None)

    def _on_commit(self, _connection: object) -> None:
        with self._lock:
            self._local_commits += 1

    def version(self) -> tuple[int, object]:
        """A value that differs from every earlier one once anything was committed."""
        with self._lock:
            if self._sqlite is not None:
                self._remote = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
            else:
                now = time.monotonic()
                if now - self._polled_at >= self._poll_seconds:
                    self._polled_at = now
                    self._remote = self._poll_server()
            return self._local_commits, self._remote

    def _poll_server(self) -> object:
        try:
            with self._engine.connect() as connection:
                return connection.execute(sa.text("SELECT pg_current_wal_lsn()::text")).scalar()
        except sa.exc.DBAPIError:
            return time.monotonic()  # cannot tell: treat as changed

    def close(self) -> None:
        sa.event.remove(self._engine, "commit", self._on_commit)
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
