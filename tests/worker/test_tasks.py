"""The shared "write the catalog, then bring the indexes along" calls, on a real SQLite
catalog with real index files under tmp_path (and a local server for the harvests)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paperwire.catalog.model import Rejection
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.ingest.http import RemoteError
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.indexes import IndexReport, index_root, open_searcher
from paperwire.search.keyword import KeywordIndex
from paperwire.worker.tasks import (
    embed_and_index,
    harvest_arxiv_and_index,
    ingest_and_index,
    refresh_keyword_index,
)
from tests.search.test_keyword import MEDICAL_SEGMENTATION
from tests.support.replay import Reply, replay_server

SNAPSHOT = "arxiv-metadata-snapshot-sample.jsonl"
LISTING = "hf-papers-listing-encoder.txt"


@pytest.fixture
def settings(isolated_data_dir: Path) -> Settings:
    return Settings(data_dir=isolated_data_dir)


def keyword_hits(catalog: Catalog, settings: Settings, query: str) -> list[str]:
    searcher = open_searcher(catalog, index_root(settings.data_dir), semantic=False)
    return [result.id for result in searcher.search(query, mode="keyword", limit=10)]


def test_ingested_papers_are_findable_by_keyword_at_once(
    sqlite_catalog: Catalog, settings: Settings, fixtures: Path
) -> None:
    report = ingest_and_index(sqlite_catalog, settings, [fixtures / SNAPSHOT])
    assert (report.counts.added, report.counts.rejected, report.unreadable) == (200, 0, [])
    assert (report.index.keyword_papers, report.index.skipped) == (200, [])
    assert keyword_hits(sqlite_catalog, settings, "diphoton")[0] == "0704.0001"


def test_a_second_run_changes_nothing(
    sqlite_catalog: Catalog, settings: Settings, fixtures: Path
) -> None:
    listing, day = [fixtures / LISTING], dt.date(2024, 3, 14)
    first = ingest_and_index(sqlite_catalog, settings, listing, listed_on=day)
    again = ingest_and_index(sqlite_catalog, settings, listing, listed_on=day)
    assert first.counts.added == 67
    assert (again.counts.added, again.counts.updated, again.counts.unchanged) == (0, 0, 67)
    assert again.index.keyword_papers == 0  # nothing changed, so nothing to apply
    hits = keyword_hits(sqlite_catalog, settings, "medical image segmentation")
    assert set(hits[:5]) == MEDICAL_SEGMENTATION and len(hits) == len(set(hits))


def test_a_broken_record_is_reported_and_skipped(
    sqlite_catalog: Catalog, settings: Settings, fixtures: Path, tmp_path: Path
) -> None:
    lines = (fixtures / SNAPSHOT).read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([lines[0], "{not json", lines[1], '{"id": "0704.9999"}']) + "\n")
    missing = tmp_path / "missing.jsonl"
    heard: list[Rejection] = []
    report = ingest_and_index(
        sqlite_catalog, settings, [missing, broken], "arxiv-snapshot", on_reject=heard.append
    )
    assert (report.counts.added, report.counts.rejected) == (2, 2)
    assert heard == report.rejections
    assert [rejection.location for rejection in heard] == [
        f"{broken}:2",
        f"{broken}:4 (id 0704.9999)",
    ]
    assert [path for path, _ in report.unreadable] == [str(missing)]
    assert keyword_hits(sqlite_catalog, settings, "sparsity certifying") == ["0704.0002"]
    assert sqlite_catalog.get("0704.9999") is None


def test_while_another_process_writes_the_index_the_update_is_skipped(
    sqlite_catalog: Catalog, settings: Settings, fixtures: Path
) -> None:
    """The worker holds the writer lock: the ingest still stores everything, says the index
    was skipped, and the next update (the worker's) applies it."""
    ingest_and_index(sqlite_catalog, settings, [fixtures / SNAPSHOT])
    with KeywordIndex.open(index_root(settings.data_dir) / "keyword"):
        report = ingest_and_index(sqlite_catalog, settings, [fixtures / LISTING])
    assert report.counts.added == 67
    assert len(report.index.skipped) == 1 and "only one writer" in report.index.skipped[0]
    assert refresh_keyword_index(sqlite_catalog, settings).keyword_papers == 67
    assert set(keyword_hits(sqlite_catalog, settings, "medical image segmentation")[:5]) == (
        MEDICAL_SEGMENTATION
    )


def test_a_failed_harvest_still_indexes_what_was_fetched(
    sqlite_catalog: Catalog, settings: Settings, fixtures: Path
) -> None:
    paging = fixtures / "arxiv-oai" / "paging"
    heard: list[IndexReport] = []
    with replay_server() as server:
        # Page 1 only: asking for page 2 gets a 404, which retrying will not fix.
        server.add(
            "/oai2",
            {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2017-12-14"},
            Reply(body=(paging / "listrecords-page-1.xml").read_bytes()),
        )
        remote = settings.model_copy(update={"arxiv_oai_url": f"{server.base_url}/oai2"})
        with pytest.raises(RemoteError, match="404"):
            harvest_arxiv_and_index(
                sqlite_catalog,
                remote,
                from_date=dt.date(2017, 12, 14),
                clock=FakeClock(),
                on_index=heard.append,
            )
    assert sqlite_catalog.count() == 3  # page 1 is kept...
    assert [report.keyword_papers for report in heard] == [3]  # ...and indexed
    assert keyword_hits(sqlite_catalog, settings, "R-parity violation")[0] == "1706.09418"


def test_embedding_brings_the_vector_index_along(
    sqlite_catalog: Catalog, settings: Settings, fixtures: Path
) -> None:
    ingest_and_index(sqlite_catalog, settings, [fixtures / LISTING])
    report = embed_and_index(sqlite_catalog, settings, MiniLmEmbedder(max_tokens=64))
    assert (report.embedding.embedded, report.index.vector_papers) == (67, 67)
    assert report.as_dict()["index"] == report.index.as_dict()
    searcher = open_searcher(sqlite_catalog, index_root(settings.data_dir))
    assert searcher.semantic_available
    found = searcher.search("delineating organs in CT scans", mode="semantic", limit=5)
    assert {result.id for result in found} & MEDICAL_SEGMENTATION
