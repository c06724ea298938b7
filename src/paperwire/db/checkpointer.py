"""WAL checkpoints off the writer's path, for SQLite.

SQLite's automatic checkpoint runs inside the COMMIT of whichever write crosses the WAL size
limit, copying pages into the database file and fsyncing while the writer waits: a third of
bulk-ingest time. Here the engine's connections never checkpoint themselves; every commit
pokes a background thread that runs a PASSIVE checkpoint on its own connection (which never
blocks writers or readers), so the copying overlaps with the next batch's parsing. Passive
checkpoints never catch up with a busy writer, so when the WAL passes `max_wal_bytes` the
thread runs one TRUNCATE checkpoint (the writer waits briefly) and the WAL starts over.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class BackgroundCheckpointer:
    def __init__(self, database: Path, max_wal_bytes: int = 64 * 1024 * 1024) -> None:
        self._database = database
        self._wal = database.with_name(database.name + "-wal")
        self._max_wal_bytes = max_wal_bytes
        self._poked = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._poked.set()

    def stop(self) -> None:
        self._stopped = True
        self._poked.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, timeout=30, check_same_thread=False)
        try:
            while True:
                self._poked.wait()
                self._poked.clear()
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    if self._wal_size() > self._max_wal_bytes:
                        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                except sqlite3.Error:
                    pass  # busy or closing: the next poke tries again
                if self._stopped:
                    return
        finally:
            connection.close()

    def _wal_size(self) -> int:
        try:
            return self._wal.stat().st_size
        except OSError:
            return 0
