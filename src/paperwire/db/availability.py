"""Which database errors mean "the database is unavailable for now" (a restart, a lost
connection, a full disk, a lock held too long) rather than a bug: the web answers those
with 503 and Retry-After, and the next request, on a fresh connection, may well succeed
(the pool pings connections before use, db/engine.py)."""

from __future__ import annotations

import sqlalchemy as sa

RETRY_AFTER_SECONDS = 5
"""What a client is told to wait; a restart of PostgreSQL takes a few seconds."""

# SQLite reports its own bugs' worth of errors as OperationalError too ("no such table",
# a syntax error): only these result codes are a passing condition.
_SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_NOMEM",
)


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot answer now (PostgreSQL: psycopg's
    OperationalError covers connection failures, shutdowns and resource limits)."""
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, sa.exc.InterfaceError):
        return True
    if not isinstance(error, sa.exc.OperationalError):
        return False
    sqlite_name = getattr(error.orig, "sqlite_errorname", None)
    if isinstance(sqlite_name, str):
        return sqlite_name.startswith(_SQLITE_UNAVAILABLE)
    return True
