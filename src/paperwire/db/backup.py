"""Backing up the catalog database and restoring it, on either dialect.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent
  snapshot while the site keeps running (it reads through the WAL like any reader); the
  copy is switched to a rollback journal, checked (`PRAGMA quick_check`) and renamed into
  place, so DEST is one self-contained file or nothing.
- PostgreSQL: `pg_dump -Fc` (a consistent snapshot too) and `pg_restore` in one
  transaction. The password travels in PGPASSWORD, never on a command line `ps` shows.

Restore writes only into an empty target (no tables) unless `force`; what it restores is
the database alone: the search index files are derived from it and are rebuilt after
(`paperwire restore` does; docs/operations.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from paperwire.db.engine import create_engine, dispose, normalise_url

POSTGRES_BIN_ROOT = Path("/usr/lib/postgresql")


class BackupError(RuntimeError):
    """A backup or restore that could not be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    dialect: str
    path: Path
    bytes: int


def _url(url: str) -> URL:
    return make_url(normalise_url(url))


def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def backup(url: str, dest: Path, *, pg_bin_dir: Path | None = None) -> BackupReport:
    """Write a backup of the database at `url` to `dest` (refused when `dest` exists)."""
    parsed = _url(url)
    if dest.exists():
        raise BackupError(f"{dest} exists already: choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite_backup(sqlite_path(parsed), partial)
        else:
            _run([_pg_tool("pg_dump", pg_bin_dir), "-Fc", "--no-owner", "--no-acl",
                  "-f", str(partial), "-d", _libpq(parsed)], parsed)  # fmt: skip
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(parsed.get_backend_name(), dest, dest.stat().st_size)


def restore(url: str, src: Path, *, force: bool = False, pg_bin_dir: Path | None = None) -> None:
    """Restore the backup `src` into the database at `url`, which must hold no tables
    (unless `force`: then what the backup holds replaces what is there)."""
    parsed = _url(url)
    if not src.is_file():
        raise BackupError(f"{src} is not a file")
    tables = existing_tables(url)
    if tables and not force:
        raise BackupError(
            f"the target database is not empty ({len(tables)} tables, {', '.join(tables[:3])}"
            f"{'...' if len(tables) > 3 else ''}): restore into a new, empty database, "
            "or pass --force to replace what it holds"
        )
    if parsed.get_backend_name() == "sqlite":
        _sqlite_restore(src, sqlite_path(parsed))
        return
    command = [_pg_tool("pg_restore", pg_bin_dir), "--no-owner", "--no-acl",
               "--exit-on-error", "--single-transaction", "-d", _libpq(parsed)]  # fmt: skip
    if tables:
        command += ["--clean", "--if-exists"]
    _run([*command, str(src)], parsed)


def existing_tables(url: str) -> list[str]:
    parsed = _url(url)
    if parsed.get_backend_name() == "sqlite" and not sqlite_path(parsed).exists():
        return []  # opening it would create the file
    engine = create_engine(url)
    try:
        return sorted(sa.inspect(engine).get_table_names())
    finally:
        dispose(engine)


def _sqlite_backup(source: Path, dest: Path) -> None:
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    # Read-only: a backup must never be what creates or changes the live file.
    live = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(dest)
    try:
        live.backup(copy)  # all pages in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one file: no -wal beside it
        result = copy.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the backup failed its check: {result}")
    finally:
        copy.close()
        live.close()


def _sqlite_restore(src: Path, target: Path) -> None:
    backup_file = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        backup_file.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        backup_file.close()
        raise BackupError(f"{src} is not a SQLite backup: {error}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    # Through SQLite, not a file copy: the target's WAL and readers stay consistent.
    live = sqlite3.connect(target, timeout=30)
    try:
        backup_file.backup(live)
        live.execute("PRAGMA journal_mode=WAL")
    finally:
        live.close()
        backup_file.close()


def _libpq(url: URL) -> str:
    """The URL as libpq takes it: no driver suffix, no password (that goes in PGPASSWORD)."""
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False)


def _pg_tool(name: str, bin_dir: Path | None) -> str:
    """`name` from `bin_dir`, else the newest PostgreSQL's under /usr/lib/postgresql (the
    PATH's may be an older client than the server: pg_dump refuses a newer server), else
    the PATH."""
    candidates: list[Path] = []
    if bin_dir is not None:
        candidates.append(bin_dir / name)
    else:
        versions = [p for p in POSTGRES_BIN_ROOT.glob("*/bin") if p.parent.name.isdigit()]
        versions.sort(key=lambda p: int(p.parent.name), reverse=True)
        candidates += [p / name for p in versions]
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name) if bin_dir is None else None
    if found is None:
        where = bin_dir or "the PATH or /usr/lib/postgresql/*/bin"
        raise BackupError(f"{name} is not in {where}: install the PostgreSQL client tools")
    return found


def _run(command: list[str], url: URL) -> None:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed ({finished.returncode}): {finished.stderr.strip()}")
