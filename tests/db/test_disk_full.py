"""SQLite running out of space mid-ingest: a clear error, and a catalog that opens, passes
its integrity check and holds every batch that was acknowledged.

A full disk is simulated with SQLite's own limit (PRAGMA max_page_count, set on every
connection to the test's file): SQLite then fails the write exactly as on a full disk
(SQLITE_FULL, "database or disk is full"), without a tmpfs or a loopback mount (root).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.ingest.formats import open_source
from paperwire.ingest.pipeline import DEFAULT_BATCH_SIZE, run_source
from tests.cli.kit import invoke

HEADROOM_PAGES = 150  # about 600 KB above the empty catalog: room for a few batches


@contextmanager
def disk_of(path: Path, pages: int) -> Iterator[None]:
    """Every SQLite connection to `path` may grow the file to `pages` pages at most."""

    def limit(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            files = [row[2] for row in cursor.execute("PRAGMA database_list")]
            if str(path) in files:
                cursor.execute(f"PRAGMA max_page_count = {pages}")
        finally:
            cursor.close()

    sa.event.listen(sa.engine.Engine, "connect", limit)
    try:
        yield
    finally:
        sa.event.remove(sa.engine.Engine, "connect", limit)


def _empty_catalog(path: Path) -> int:
    """Create the catalog (schema and all); its size in pages."""
    catalog = Catalog.open(f"sqlite:///{path}")
    try:
        with catalog.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return int(connection.exec_driver_sql("PRAGMA page_count").scalar_one())
    finally:
        catalog.close()


def _snapshot(path: Path, count: int) -> Path:
    """`count` arXiv snapshot records with long abstracts, to fill pages fast."""
    lines = []
    for number in range(count):
        record = {
            "id": f"2401.{number:05d}",
            "submitter": "Ada Lovelace",
            "authors": "Ada Lovelace, Alan Turing",
            "title": f"On the analytical engine, part {number}",
            "categories": "cs.LG",
            "abstract": f"Paper {number} studies engines. " + "Lorem ipsum dolor sit amet. " * 60,
            "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}],
            "update_date": "2024-01-01",
        }
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")
    return path


def _intact(path: Path) -> Catalog:
    """The catalog reopened without any limit, after checking its integrity."""
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    finally:
        engine.dispose()
    return Catalog.open(f"sqlite:///{path}")


def test_a_full_disk_stops_the_ingest_and_keeps_what_was_acknowledged(tmp_path: Path) -> None:
    database = tmp_path / "catalog.db"
    pages = _empty_catalog(database) + HEADROOM_PAGES
    source_file = _snapshot(tmp_path / "papers.jsonl", 2_000)
    acknowledged: list[int] = []
    with disk_of(database, pages):
        catalog = Catalog.open(f"sqlite:///{database}")
        try:
            with pytest.raises(sa.exc.OperationalError, match="database or disk is full"):
                source = open_source(source_file, "arxiv-snapshot")
                run_source(catalog, source, batch_size=50, on_progress=acknowledged.append)
        finally:
            catalog.close()
    stored = sum(acknowledged)
    assert 0 < stored < 2_000, "the limit must stop the ingest part way"
    reopened = _intact(database)
    try:
        assert reopened.count() >= stored  # every acknowledged batch is there
        ids = [f"2401.{number:05d}" for number in range(stored)]
        assert len(reopened.get_many(ids, with_sources=False)) == stored
    finally:
        reopened.close()


def test_the_cli_says_the_disk_is_full_without_a_traceback(tmp_path: Path) -> None:
    database = tmp_path / "cli.db"
    # Room for the first batch of 2,000 (about 2,200 pages), not for the second.
    pages = _empty_catalog(database) + 3_000
    source_file = _snapshot(tmp_path / "papers.jsonl", 5_000)
    ingest = ["--db", f"sqlite:///{database}", "--data-dir", str(tmp_path / "data"), "ingest"]
    with disk_of(database, pages):
        code, stdout, stderr = invoke([*ingest, str(source_file)])
    assert code == 1
    assert "cannot write the catalog: database or disk is full" in " ".join(stderr.split())
    assert "Traceback" not in stderr + stdout and "kept" in stderr
    reopened = _intact(database)
    try:
        assert reopened.count() == DEFAULT_BATCH_SIZE  # the first batch, all of it; no more
    finally:
        reopened.close()
    # With space again, the same command finishes the job.
    code, stdout, _ = invoke([*ingest, str(source_file), "--json"])
    assert code == 0 and json.loads(stdout)["rejected"] == 0
    reopened = _intact(database)
    try:
        assert reopened.count() == 5_000
    finally:
        reopened.close()
