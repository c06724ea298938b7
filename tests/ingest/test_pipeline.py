"""run_source: batches into the real Catalog, each with its source's checkpoint; broken
records reported with their location and skipped; a crashed job resumes without loss or
duplicates. The source is the real resumable one, the arXiv snapshot reader."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from paperwire.catalog import schema
from paperwire.catalog.model import Rejection, UpsertCounts
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.ingest.base import Item
from paperwire.ingest.hf_daily import HfDailySource
from paperwire.ingest.pipeline import MAX_KEPT_REJECTIONS, IngestReport, run_source
from paperwire.ingest.snapshot import SnapshotSource

SNAPSHOT = "arxiv-metadata-snapshot-sample.jsonl"
BROKEN_JSON = b'{"id": "0704.0999", "title": "cut off'
NOT_AN_ID = b'{"id": "not an id", "title": "A title"}'


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture
def good_lines(fixtures: Path) -> list[bytes]:
    return (fixtures / SNAPSHOT).read_bytes().splitlines()


@pytest.fixture
def mixed(tmp_path: Path, good_lines: list[bytes]) -> Path:
    """60 papers with two broken lines among them (lines 3 and 40)."""
    lines = good_lines[:60]
    lines.insert(2, BROKEN_JSON)
    lines.insert(39, NOT_AN_ID)
    return write_lines(tmp_path / "mixed.jsonl", lines)


class CrashingSource(SnapshotSource):
    """The snapshot reader, killed after `survive` items (a stand-in for a killed job)."""

    def __init__(self, path: Path, survive: int) -> None:
        super().__init__(path)
        self.survive = survive

    def items(self) -> Iterator[Item]:
        for count, item in enumerate(super().items()):
            if count == self.survive:
                raise KeyboardInterrupt
            yield item


def catalog_state(catalog: Catalog) -> list[dict[str, Any]]:
    """Every stored paper with its sources, minus what only says *when* it was written."""
    state = []
    for paper in catalog.iter_papers():
        fields = {f.name: getattr(paper, f.name) for f in dataclasses.fields(paper)}
        fields.pop("change_seq")
        fields["sources"] = [(ref.source, ref.source_record_id) for ref in paper.sources]
        state.append(fields)
    return state


# -- batches and checkpoints ---------------------------------------------------------------


def test_each_batch_commits_with_its_checkpoint(catalog: Catalog, mixed: Path) -> None:
    source = SnapshotSource(mixed)
    key = source.checkpoint_key
    assert key is not None
    seen: list[tuple[int, int, dict[str, Any] | None]] = []

    def after_batch(size: int) -> None:  # runs right after each batch's transaction
        seen.append((size, catalog.count(), catalog.checkpoint(key)))

    report = run_source(catalog, source, batch_size=25, on_progress=after_batch)
    sizes = [size for size, _, _ in seen]
    assert sizes == [25, 25, 12]  # rejected lines count toward a batch too
    # Records and the checkpoint after them land together: line 25 holds 24 papers.
    assert [(count, saved["line"]) for _, count, saved in seen if saved] == [
        (24, 25),
        (48, 50),
        (60, 62),
    ]
    assert (report.counts.added, report.counts.rejected) == (60, 2)
    assert catalog.checkpoint(key) is None  # a finished source leaves no checkpoint


def test_an_unfinished_run_keeps_its_last_checkpoint(sqlite_catalog: Catalog, mixed: Path) -> None:
    source = SnapshotSource(mixed)
    run_source(sqlite_catalog, source, batch_size=25, finish=False)
    assert source.checkpoint_key is not None
    saved = sqlite_catalog.checkpoint(source.checkpoint_key)
    assert saved is not None and saved["line"] == 62
    resumed = run_source(sqlite_catalog, SnapshotSource(mixed, resume_from=saved))
    assert resumed.counts == UpsertCounts()  # nothing left to read


def test_a_source_without_a_checkpoint_key_saves_none(
    sqlite_catalog: Catalog, fixtures: Path
) -> None:
    report = run_source(sqlite_catalog, HfDailySource(fixtures / "hf-daily-papers-sample.json"))
    assert report.counts.added > 0
    with sqlite_catalog.engine.connect() as connection:
        saved = connection.execute(
            sa.select(sa.func.count()).select_from(schema.ingest_checkpoints)
        )
        assert saved.scalar_one() == 0


def test_running_the_same_input_again_changes_nothing(sqlite_catalog: Catalog, mixed: Path) -> None:
    run_source(sqlite_catalog, SnapshotSource(mixed), batch_size=25)
    before = catalog_state(sqlite_catalog)
    again = run_source(sqlite_catalog, SnapshotSource(mixed), batch_size=25)
    assert (again.counts.added, again.counts.updated, again.counts.unchanged) == (0, 0, 60)
    assert catalog_state(sqlite_catalog) == before


# -- broken records ----------------------------------------------------------------------


def test_a_broken_record_is_reported_where_it_is_and_skipped(
    sqlite_catalog: Catalog, mixed: Path
) -> None:
    told: list[Rejection] = []
    report = run_source(sqlite_catalog, SnapshotSource(mixed), batch_size=25, on_reject=told.append)
    assert [r.location for r in report.rejections] == [f"{mixed}:3", f"{mixed}:40 (id not an id)"]
    assert report.rejections[0].reason.startswith("invalid JSON")
    assert report.rejections[1].reason.startswith("not an arXiv id")
    assert told == report.rejections  # reported as they happen, too
    assert sqlite_catalog.count() == 60  # every neighbour is stored
    assert sqlite_catalog.get("0704.0999") is None
    assert report.summary() == "60 added, 0 updated, 0 unchanged, 2 rejected"


def test_rejections_are_all_counted_but_only_the_first_thousand_kept(
    sqlite_catalog: Catalog, tmp_path: Path, good_lines: list[bytes]
) -> None:
    broken = MAX_KEPT_REJECTIONS + 5
    path = write_lines(tmp_path / "broken.jsonl", [b"not json"] * broken + good_lines[:1])
    told: list[Rejection] = []
    report = run_source(sqlite_catalog, SnapshotSource(path), on_reject=told.append)
    assert report.counts.rejected == len(told) == broken
    assert len(report.rejections) == MAX_KEPT_REJECTIONS
    assert report.rejections[-1].location == f"{path}:{MAX_KEPT_REJECTIONS}"
    assert report.counts.added == 1


def test_merged_reports_add_up_and_keep_the_cap() -> None:
    def report_of(rejected: int) -> IngestReport:
        return IngestReport(
            UpsertCounts(added=1, updated=2, unchanged=3, rejected=rejected),
            [Rejection(f"file:{n}", "bad") for n in range(rejected)],
        )

    total = IngestReport()
    total.merge(report_of(MAX_KEPT_REJECTIONS - 1))
    total.merge(report_of(3))
    assert total.counts == UpsertCounts(added=2, updated=4, unchanged=6, rejected=1002)
    assert len(total.rejections) == MAX_KEPT_REJECTIONS
    assert total.summary() == "2 added, 4 updated, 6 unchanged, 1002 rejected"


# -- a crash mid-job ---------------------------------------------------------------------


@pytest.mark.parametrize("survive", [0, 1, 24, 25, 26, 39, 50, 61])
def test_a_crashed_job_resumes_without_loss_or_duplicates(
    sqlite_catalog: Catalog, mixed: Path, tmp_path: Path, survive: int
) -> None:
    reference = Catalog.open(f"sqlite:///{tmp_path / 'reference.db'}", clock=FakeClock())
    try:
        run_source(reference, SnapshotSource(mixed), batch_size=25)
        expected = catalog_state(reference)
    finally:
        reference.close()

    with pytest.raises(KeyboardInterrupt):
        run_source(sqlite_catalog, CrashingSource(mixed, survive), batch_size=25)
    key = SnapshotSource(mixed).checkpoint_key
    assert key is not None
    saved = sqlite_catalog.checkpoint(key)
    # Only whole batches survive, each with the checkpoint just after it.
    committed_lines = survive // 25 * 25
    assert (saved or {}).get("line", 0) == committed_lines
    stored_before = sqlite_catalog.count()

    resumed = run_source(sqlite_catalog, SnapshotSource(mixed, resume_from=saved), batch_size=25)
    assert catalog_state(sqlite_catalog) == expected
    # Nothing committed before the crash was read again; nothing was lost.
    assert (resumed.counts.updated, resumed.counts.unchanged) == (0, 0)
    assert stored_before + resumed.counts.added == 60
    broken = {3: f"{mixed}:3", 40: f"{mixed}:40 (id not an id)"}
    after_checkpoint = [where for line, where in broken.items() if line > committed_lines]
    assert [r.location for r in resumed.rejections] == after_checkpoint
    assert sqlite_catalog.checkpoint(key) is None
