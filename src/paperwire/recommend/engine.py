"""The Recommender: precomputed rankings per reader, refreshed in bulk or one reader at a time.

`refresh_all` (the worker job) ranks every reader with signals or interests against the
candidate pool (papers listed in the last `candidate_days`) a chunk of readers at a time
(ranking.py) and stores each reader's top TOP_N as one orjson row. `recommend` reads that
row, recomputes it first when a signal arrived after it was computed, and hydrates the
page's papers with one batched catalog read; the reasons are worded then, from live titles.

Papers a reader already rated, upvoted or saved are never recommended. Papers a higher
room knows the reader has seen (the digest's sent papers) come in through `exclude`, a hook
the digest and the worker pass in: this room cannot import them.
"""

from __future__ import annotations

import datetime as dt
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import orjson
import sqlalchemy as sa

from paperwire.catalog.model import Paper
from paperwire.catalog.schema import papers
from paperwire.catalog.store import Catalog
from paperwire.community.trending import TrendingParams, trending_scores
from paperwire.db.connections import dialect_insert
from paperwire.db.engine import write_connection
from paperwire.db.values import as_utc
from paperwire.recommend import ranking, reasons
from paperwire.recommend.interests import Interests, interests_by_reader
from paperwire.recommend.keywords import paper_terms
from paperwire.recommend.model import Background, ModelParams
from paperwire.recommend.ranking import Basis, Pool, Ranked, ReaderInput
from paperwire.recommend.readers import Reader
from paperwire.recommend.reasons import Reason
from paperwire.recommend.schema import reader_recommendations
from paperwire.recommend.signals import Signal, readers_with_signals, signals_by_reader
from paperwire.search.filters import SearchFilters
from paperwire.search.query import QueryError
from paperwire.search.vector_store import load_vectors, paper_vectors

if TYPE_CHECKING:
    from paperwire.search.searcher import Searcher

__all__ = ["Reason", "Recommendation", "RecommendationPage", "Recommender", "RefreshReport"]

CANDIDATE_DAYS = 30
READER_CHUNK = 1000
POOL_SECONDS = 600.0  # a pool (and its trending scores) is reused this long
REASON_LIKED = 300  # the newest liked papers the reasons compare against
RATED_KEYWORDS_CACHE = 200_000  # rated papers' keyword rows kept per pool (1 KB each)
_TEXT_CHUNK = 500  # ids per IN (...) when reading rated papers' text

# Papers each reader has seen elsewhere (the digest's sent papers), by reader.
ExcludeHook = Callable[[Sequence[Reader]], Mapping[Reader, set[str]]]
# (readers done, readers in all): the worker shows it as a Rich progress bar.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Recommendation:
    paper: Paper
    score: float
    reasons: list[Reason]


@dataclass(frozen=True, slots=True)
class RecommendationPage:
    basis: Basis
    items: list[Recommendation]
    computed_at: dt.datetime | None


@dataclass
class RefreshReport:
    readers: int = 0
    personal: int = 0
    cold_start: int = 0
    empty: int = 0
    candidates: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "readers": self.readers,
            "personal": self.personal,
            "cold_start": self.cold_start,
            "empty": self.empty,
            "candidates": self.candidates,
            "seconds": round(self.seconds, 3),
        }


_PoolKey = tuple[dt.date, dt.date, TrendingParams, ModelParams]


@dataclass
class _CachedPool:
    pool: Pool
    background: Background | None
    loaded_at: float
    window: tuple[dt.date, dt.date]
    version: tuple[int, int]  # the catalog's and the vectors' sequences it was loaded at
    query_matches: dict[str, list[str]] = field(default_factory=dict)
    # Keyword features of rated papers outside the pool, in the pool's keyword space: a
    # reader's refit after a click projects only the papers it has not seen yet.
    rated_keywords: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)


_SHARED_POOLS: weakref.WeakKeyDictionary[sa.Engine, dict[_PoolKey, _CachedPool]] = (
    weakref.WeakKeyDictionary()
)


class Recommender:
    def __init__(
        self,
        catalog: Catalog,
        *,
        trending: TrendingParams = TrendingParams(),
        exclude: ExcludeHook | None = None,
        searcher: Searcher | None = None,
        candidate_days: int = CANDIDATE_DAYS,
        params: ModelParams = ModelParams(),
    ) -> None:
        self.catalog = catalog
        self.engine = catalog.engine
        self.trending = trending
        self.exclude = exclude
        self.searcher = searcher
        self.candidate_days = candidate_days
        self.params = params
        # Shared by every Recommender of this engine in the process (a web process makes one
        # per request): the pool is reloaded only when papers or vectors changed, or after
        # POOL_SECONDS (trending moves with votes).
        self._pools = _SHARED_POOLS.setdefault(catalog.engine, {})

    # -- reading -----------------------------------------------------------------------

    def recommend(self, reader: Reader, limit: int = 20) -> RecommendationPage:
        """The reader's page: the stored ranking (recomputed first when stale), hydrated."""
        signals = signals_by_reader(self.engine, [reader])[reader]
        follows = interests_by_reader(self.engine, [reader]).get(reader, Interests())
        if not signals and not follows:
            return RecommendationPage("empty", [], None)
        stored = self._read_row(reader)
        latest = max((signal.created_at for signal in signals), default=None)
        if stored is None or (latest is not None and latest > stored[1]):
            self.refresh_reader(reader)
            stored = self._read_row(reader)
        if stored is None:
            return RecommendationPage("empty", [], None)
        basis, computed_at, payload = stored
        rated = {signal.paper_id for signal in signals}
        items = [item for item in payload.get("items", []) if item["id"] not in rated]
        items = items[: max(0, min(limit, ranking.TOP_N))]
        return RecommendationPage(
            basis,
            self._hydrate(basis, items, payload.get("queries", {}), signals, follows),
            computed_at,
        )

    def _read_row(self, reader: Reader) -> tuple[Basis, dt.datetime, dict[str, Any]] | None:
        t = reader_recommendations.c
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(t.basis, t.computed_at, t.payload).where(t.reader == reader.key)
            ).first()
        if row is None:
            return None
        return row.basis, as_utc(row.computed_at), orjson.loads(row.payload)

    def _hydrate(
        self,
        basis: Basis,
        items: list[dict[str, Any]],
        queries: Mapping[str, str],
        signals: Sequence[Signal],
        follows: Interests,
    ) -> list[Recommendation]:
        liked_ids, _ = ranking.opinions(signals)
        liked_ids = liked_ids[-REASON_LIKED:]
        page_ids = [str(item["id"]) for item in items]
        found = {
            paper.id: paper
            for paper in self.catalog.get_many(page_ids + liked_ids, with_sources=False)
        }
        vector_ids, vectors = load_vectors(self.engine, page_ids + liked_ids)
        vector_of = {paper_id: vectors[row] for row, paper_id in enumerate(vector_ids)}
        sources = {signal.paper_id: signal.source for signal in signals if signal.value > 0}
        liked_with_vectors = [i for i in liked_ids if i in vector_of]
        liked = reasons.Liked(
            papers={i: found[i] for i in liked_ids if i in found},
            sources=sources,
            ids=liked_with_vectors,
            vectors=_rows([vector_of[i] for i in liked_with_vectors]),
        )
        result: list[Recommendation] = []
        for item in items:
            paper = found.get(str(item["id"]))
            if paper is None or paper.withdrawn:
                continue
            if basis == "personal":
                why = reasons.personal(paper, vector_of.get(paper.id), liked, follows)
            else:
                why = reasons.cold_start(paper, follows, queries.get(paper.id), len(liked_ids))
                nearest = reasons.similar(vector_of.get(paper.id), liked)
                if nearest is not None:  # one or two liked papers weigh in already
                    why.insert(0, nearest)
            result.append(Recommendation(paper, float(item["score"]), why))
        return result

    # -- computing ---------------------------------------------------------------------

    def refresh_reader(self, reader: Reader) -> None:
        """Recompute one reader's stored ranking now (after a signal: milliseconds)."""
        cached = self._pool(*self._window())
        result = self._rank(cached, [reader])[0]
        self._store([(reader, result)])

    def refresh_all(self, progress: Progress | None = None) -> RefreshReport:
        """Rank every reader with signals or interests; store each reader's top TOP_N."""
        started = time.perf_counter()
        readers = readers_with_signals(self.engine)
        cached = self._pool(*self._window(), fresh=True)
        report = RefreshReport(readers=len(readers), candidates=len(cached.pool))
        if progress is not None:
            progress(0, len(readers))
        for start in range(0, len(readers), READER_CHUNK):
            chunk = readers[start : start + READER_CHUNK]
            results = self._rank(cached, chunk)
            for result in results:
                if result.basis == "personal":
                    report.personal += 1
                elif result.basis == "cold_start":
                    report.cold_start += 1
                else:
                    report.empty += 1
            self._store(list(zip(chunk, results, strict=True)))
            if progress is not None:
                progress(start + len(chunk), len(readers))
        report.seconds = time.perf_counter() - started
        return report

    def candidates(
        self, reader: Reader, listed_from: dt.date, listed_to: dt.date, limit: int
    ) -> tuple[Basis, list[str]]:
        """The reader's best papers among those listed in the window, computed live and not
        stored (a digest's "For you" part)."""
        cached = self._pool(listed_from, listed_to)
        result = self._rank(cached, [reader], limit=limit)[0]
        return result.basis, result.ids

    def _window(self) -> tuple[dt.date, dt.date]:
        today = self.catalog.clock.now().astimezone(dt.UTC).date()
        return today - dt.timedelta(days=self.candidate_days - 1), today

    def _pool(
        self, listed_from: dt.date, listed_to: dt.date, *, fresh: bool = False
    ) -> _CachedPool:
        key = (listed_from, listed_to)
        shared = (listed_from, listed_to, self.trending, self.params)
        cached = self._pools.get(shared)
        now = time.monotonic()
        version = _catalog_version(self.engine)
        if (
            cached is not None
            and not fresh
            and cached.version == version
            and now - cached.loaded_at < POOL_SECONDS
        ):
            return cached
        today = self.catalog.clock.now().astimezone(dt.UTC).date()
        pool = ranking.load_pool(self.engine, listed_from, listed_to, today)
        pool.trending = self._trending(pool)
        dimensions = pool.vectors.shape[1]
        background = pool.background(self.params, dimensions) if dimensions else None
        cached = self._pools[shared] = _CachedPool(pool, background, now, key, version)
        return cached

    def _trending(self, pool: Pool) -> npt.NDArray[np.float32]:
        """Trending scores of the pool's papers, scaled so the most trending is 1."""
        if not len(pool):
            return np.zeros(0, np.float32)
        listed = self.catalog.get_many(pool.ids, with_sources=False)
        scores = trending_scores(self.catalog, self.trending, listed)
        values = np.array([scores[i].score if i in scores else 0.0 for i in pool.ids], np.float32)
        top = float(values.max()) if len(values) else 0.0
        return values / top if top > 0 else values

    def _rank(
        self, cached: _CachedPool, readers: Sequence[Reader], *, limit: int = ranking.TOP_N
    ) -> list[Ranked]:
        signals = signals_by_reader(self.engine, readers)
        follows = interests_by_reader(self.engine, readers)
        seen = self.exclude(readers) if self.exclude is not None else {}
        rated_ids = sorted({s.paper_id for reader in readers for s in signals[reader]})
        vector_ids, vectors = load_vectors(self.engine, rated_ids) if rated_ids else ([], _rows([]))
        if len(vector_ids):
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        rated_vectors = {paper_id: vectors[row] for row, paper_id in enumerate(vector_ids)}
        inputs = [
            ReaderInput(
                signals=signals[reader],
                interests=follows.get(reader, Interests()),
                exclude=frozenset(
                    {s.paper_id for s in signals[reader]} | set(seen.get(reader, ()))
                ),
                query_matches=self._query_matches(cached, follows.get(reader, Interests())),
            )
            for reader in readers
        ]
        return ranking.rank_chunk(
            cached.pool,
            cached.background,
            inputs,
            rated_vectors,
            limit=limit,
            rated_keywords=self._rated_keywords(cached, vector_ids),
        )

    def _rated_keywords(
        self, cached: _CachedPool, paper_ids: Sequence[str]
    ) -> dict[str, npt.NDArray[np.float32]]:
        """Keyword features of rated papers: pool rows as loaded, the others projected from
        their title and abstract (one batched read) into the pool's keyword space, cached."""
        pool, space = cached.pool, cached.pool.keyword_space
        if space is None or not pool.keyword_dimensions:
            return {}
        found: dict[str, npt.NDArray[np.float32]] = {}
        missing: list[str] = []
        for paper_id in paper_ids:
            position = pool.index.get(paper_id)
            if position is not None:
                found[paper_id] = pool.keywords[position]
            elif paper_id in cached.rated_keywords:
                found[paper_id] = cached.rated_keywords[paper_id]
            else:
                missing.append(paper_id)
        p = papers.c
        for start in range(0, len(missing), _TEXT_CHUNK):
            chunk = missing[start : start + _TEXT_CHUNK]
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(p.id, p.title, p.abstract).where(p.id.in_(chunk))
                ).all()
            projected = space.project([paper_terms(row.title, row.abstract) for row in rows])
            if len(cached.rated_keywords) + len(rows) > RATED_KEYWORDS_CACHE:
                cached.rated_keywords.clear()
            for row, features in zip(rows, projected, strict=True):
                found[str(row.id)] = cached.rated_keywords[str(row.id)] = features
        return found

    def _query_matches(self, cached: _CachedPool, follows: Interests) -> dict[str, list[str]]:
        """Saved queries' hits among the pool (one search per query and pool), when a
        searcher was given."""
        if self.searcher is None or not follows.queries:
            return {}
        found: dict[str, list[str]] = {}
        for query in follows.queries:
            if query not in cached.query_matches:
                since, until = cached.window
                filters = SearchFilters(listed_from=since, listed_to=until)
                try:
                    hits = self.searcher.search(query, mode="hybrid", limit=50, filters=filters)
                except QueryError:
                    hits = []
                cached.query_matches[query] = [
                    hit.id for hit in hits if hit.id in cached.pool.index
                ]
            found[query] = cached.query_matches[query]
        return found

    def _store(self, results: Sequence[tuple[Reader, Ranked]]) -> None:
        moment = self.catalog.clock.now().astimezone(dt.UTC)
        rows = [
            {
                "reader": reader.key,
                "computed_at": moment,
                "basis": result.basis,
                "payload": orjson.dumps(
                    {
                        "items": [
                            {"id": paper_id, "score": score}
                            for paper_id, score in zip(result.ids, result.scores, strict=True)
                        ],
                        "queries": result.queries,
                    }
                ),
            }
            for reader, result in results
            if result.basis != "empty"
        ]
        empty = [reader.key for reader, result in results if result.basis == "empty"]
        with write_connection(self.engine) as connection, connection.begin():
            if empty:
                connection.execute(
                    reader_recommendations.delete().where(
                        reader_recommendations.c.reader.in_(empty)
                    )
                )
            if rows:
                insert = dialect_insert(connection, reader_recommendations)
                statement = insert.on_conflict_do_update(
                    index_elements=[reader_recommendations.c.reader],
                    set_={
                        name: insert.excluded[name] for name in ("computed_at", "basis", "payload")
                    },
                )
                connection.execute(statement, rows)


def _catalog_version(engine: sa.Engine) -> tuple[int, int]:
    """Two indexed max() lookups: any paper change or stored vector moves one of them."""
    with engine.connect() as connection:
        papers_seq = connection.execute(sa.select(sa.func.max(papers.c.change_seq))).scalar()
        vectors_seq = connection.execute(
            sa.select(sa.func.max(paper_vectors.c.stored_seq))
        ).scalar()
    return int(papers_seq or 0), int(vectors_seq or 0)


def _rows(vectors: Sequence[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
    if not vectors:
        return np.zeros((0, 0), np.float32)
    return np.stack(vectors).astype(np.float32)
