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

import sqlalchemy as sa

from paperwire.catalog import schema
from paperwire.catalog.store import Catalog
from paperwire.search.index_dir import IndexDirectory, IndexLockedError
from paperwire.search.keyword import KeywordIndex
from paperwire.search.searcher import Searcher, TrendingScorer

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


def _must_rebuild(catalog: Catalog, root: Path) -> bool:
    """True when the indexes under `root` were built from another catalog (or none): then
    following the change sequence would mix two catalogs, so they are rebuilt instead."""
    marker = root / "catalog-id"
    return not marker.exists() or marker.read_text().strip() != catalog.identity()


def _mark(catalog: Catalog, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    temporary = root / "catalog-id.tmp"
    temporary.write_text(catalog.identity() + "\n")
    temporary.replace(root / "catalog-id")


def update_keyword_index(catalog: Catalog, root: Path) -> IndexReport:
    """After an ingest: apply the catalog's changes to the keyword index (fast)."""
    if _must_rebuild(catalog, root):
        return update_indexes(catalog, root, rebuild=True)
    return _update_keyword(catalog, root, rebuild=False)


def _update_keyword(catalog: Catalog, root: Path, rebuild: bool) -> IndexReport:
    report = IndexReport()
    try:
        with KeywordIndex.open(root / "keyword") as index:
            report.keyword_papers = index.rebuild(catalog) if rebuild else index.sync(catalog)
    except IndexLockedError as error:
        report.skipped.append(f"keyword index: {error}")
    return report


def _update_vectors(catalog: Catalog, root: Path, rebuild: bool) -> IndexReport:
    from paperwire.search.vectors import VectorIndex

    report = IndexReport()
    try:
        with VectorIndex.open(root / "vectors") as index:
            report.vector_papers = index.rebuild(catalog) if rebuild else index.sync(catalog)
    except IndexLockedError as error:
        report.skipped.append(f"vector index: {error}")
    return report


def update_indexes(catalog: Catalog, root: Path, *, rebuild: bool = False) -> IndexReport:
    """Bring both indexes up to date with the catalog (and the stored vectors); rebuild
    them when they were built from another catalog."""
    rebuild = rebuild or _must_rebuild(catalog, root)
    report = IndexReport()
    for update in (_update_keyword, _update_vectors):
        part = update(catalog, root, rebuild)
        report.keyword_papers += part.keyword_papers
        report.vector_papers += part.vector_papers
        report.skipped += part.skipped
    if rebuild and not report.skipped:
        _mark(catalog, root)
    return report


# The catalog counter each index's applied_seq follows.
INDEX_COUNTERS = {"keyword": "change_seq", "vectors": "vector_seq"}


def index_lag(catalog: Catalog, root: Path) -> dict[str, int | None]:
    """How far each index under `root` is behind: catalog changes (keyword) or batches of
    stored vectors (vectors, one `vector_seq` per batch) not applied yet; None for an index
    not built. Reads two counters and two small files."""
    with catalog.engine.connect() as connection:
        return index_lag_on(connection, root)


def index_lag_on(connection: sa.Connection, root: Path) -> dict[str, int | None]:
    """index_lag() on a connection the caller holds (a metrics scrape reads more)."""
    counters = schema.counters
    values = dict(
        connection.execute(
            sa.select(counters.c.name, counters.c.value).where(
                counters.c.name.in_(INDEX_COUNTERS.values())
            )
        ).all()
    )
    lag: dict[str, int | None] = {}
    for name, counter in INDEX_COUNTERS.items():
        files = IndexDirectory(root / name)
        generation = files.current()
        applied = None if generation is None else files.read_meta(generation)[1]
        lag[name] = None if applied is None else max(0, int(values.get(counter) or 0) - applied)
    return lag


def follow_catalog(catalog: Catalog, root: Path) -> IndexReport | None:
    """Bring the indexes under `root` (this machine's) up to the catalog when they are
    behind it: what the worker's follower does every few seconds, so that a paper ingested
    anywhere (another machine, a CLI run) is found here soon. None when nothing was to do:
    the check costs a query and two file reads, opening the indexes far more."""
    if not _must_rebuild(catalog, root) and not any(
        behind is None or behind > 0 for behind in index_lag(catalog, root).values()
    ):
        return None
    return update_indexes(catalog, root)


def open_searcher(
    catalog: Catalog,
    root: Path,
    *,
    semantic: bool = True,
    trending_scorer: TrendingScorer | None = None,
) -> Searcher:
    """A read-only Searcher; semantic search joins in once vectors have been indexed.

    Raises FileNotFoundError (with the command to run) when there is no keyword index yet.
    """
    keyword = KeywordIndex.open_reader(root / "keyword")
    if not semantic or not (root / "vectors").exists():
        return Searcher(catalog, keyword, trending_scorer=trending_scorer)
    from paperwire.search.embedder import MiniLmEmbedder
    from paperwire.search.vectors import VectorIndex

    vectors = VectorIndex.open_readonly(root / "vectors")
    if len(vectors) == 0:
        return Searcher(catalog, keyword, trending_scorer=trending_scorer)
    # One thread per query: web processes already run side by side, and onnxruntime's pool
    # would spin its idle threads on the cores the other processes need (half the CPU).
    embedder = MiniLmEmbedder(threads=1)
    return Searcher(catalog, keyword, vectors, embedder, trending_scorer=trending_scorer)
