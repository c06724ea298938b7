"""The indexes of a data directory: built, kept up to date from the catalog's change sequence,
written by one process at a time, and opened as a Searcher. Real tantivy and usearch files in
tmp_path; stored vectors come from the hash embedder of test_vectors (the model itself is
only loaded where open_searcher loads it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.search.embed_job import embed_pending
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.indexes import (
    IndexReport,
    follow_catalog,
    index_lag,
    index_root,
    open_searcher,
    update_indexes,
)
from paperwire.search.indexes import update_keyword_index as update_keyword
from paperwire.search.keyword import KeywordIndex
from paperwire.search.searcher import Searcher
from paperwire.search.vectors import VectorIndex
from tests.search.test_vectors import HashEmbedder
from tests.support.factories import make_record

TITLES = {
    "2403.00001": "Sparse quokka detection",
    "2403.00002": "Sparse wombat tracking",
    "2403.00003": "Dense numbat counting",
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return index_root(tmp_path / "data")


@pytest.fixture
def small_catalog(sqlite_catalog: Catalog) -> Catalog:
    sqlite_catalog.upsert(
        [make_record(raw_id=paper_id, title=title) for paper_id, title in TITLES.items()]
    )
    return sqlite_catalog


def found(root: Path, catalog: Catalog, query: str) -> set[str]:
    searcher = open_searcher(catalog, root, semantic=False)
    return {result.id for result in searcher.search(query, mode="keyword", limit=50)}


def test_the_indexes_live_under_the_data_directory(tmp_path: Path) -> None:
    assert index_root(tmp_path) == tmp_path / "index"


def test_the_first_update_builds_both_and_marks_the_catalog(
    small_catalog: Catalog, root: Path
) -> None:
    report = update_indexes(small_catalog, root)
    assert report.as_dict() == {"keyword_papers": 3, "vector_papers": 0, "skipped": []}
    assert (root / "catalog-id").read_text().strip() == small_catalog.identity()
    assert (root / "keyword" / "CURRENT").exists() and (root / "vectors" / "CURRENT").exists()
    assert found(root, small_catalog, "sparse") == {"2403.00001", "2403.00002"}


def test_updates_apply_only_the_changes(small_catalog: Catalog, root: Path) -> None:
    update_indexes(small_catalog, root)
    generation = KeywordIndex.open_reader(root / "keyword").generation
    small_catalog.upsert(
        [
            make_record(raw_id="2403.00004", title="Sparse platypus sorting"),
            make_record(raw_id="2403.00001", version=2, title="Sparse echidna detection"),
        ]
    )
    report = update_keyword(small_catalog, root)
    assert (report.keyword_papers, report.skipped) == (2, [])  # only the two changed papers
    assert found(root, small_catalog, "quokka") == set()  # the old title went with the update
    assert found(root, small_catalog, "echidna") == {"2403.00001"}
    assert found(root, small_catalog, "sparse") == {"2403.00001", "2403.00002", "2403.00004"}
    assert KeywordIndex.open_reader(root / "keyword").generation == generation  # in place
    assert update_indexes(small_catalog, root).as_dict()["keyword_papers"] == 0  # caught up


def test_a_rebuild_starts_afresh_and_finds_the_same(small_catalog: Catalog, root: Path) -> None:
    update_indexes(small_catalog, root)
    small_catalog.upsert(
        [make_record(raw_id="2403.00002", version=2, title="Sparse bilby tracking")]
    )
    update_keyword(small_catalog, root)
    incremental = {
        query: found(root, small_catalog, query) for query in ("sparse", "wombat", "bilby")
    }
    generation = KeywordIndex.open_reader(root / "keyword").generation
    report = update_indexes(small_catalog, root, rebuild=True)
    assert (report.keyword_papers, report.skipped) == (3, [])  # every paper, not the changes
    assert KeywordIndex.open_reader(root / "keyword").generation != generation  # swapped in
    assert {query: found(root, small_catalog, query) for query in incremental} == incremental


def test_indexes_of_another_catalog_are_rebuilt_not_mixed(
    small_catalog: Catalog, root: Path, tmp_path: Path
) -> None:
    update_indexes(small_catalog, root)
    other = Catalog.open(f"sqlite:///{tmp_path / 'other.db'}", clock=FakeClock())
    try:
        # Its first change has a lower change_seq than the index's watermark: following the
        # sequence would skip it, and keep the first catalog's papers.
        other.upsert([make_record(raw_id="2501.00001", title="Sparse koala mapping")])
        report = update_keyword(other, root)
        assert report.keyword_papers == 1
        assert found(root, other, "sparse") == {"2501.00001"}
        reader = KeywordIndex.open_reader(root / "keyword")
        assert reader.count() == 1
        assert (root / "catalog-id").read_text().strip() == other.identity()
    finally:
        other.close()


def test_a_missing_catalog_mark_means_a_rebuild(small_catalog: Catalog, root: Path) -> None:
    update_indexes(small_catalog, root)
    (root / "catalog-id").unlink()
    assert update_keyword(small_catalog, root).keyword_papers == 3
    assert (root / "catalog-id").exists()


# -- one writer ----------------------------------------------------------------------------


def test_a_held_writer_lock_skips_that_index_with_a_reason(
    small_catalog: Catalog, root: Path
) -> None:
    update_indexes(small_catalog, root)
    small_catalog.upsert([make_record(raw_id="2403.00004", title="Sparse platypus sorting")])
    with KeywordIndex.open(root / "keyword"):  # another writer (the worker) holds it
        report = update_indexes(small_catalog, root)
        assert report.keyword_papers == 0
        assert len(report.skipped) == 1
        assert report.skipped[0].startswith("keyword index: ")
        assert "only one writer" in report.skipped[0]
    assert found(root, small_catalog, "platypus") == set()  # untouched while it was held
    assert update_keyword(small_catalog, root).keyword_papers == 1  # the next update catches up
    assert found(root, small_catalog, "platypus") == {"2403.00004"}
    with VectorIndex.open(root / "vectors"):
        skipped = update_indexes(small_catalog, root).skipped
        assert [reason.split(":")[0] for reason in skipped] == ["vector index"]


def test_a_rebuild_that_was_skipped_is_not_marked_done(small_catalog: Catalog, root: Path) -> None:
    with KeywordIndex.open(root / "keyword"):
        report = update_indexes(small_catalog, root)
        assert report.skipped and report.keyword_papers == 0
    assert not (root / "catalog-id").exists()  # so the next update rebuilds
    assert update_indexes(small_catalog, root).keyword_papers == 3
    assert (root / "catalog-id").exists()


# -- open_searcher -------------------------------------------------------------------------


def test_without_a_keyword_index_open_searcher_says_what_to_run(
    small_catalog: Catalog, root: Path
) -> None:
    with pytest.raises(FileNotFoundError, match="paperwire index rebuild"):
        open_searcher(small_catalog, root)


def test_without_vectors_the_searcher_is_keyword_only(small_catalog: Catalog, root: Path) -> None:
    update_indexes(small_catalog, root)
    assert (root / "vectors").exists()  # built, but no paper has a vector yet
    searcher = open_searcher(small_catalog, root, semantic=True)
    assert not searcher.semantic_available
    hybrid = searcher.search("sparse quokka", mode="hybrid")  # falls back to words
    assert [result.id for result in hybrid] == ["2403.00001", "2403.00002"]


def test_stored_vectors_are_indexed_and_searched(small_catalog: Catalog, root: Path) -> None:
    assert embed_pending(small_catalog, HashEmbedder()).embedded == 3
    assert update_indexes(small_catalog, root).vector_papers == 3
    small_catalog.upsert([make_record(raw_id="2403.00004", title="Sparse platypus sorting")])
    embed_pending(small_catalog, HashEmbedder())
    assert update_indexes(small_catalog, root).vector_papers == 1  # only the new vector

    searcher = open_searcher(small_catalog, root)
    assert searcher.semantic_available and isinstance(searcher.embedder, MiniLmEmbedder)
    similar = searcher.similar("2403.00001", limit=10)
    assert {result.id for result in similar} == {"2403.00002", "2403.00003", "2403.00004"}
    assert open_searcher(small_catalog, root, semantic=False).vectors is None


def test_the_trending_scorer_is_handed_to_the_searcher(small_catalog: Catalog, root: Path) -> None:
    update_indexes(small_catalog, root)

    def by_wombats(papers: Sequence[Paper]) -> Mapping[str, float]:
        return {paper.id: 1.0 if "wombat" in paper.title.lower() else 0.0 for paper in papers}

    searcher: Searcher = open_searcher(small_catalog, root, trending_scorer=by_wombats)
    assert searcher.trending_scorer is by_wombats
    ranked = searcher.search("sparse quokka", mode="keyword", sort="trending")
    assert [result.id for result in ranked] == ["2403.00002", "2403.00001"]


def test_a_report_says_what_it_did() -> None:
    report = IndexReport(keyword_papers=2, vector_papers=1, skipped=["vector index: held"])
    assert report.as_dict() == {
        "keyword_papers": 2,
        "vector_papers": 1,
        "skipped": ["vector index: held"],
    }


def test_following_the_catalog_builds_then_applies_only_what_is_new(
    small_catalog: Catalog, root: Path
) -> None:
    """The worker's follower (every few seconds): a fresh data directory gets both indexes;
    afterwards only a lag opens them, and what another process ingested becomes findable."""
    assert index_lag(small_catalog, root) == {"keyword": None, "vectors": None}
    built = follow_catalog(small_catalog, root)
    assert built is not None and built.keyword_papers == 3
    assert index_lag(small_catalog, root) == {"keyword": 0, "vectors": 0}
    assert follow_catalog(small_catalog, root) is None  # caught up: nothing opened
    small_catalog.upsert([make_record(raw_id="2403.00004", title="Sparse platypus sorting")])
    assert index_lag(small_catalog, root) == {"keyword": 1, "vectors": 0}
    applied = follow_catalog(small_catalog, root)
    assert applied is not None and (applied.keyword_papers, applied.vector_papers) == (1, 0)
    assert found(root, small_catalog, "platypus") == {"2403.00004"}
    embed_pending(small_catalog, HashEmbedder())
    assert index_lag(small_catalog, root)["vectors"] == 1  # one batch stored
    applied = follow_catalog(small_catalog, root)
    assert applied is not None and applied.vector_papers == 4
    assert len(VectorIndex.open_readonly(root / "vectors")) == 4
