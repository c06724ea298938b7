"""A searcher shared by long-lived processes (web workers, the digest worker): opened on
first use, following the index files as a writer updates or rebuilds them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.search.indexes import index_root, open_searcher
from paperwire.search.searcher import Searcher, TrendingScorer

# A search reloads the index readers at most this often, to see what a writer committed.
RELOAD_INTERVAL_SECONDS = 2.0


class SearchUnavailable(RuntimeError):
    """No keyword index yet: `paperwire index rebuild` (or any ingest) builds one."""


@dataclass
class SearcherHandle:
    """Opens the searcher on first use (loading the embedding model takes a second) and
    reloads its index readers now and then; safe to share between request threads."""

    catalog: Catalog
    settings: Settings
    semantic: bool = True
    # For sort="trending": the community room's score (community/trending.py), passed in.
    trending_scorer: TrendingScorer | None = None
    _searcher: Searcher | None = None
    _reloaded_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _open(self, semantic: bool) -> Searcher:
        return open_searcher(
            self.catalog,
            index_root(self.settings.data_dir),
            semantic=semantic,
            trending_scorer=self.trending_scorer,
        )

    def get(self) -> Searcher:
        with self._lock:
            now = time.monotonic()
            if self._searcher is None:
                try:
                    self._searcher = self._open(self.semantic)
                except FileNotFoundError as error:
                    raise SearchUnavailable(
                        "the search index has not been built yet (run `paperwire index rebuild`)"
                    ) from error
                self._reloaded_at = now
            elif now - self._reloaded_at >= RELOAD_INTERVAL_SECONDS:
                self._reloaded_at = now
                vectors_dir = index_root(self.settings.data_dir) / "vectors"
                if self.semantic and self._searcher.vectors is None and vectors_dir.exists():
                    # `paperwire embed` ran since we opened: start searching by meaning too.
                    self._searcher = self._open(True)
                    return self._searcher
                self._searcher.keyword.reload()
                if self._searcher.vectors is not None:
                    self._searcher.vectors.reload()
            return self._searcher
