"""The probes a load balancer or a supervisor polls.

- /healthz: "ok" while the process answers (liveness: restart it when this fails).
- /readyz: 200 only when this process can serve: the database answers, its schema is at
  the newest migration (the code and the tables agree), and the keyword index is built
  (when PAPERWIRE_READY_REQUIRES_INDEX); else 503. Either way the JSON body names each
  check and what failed (readiness: send no traffic here until it passes).

The migration check reads `alembic_version` and compares it with the heads of the
migration scripts (read once); its result is kept `MIGRATION_CHECK_SECONDS`, so a probe
every second costs one `SELECT 1`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from fastapi import Request
from fastapi.responses import JSONResponse, PlainTextResponse

from paperwire.db.engine import alembic_config
from paperwire.search.index_dir import IndexDirectory
from paperwire.search.indexes import index_root

MIGRATION_CHECK_SECONDS = 5.0


def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


def migration_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def check_migrations(connection: sa.Connection, heads: frozenset[str]) -> Check:
    try:
        current = frozenset(
            connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
        )
    except sa.exc.DBAPIError:
        connection.rollback()
        return Check(False, "no alembic_version table: the database was never migrated")
    if current == heads:
        return Check(True, f"at head {', '.join(sorted(heads))}")
    shown = ", ".join(sorted(current)) or "nothing"
    return Check(
        False,
        f"at {shown}, head is {', '.join(sorted(heads))} (start `paperwire serve` or "
        "`paperwire worker` with this version to migrate)",
    )


def check_index(data_dir: Path) -> Check:
    files = IndexDirectory(index_root(data_dir) / "keyword")
    generation = files.current()
    if generation is None:
        return Check(False, "the keyword index is not built (run `paperwire index rebuild`)")
    schema_version, applied = files.read_meta(generation)
    if schema_version == 0:
        return Check(False, f"the keyword index's {generation} has no readable metadata")
    return Check(True, f"{generation}, applied up to change {applied}")


@dataclass
class Readiness:
    """The checks of /readyz for one app, with the migration check's cache."""

    engine: sa.Engine
    data_dir: Path
    requires_index: bool = True
    _heads: frozenset[str] | None = None
    _migrations: tuple[float, Check] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def checks(self) -> dict[str, Check]:
        found: dict[str, Check] = {}
        try:
            with self.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
                found["database"] = Check(True, "answers")
                found["migrations"] = self._cached_migrations(connection)
        except sa.exc.SQLAlchemyError as error:
            cause = getattr(error, "orig", None) or error
            found["database"] = Check(False, f"does not answer ({type(cause).__name__})")
            found["migrations"] = Check(False, "unknown: the database does not answer")
        if self.requires_index:
            found["search_index"] = check_index(self.data_dir)
        return found

    def _cached_migrations(self, connection: sa.Connection) -> Check:
        now = time.monotonic()
        with self._lock:
            if self._migrations is not None and now - self._migrations[0] < MIGRATION_CHECK_SECONDS:
                return self._migrations[1]
            if self._heads is None:
                self._heads = migration_heads()
            heads = self._heads
        checked = check_migrations(connection, heads)
        with self._lock:
            self._migrations = (now, checked)
        return checked


def readyz(request: Request) -> JSONResponse:
    readiness: Readiness = request.app.state.readiness
    checks = readiness.checks()
    ready = all(check.ok for check in checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {name: check.as_dict() for name, check in checks.items()},
    }
    return JSONResponse(
        body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"}
    )
