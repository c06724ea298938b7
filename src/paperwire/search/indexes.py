"""The search indexes of one data directory: where they live, keeping them up to date,
and opening a Searcher over them.

Both indexes are derived from the catalog and follow its change sequence, so `update`
after any ingest costs only the changes, and `rebuild` recreates them from scratch (built
aside and swapped in: readers never see half an index). One process writes at a time (a
lock file per index); when another holds it, updates are skipped with a message, since that
process (the worker) brings the index up to date itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from paperwire.catalog.store import Catalog
from paperwire.search.index_dir import IndexLockedError
from paperwire.search.keyword import KeywordIndex
from paperwire.search.searcher import Searcher

ProgressCallback = Callable[[int], None]


def index_root(data_dir: Path) -> Path:
    return data_dir / "index"


@dataclass
class IndexReport:
    keyword_papers: int = 0
    vector_papers: int = 0
    skipped: list[str] = field(default_factory=list)  # why an index was not touched

    def as_dict(self) -> dict[str, object]:
        return {
            "keyword_papers": self.keyword_papers,
            "vector_papers": self.vector_papers,
            "skipped": self.skipped,
        }


def update_keyword_index(catalog: Catalog, root: Path, *, rebuild: bool = False) -> IndexReport:
    report = IndexReport()
    try:
        with KeywordIndex.open(root / "keyword") as index:
            report.keyword_papers = index.rebuild(catalog) if rebuild else index.sync(catalog)
    except IndexLockedError as error:
        report.skipped.append(f"keyword index: {error}")
    return report


def update_vector_index(catalog: Catalog, root: Path, *, rebuild: bool = False) -> IndexReport:
    from paperwire.search.vectors import VectorIndex

    report = IndexReport()
    try:
        with VectorIndex.open(root / "vectors") as index:
            report.vector_papers = index.rebuild(catalog) if rebuild else index.sync(catalog)
    except IndexLockedError as error:
        report.skipped.append(f"vector index: {error}")
    return report


def update_indexes(catalog: Catalog, root: Path, *, rebuild: bool = False) -> IndexReport:
    """Bring both indexes up to date with the catalog (and the stored vectors)."""
    report = update_keyword_index(catalog, root, rebuild=rebuild)
    vectors = update_vector_index(catalog, root, rebuild=rebuild)
    report.vector_papers = vectors.vector_papers
    report.skipped += vectors.skipped
    return report


def open_searcher(catalog: Catalog, root: Path, *, semantic: bool = True) -> Searcher:
    """A read-only Searcher; semantic search joins in once vectors have been indexed.

    Raises FileNotFoundError (with the command to run) when there is no keyword index yet.
    """
    keyword = KeywordIndex.open_reader(root / "keyword")
    if not semantic or not (root / "vectors").exists():
        return Searcher(catalog, keyword)
    from paperwire.search.embedder import MiniLmEmbedder
    from paperwire.search.vectors import VectorIndex

    vectors = VectorIndex.open_readonly(root / "vectors")
    if len(vectors) == 0:
        return Searcher(catalog, keyword)
    return Searcher(catalog, keyword, vectors, MiniLmEmbedder())
