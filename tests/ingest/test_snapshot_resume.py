"""A snapshot import killed with SIGKILL at a random point resumes to the identical catalog."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.ingest.export import paper_to_export
from paperwire.ingest.files import ingest_paths
from paperwire.ingest.snapshot import SnapshotSource

LINES = 6000
BATCH = 200

CHILD = """
import sys
from pathlib import Path
from paperwire.catalog.store import Catalog
from paperwire.ingest.files import ingest_paths
catalog = Catalog.open(sys.argv[1])
ingest_paths(catalog, [Path(sys.argv[2])], batch_size=int(sys.argv[3]))
"""


def make_snapshot(fixtures: Path, path: Path, lines: int) -> None:
    """Real snapshot records re-numbered, plus a broken line now and then."""
    originals = (fixtures / "arxiv-metadata-snapshot-sample.jsonl").read_text().splitlines()
    with path.open("w") as out:
        for index in range(lines):
            if index % 997 == 500:
                out.write('{"id": "broken", "title": \n')
                continue
            record = json.loads(originals[index % len(originals)])
            record["id"] = f"1501.{index:05d}"
            out.write(json.dumps(record) + "\n")


def catalog_state(url: str) -> list[dict[str, object]]:
    catalog = Catalog.open(url)
    try:
        papers = []
        for paper in catalog.iter_papers():
            exported = paper_to_export(paper)
            exported.pop("sources")  # first/last seen differ between runs by design
            papers.append(exported)
        return papers
    finally:
        catalog.close()


def checkpoint_line(url: str, key: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            value = connection.execute(
                sa.text("SELECT value FROM ingest_checkpoints WHERE key = :key"), {"key": key}
            ).scalar()
    except sa.exc.OperationalError:
        return 0  # the child has not created the tables yet
    finally:
        engine.dispose()
    if value is None:
        return 0
    return int(json.loads(value)["line"] if isinstance(value, str) else value["line"])


def test_killed_import_resumes_to_the_same_catalog(fixtures: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.jsonl"
    make_snapshot(fixtures, snapshot, LINES)
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    ingest_paths(Catalog.open(reference_url), [snapshot], batch_size=BATCH)

    url = f"sqlite:///{tmp_path / 'killed.db'}"
    kill_after = random.Random(os.getpid()).randrange(BATCH, LINES - 2 * BATCH)
    key = SnapshotSource(snapshot).checkpoint_key
    assert key is not None
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(snapshot), str(BATCH)])
    deadline = time.monotonic() + 60
    while checkpoint_line(url, key) < kill_after and child.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    parsers = psutil.Process(child.pid).children(recursive=True)
    child.send_signal(signal.SIGKILL)
    child.wait()
    stopped_at = checkpoint_line(url, key)
    assert 0 < stopped_at < LINES, "the import must be killed part-way"
    # Its parse processes notice and end too, instead of waiting on their queue forever.
    _, alive = psutil.wait_procs(parsers, timeout=10)
    assert alive == []

    report = ingest_paths(Catalog.open(url), [snapshot], batch_size=BATCH)
    assert report.counts.added == _stored_before(LINES) - _stored_before(stopped_at)
    assert catalog_state(url) == catalog_state(reference_url)
    assert Catalog.open(url).checkpoint(key) is None  # finished: checkpoint dropped


def _stored_before(line: int) -> int:
    broken = sum(1 for index in range(line) if index % 997 == 500)
    return line - broken


def test_parallel_parsing_gives_the_same_items_as_sequential(
    fixtures: Path, tmp_path: Path
) -> None:
    snapshot = tmp_path / "snapshot.jsonl"
    make_snapshot(fixtures, snapshot, 2500)
    sequential = SnapshotSource(snapshot, workers=1)
    parallel = SnapshotSource(snapshot, workers=2)
    assert list(parallel.items()) == list(sequential.items())
    assert (
        parallel.checkpoint()
        == sequential.checkpoint()
        == {
            "line": 2500,
            "offset": snapshot.stat().st_size,
        }
    )
