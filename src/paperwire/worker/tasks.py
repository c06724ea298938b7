"""Writing to the catalog and bringing the search indexes along: the one library call for
each, shared by the CLI commands, the worker's jobs and the demo loader.

After an ingest or a harvest the keyword index follows at once (new papers are findable by
words); vectors follow the embed job, which can take long on a big catalog. Every index
update takes the index directory's writer lock (search/index_dir.py); when another process
holds it (a running worker), the update is skipped and says so in `IndexReport.skipped`,
since that process brings the index up to date itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Unpack

from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.config import Settings
from paperwire.ingest.files import FilesReport, SourceCallback, ingest_paths
from paperwire.ingest.oai_harvest import ArxivHarvestOptions, harvest_arxiv
from paperwire.ingest.pipeline import IngestReport, ProgressCallback, RejectCallback
from paperwire.recommend.engine import RefreshReport
from paperwire.search.embed_job import EmbedReport, claim_table, embed_pending
from paperwire.search.embedder import Embedder
from paperwire.search.indexes import IndexReport, index_root, update_indexes, update_keyword_index

IndexCallback = Callable[[IndexReport], None]


@dataclass
class IndexedIngest(FilesReport):
    """What an ingest stored, rejected and could not read, and what the index update did."""

    index: IndexReport = field(default_factory=IndexReport)

    def add(self, other: IndexedIngest) -> None:
        self.merge(other)
        self.unreadable += other.unreadable
        self.index.keyword_papers += other.index.keyword_papers
        self.index.vector_papers += other.index.vector_papers
        self.index.skipped += other.index.skipped

    def as_dict(self) -> dict[str, object]:
        return self.counts.as_dict() | {"index": self.index.as_dict()}


@dataclass
class IndexedEmbed:
    embedding: EmbedReport
    index: IndexReport

    def as_dict(self) -> dict[str, object]:
        return self.embedding.as_dict() | {"index": self.index.as_dict()}


def refresh_keyword_index(catalog: Catalog, settings: Settings) -> IndexReport:
    """Apply the catalog's changes to the keyword index (fast; rebuilt when it was built
    from another catalog)."""
    return update_keyword_index(catalog, index_root(settings.data_dir))


def refresh_indexes(catalog: Catalog, settings: Settings, *, rebuild: bool = False) -> IndexReport:
    """Bring both indexes up to date with the catalog and the stored vectors; `rebuild`
    recreates them from scratch (built aside and swapped in whole)."""
    return update_indexes(catalog, index_root(settings.data_dir), rebuild=rebuild)


def ingest_and_index(
    catalog: Catalog,
    settings: Settings,
    paths: Sequence[Path],
    fmt: str | None = None,
    *,
    listed_on: dt.date | None = None,
    clock: Clock | None = None,
    on_source: SourceCallback | None = None,
    on_progress: ProgressCallback | None = None,
    on_reject: RejectCallback | None = None,
) -> IndexedIngest:
    """Ingest files (ingest/files.py: unreadable ones reported and skipped, bad records
    rejected one by one), then make what they added or changed findable by keyword."""
    files = ingest_paths(
        catalog,
        paths,
        fmt,
        listed_on=listed_on,
        clock=clock,
        on_source=on_source,
        on_progress=on_progress,
        on_reject=on_reject,
    )
    return IndexedIngest(
        counts=files.counts,
        rejections=files.rejections,
        unreadable=files.unreadable,
        index=refresh_keyword_index(catalog, settings),
    )


def harvest_arxiv_and_index(
    catalog: Catalog,
    settings: Settings,
    *,
    on_index: IndexCallback | None = None,
    **options: Unpack[ArxivHarvestOptions],
) -> IndexedIngest:
    """Harvest arXiv over OAI-PMH (resuming an interrupted harvest; `options` are
    harvest_arxiv's), then update the keyword index, also when the harvest fails (see
    `_index_after`)."""
    return _index_after(
        catalog, settings, lambda: harvest_arxiv(catalog, settings, **options), on_index
    )


def harvest_hf_daily_and_index(
    catalog: Catalog,
    settings: Settings,
    *,
    date: dt.date | None = None,
    clock: Clock | None = None,
    on_progress: ProgressCallback | None = None,
    on_reject: RejectCallback | None = None,
    on_index: IndexCallback | None = None,
) -> IndexedIngest:
    """Fetch one day of Hugging Face daily papers (the latest without `date`), then update
    the keyword index, also when the harvest fails (see `_index_after`)."""
    from paperwire.ingest.hf_daily import harvest_hf_daily

    return _index_after(
        catalog,
        settings,
        lambda: harvest_hf_daily(
            catalog,
            settings,
            date=date,
            clock=clock,
            on_progress=on_progress,
            on_reject=on_reject,
        ),
        on_index,
    )


def _index_after(
    catalog: Catalog,
    settings: Settings,
    harvest: Callable[[], IngestReport],
    on_index: IndexCallback | None,
) -> IndexedIngest:
    """Run `harvest`, then update the keyword index, also when the harvest raises: what was
    fetched before a remote failure is kept, so it is made findable too. The error still
    propagates; `on_index` hears of the index update either way (a caller reporting a
    skipped update cannot read it from a report that never comes)."""
    try:
        report = harvest()
    finally:
        index = refresh_keyword_index(catalog, settings)
        if on_index is not None:
            on_index(index)
    return IndexedIngest(counts=report.counts, rejections=report.rejections, index=index)


def embed_and_index(
    catalog: Catalog,
    settings: Settings,
    embedder: Embedder,
    *,
    limit: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> IndexedEmbed:
    """Embed new and changed papers (resumable), then bring both indexes up to date."""
    # Workers on several machines share the backlog through claims held this long.
    claims = claim_table(catalog, dt.timedelta(minutes=settings.embed_claim_minutes))
    report = embed_pending(catalog, embedder, limit=limit, on_progress=on_progress, claims=claims)
    return IndexedEmbed(report, refresh_indexes(catalog, settings))


def refresh_recommendations(
    catalog: Catalog,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
) -> RefreshReport:
    """Recompute every reader's "For you" ranking (recommend/engine.py), leaving out the
    papers their digests already sent; `progress` hears (readers done, readers in all)."""
    from paperwire.community.trending import TrendingParams
    from paperwire.digest.for_you import sent_papers
    from paperwire.recommend.engine import Recommender

    recommender = Recommender(
        catalog,
        trending=TrendingParams.from_settings(settings),
        exclude=sent_papers(catalog.engine),
    )
    return recommender.refresh_all(progress)
