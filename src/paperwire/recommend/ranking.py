"""Ranking many readers against one pool of candidate papers, vectorised.

The pool is the recent listings with their unit vectors, categories, authors, age and
trending score, loaded once per refresh. Readers are ranked a chunk at a time: their models
are stacked into one (readers, d) matrix and scored against the pool with one matmul; the
top of each reader's column is taken with one argpartition; only MMR over each reader's
head runs per reader. Readers with fewer than MIN_POSITIVES liked papers get the cold-start
blend (followed categories, authors and saved queries, and the trending score) instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from paperwire.catalog.schema import papers
from paperwire.db.values import as_date
from paperwire.recommend.diversity import mmr_batch
from paperwire.recommend.interests import Interests
from paperwire.recommend.keywords import KeywordSpace, paper_terms
from paperwire.recommend.model import Background, ModelParams, normalise_rows, recency_penalty
from paperwire.recommend.signals import Signal
from paperwire.search.vector_store import decode, paper_vectors

Basis = Literal["personal", "cold_start", "empty"]

MIN_POSITIVES = 3
TOP_N = 200  # stored per reader
MMR_POOL = 60  # the head MMR chooses from...
MMR_HEAD = 20  # ...and how many it orders; the rest follow by score
MMR_LAMBDA = 0.7
BACKGROUND_SAMPLE = 500
# MMR's cosines come from the pool's Gram matrix (kept up to this many papers: 64 MB)
# when a chunk has this many readers; else from per-reader products.
GRAM_MAX_PAPERS = 4000
GRAM_READERS = 64
# Cold start: a followed category or author counts as much as the most trending paper.
INTEREST_WEIGHT = 1.0
QUERY_WEIGHT = 1.0
TRENDING_WEIGHT = 0.6
LIKED_WEIGHT = 0.8  # one or two liked papers already say something
# A personal model trained on few likes still hears the reader's declared interests: their
# matches add this much at MIN_POSITIVES likes, fading as 1/likes after (bench/recommend.py's
# learning curve dropped at the third like without it, docs/recommend.md).
PERSONAL_INTEREST_WEIGHT = 1.0
# The model reads [embedding | KEYWORD_WEIGHT x keyword features] (both unit rows): tf-idf LSA
# beside the embedding measured clearly better than the embedding alone (bench/recommend.py,
# docs/recommend.md), and this weight was picked there.
KEYWORD_WEIGHT = 1.0


def model_features(
    vectors: npt.NDArray[np.float32], keywords: npt.NDArray[np.float32] | None
) -> npt.NDArray[np.float32]:
    """What the reader model is fitted on and scores: the embedding rows, with the keyword
    feature rows (weighted) beside them when there are any."""
    if keywords is None or keywords.shape[-1] == 0:
        return vectors
    return np.hstack([vectors, KEYWORD_WEIGHT * keywords]).astype(np.float32)


@dataclass
class Pool:
    """Candidate papers, row-aligned: ids[i] has vectors[i], ages[i], trending[i]..."""

    ids: list[str]
    vectors: npt.NDArray[np.float32]  # unit rows; zeros where a paper has no vector yet
    has_vector: npt.NDArray[np.bool_]
    ages: npt.NDArray[np.float32]  # days since listing
    categories: list[list[str]]
    authors: list[list[str]]
    trending: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))
    # Keyword features (keywords.py), row-aligned; width 0 when built without paper text.
    keywords: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    keyword_space: KeywordSpace | None = None  # the pool's, to project rated papers alike
    index: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, npt.NDArray[np.intp]] = field(default_factory=dict)
    by_author: dict[str, npt.NDArray[np.intp]] = field(default_factory=dict)
    _cold_base: npt.NDArray[np.float32] | None = None
    _gram: npt.NDArray[np.float32] | None = None
    _features: npt.NDArray[np.float32] | None = None

    def __post_init__(self) -> None:
        self.index = {paper_id: row for row, paper_id in enumerate(self.ids)}
        self.by_category = _inverted(self.categories, casefold=False)
        self.by_author = _inverted(self.authors, casefold=True)
        if len(self.trending) != len(self.ids):
            self.trending = np.zeros(len(self.ids), np.float32)
        if len(self.keywords) != len(self.ids):
            self.keywords = np.zeros((len(self.ids), 0), np.float32)

    @property
    def keyword_dimensions(self) -> int:
        return int(self.keywords.shape[1])

    def features(self) -> npt.NDArray[np.float32]:
        """The model's view of every pool paper (cached): embedding | weighted keywords."""
        if self._features is None or len(self._features) != len(self.ids):
            self._features = model_features(self.vectors, self.keywords)
        return self._features

    def cold_base(self) -> npt.NDArray[np.float32]:
        """What every cold-start reader's scores start from: trending and recency."""
        if self._cold_base is None or len(self._cold_base) != len(self.ids):
            self._cold_base = (
                TRENDING_WEIGHT * self.trending.astype(np.float32) + recency_penalty(self.ages)
            ).astype(np.float32)
        return self._cold_base

    def gram(self) -> npt.NDArray[np.float32] | None:
        """All pairwise cosines of the pool (cached), when it is small enough to keep."""
        if len(self.ids) > GRAM_MAX_PAPERS:
            return None
        if self._gram is None:
            self._gram = self.vectors @ self.vectors.T
        return self._gram

    def __len__(self) -> int:
        return len(self.ids)

    def background(self, params: ModelParams, dimensions: int) -> Background:
        """A fixed-seed sample of the pool's papers as the weak negatives of every reader.
        `dimensions` is the embedding's; the keyword features' are added to it."""
        rows = np.flatnonzero(self.has_vector)
        if len(rows) > BACKGROUND_SAMPLE:
            rows = np.random.default_rng(0).choice(rows, BACKGROUND_SAMPLE, replace=False)
        width = dimensions + self.keyword_dimensions
        return Background(self.features()[rows], width, params)


def _inverted(lists: list[list[str]], *, casefold: bool) -> dict[str, npt.NDArray[np.intp]]:
    """Value -> the pool rows that have it (authors match whatever their letter case)."""
    rows: dict[str, list[int]] = {}
    for row, values in enumerate(lists):
        for value in values:
            rows.setdefault(value.casefold() if casefold else value, []).append(row)
    return {key: np.array(found, dtype=np.intp) for key, found in rows.items()}


def load_pool(engine: sa.Engine, listed_from: dt.date, listed_to: dt.date, today: dt.date) -> Pool:
    """The visible papers listed in [listed_from, listed_to], with their vectors and keyword
    features (vocabulary, idf and LSA fitted on these papers): one query."""
    p, v = papers.c, paper_vectors.c
    query = (
        sa.select(p.id, p.listed_on, p.categories, p.authors, p.title, p.abstract, v.vector)
        .select_from(papers.outerjoin(paper_vectors, v.paper_id == p.id))
        .where(
            p.withdrawn.is_(False),
            p.listed_on >= listed_from,
            p.listed_on <= listed_to,
        )
        .order_by(p.listed_on.desc(), p.id.desc())
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    blobs = [row.vector for row in rows if row.vector is not None]
    decoded = normalise_rows(decode(blobs))
    dimensions = decoded.shape[1] if len(blobs) else 0
    vectors = np.zeros((len(rows), dimensions), np.float32)
    has_vector = np.array([row.vector is not None for row in rows], dtype=bool)
    if len(blobs):
        vectors[has_vector] = decoded
    ages = np.array(
        [(today - (as_date(row.listed_on) or today)).days for row in rows], dtype=np.float32
    )
    documents = [paper_terms(row.title, row.abstract) for row in rows]
    space, keywords = KeywordSpace.fit_project(documents)
    return Pool(
        ids=[str(row.id) for row in rows],
        vectors=vectors,
        has_vector=has_vector,
        ages=ages,
        categories=[list(row.categories or []) for row in rows],
        authors=[list(row.authors or []) for row in rows],
        keywords=keywords,
        keyword_space=space,
    )


@dataclass(frozen=True, slots=True)
class ReaderInput:
    """What ranking one reader needs: their signals, interests, and papers to leave out."""

    signals: Sequence[Signal]
    interests: Interests
    exclude: frozenset[str]
    query_matches: Mapping[str, Sequence[str]] = field(default_factory=dict)  # query -> ids


@dataclass(frozen=True, slots=True)
class Ranked:
    basis: Basis
    ids: list[str]
    scores: list[float]
    queries: dict[str, str]  # paper id -> the saved query it matched (cold start reasons)


def opinions(signals: Sequence[Signal]) -> tuple[list[str], list[str]]:
    """Liked and disliked paper ids: a paper's latest signal decides (oldest-first input)."""
    latest: dict[str, int] = {}
    for signal in signals:
        latest[signal.paper_id] = signal.value
    liked = [paper_id for paper_id, value in latest.items() if value > 0]
    disliked = [paper_id for paper_id, value in latest.items() if value < 0]
    return liked, disliked


def rank_chunk(
    pool: Pool,
    background: Background | None,
    readers: Sequence[ReaderInput],
    rated_vectors: Mapping[str, npt.NDArray[np.float32]],
    *,
    limit: int = TOP_N,
    recency_weight: float = 0.1,
    rated_keywords: Mapping[str, npt.NDArray[np.float32]] | None = None,
) -> list[Ranked]:
    """Rank each reader's pool papers: one score row per reader (personal rows from one
    matmul of stacked models), then the top, exclusions and MMR for all rows at once.

    `rated_vectors` are the rated papers' unit embeddings; `rated_keywords` their keyword
    features in the pool's keyword space (a rated paper without any has zero keywords)."""
    bases: list[Basis] = []
    personal: list[int] = []
    liked_counts: list[int] = []
    rated: list[tuple[npt.ArrayLike, npt.ArrayLike]] = []
    cold: list[int] = []
    features = _RatedFeatures(pool, rated_vectors, rated_keywords or {})
    for position, reader in enumerate(readers):
        liked, disliked = opinions(reader.signals)
        liked_known = [i for i in liked if i in rated_vectors]
        if background is not None and len(liked_known) >= MIN_POSITIVES:
            negatives = [i for i in disliked if i in rated_vectors]
            rated.append((features.rows(liked_known), features.rows(negatives)))
            personal.append(position)
            liked_counts.append(len(liked_known))
            bases.append("personal")
        elif reader.signals or reader.interests:
            cold.append(position)
            bases.append("cold_start")
        else:
            bases.append("empty")
    scored = personal + cold
    if not scored or not len(pool):
        return [Ranked(basis, [], [], {}) for basis in bases]
    matrix = np.empty((len(scored), len(pool)), np.float32)
    if personal and background is not None:
        weights, biases = background.fit_many(rated)
        matrix[: len(personal)] = weights @ pool.features().T + biases[:, None]
        matrix[: len(personal)] += recency_penalty(pool.ages, weight=recency_weight)[None, :]
    queries: dict[int, dict[str, str]] = {}
    for row, position in enumerate(personal):
        reader = readers[position]
        if reader.interests:
            matched, queries[position] = _interest_matches(pool, reader)
            fade = MIN_POSITIVES / liked_counts[row]
            matrix[row] += PERSONAL_INTEREST_WEIGHT * fade * matched
    if personal:
        matrix[: len(personal), ~pool.has_vector] = -np.inf
    for row, position in enumerate(cold, start=len(personal)):
        matrix[row], queries[position] = _cold_scores(pool, readers[position], rated_vectors)
    _exclude(pool, matrix, [readers[position].exclude for position in scored])
    order, values = _top_rows(pool, matrix, limit)
    results = [Ranked(basis, [], [], {}) for basis in bases]
    ids = np.array(pool.ids, dtype=object)
    for row, position in enumerate(scored):
        keep = np.isfinite(values[row])
        picked = ids[order[row][keep]].tolist()
        found = queries.get(position, {})
        results[position] = Ranked(
            bases[position],
            picked,
            np.round(values[row][keep].astype(np.float64), 5).tolist(),
            {paper_id: found[paper_id] for paper_id in picked if paper_id in found},
        )
    return results


class _RatedFeatures:
    """Rated papers' model rows (embedding | weighted keywords), each built once per chunk."""

    def __init__(
        self,
        pool: Pool,
        vectors: Mapping[str, npt.NDArray[np.float32]],
        keywords: Mapping[str, npt.NDArray[np.float32]],
    ) -> None:
        self.width = pool.vectors.shape[1] + pool.keyword_dimensions
        self._vectors, self._keywords = vectors, keywords
        self._none = np.zeros(pool.keyword_dimensions, np.float32)
        self._rows: dict[str, npt.NDArray[np.float32]] = {}

    def rows(self, paper_ids: Sequence[str]) -> npt.NDArray[np.float32]:
        found = []
        for paper_id in paper_ids:
            row = self._rows.get(paper_id)
            if row is None:
                words = self._keywords.get(paper_id, self._none)
                row = model_features(self._vectors[paper_id][None, :], words[None, :])[0]
                self._rows[paper_id] = row
            found.append(row)
        return np.array(found, np.float32).reshape(-1, self.width)


def _cold_scores(
    pool: Pool, reader: ReaderInput, rated_vectors: Mapping[str, npt.NDArray[np.float32]]
) -> tuple[npt.NDArray[np.float32], dict[str, str]]:
    """Followed categories, authors and saved queries, trending, and a nod to the one or
    two papers already liked."""
    scores = pool.cold_base().copy()
    matched, queries = _interest_matches(pool, reader)
    scores += matched
    liked, _ = opinions(reader.signals)
    liked_vectors = [rated_vectors[i] for i in liked if i in rated_vectors]
    if liked_vectors and pool.vectors.shape[1]:
        unit = normalise_rows(np.array(liked_vectors, np.float32))
        scores += LIKED_WEIGHT * np.maximum(pool.vectors @ unit.T, 0).max(axis=1)
    return scores, queries


def _interest_matches(
    pool: Pool, reader: ReaderInput
) -> tuple[npt.NDArray[np.float32], dict[str, str]]:
    """How well each pool paper matches the reader's followed categories, authors and saved
    queries (and which query found it)."""
    matched = np.zeros(len(pool), np.float32)
    for category in reader.interests.categories:
        matched[pool.by_category.get(category, _NONE)] = INTEREST_WEIGHT
    for author in reader.interests.authors:
        matched[pool.by_author.get(author.casefold(), _NONE)] += INTEREST_WEIGHT
    queries: dict[str, str] = {}
    for query in reader.interests.queries:
        hits = [pool.index[i] for i in reader.query_matches.get(query, ()) if i in pool.index]
        for rank, row in enumerate(hits):
            matched[row] += QUERY_WEIGHT * (1.0 - rank / (2 * max(len(hits), 1)))
            queries.setdefault(pool.ids[row], query)
    return matched, queries


_NONE = np.zeros(0, dtype=np.intp)


def _exclude(
    pool: Pool, matrix: npt.NDArray[np.float32], excluded: Sequence[frozenset[str]]
) -> None:
    rows: list[int] = []
    columns: list[int] = []
    for row, papers_out in enumerate(excluded):
        for paper_id in papers_out:
            column = pool.index.get(paper_id)
            if column is not None:
                rows.append(row)
                columns.append(column)
    if rows:
        matrix[np.array(rows), np.array(columns)] = -np.inf


def _top_rows(
    pool: Pool, matrix: npt.NDArray[np.float32], limit: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """Each row's best `limit` columns: the first MMR_HEAD chosen by MMR among the best
    MMR_POOL, the rest by score. Columns and their scores (-inf: nothing there)."""
    count = min(limit, matrix.shape[1])
    if count < matrix.shape[1]:
        top = np.argpartition(-matrix, count - 1, axis=1)[:, :count]
    else:
        top = np.tile(np.arange(matrix.shape[1]), (matrix.shape[0], 1))
    values = np.take_along_axis(matrix, top, axis=1)
    ranked = np.argsort(-values, axis=1, kind="stable")
    top = np.take_along_axis(top, ranked, axis=1)
    values = np.take_along_axis(values, ranked, axis=1)
    head = min(MMR_POOL, count)
    if pool.vectors.shape[1] and head > 1:
        heads = top[:, :head]
        gram = pool.gram() if len(heads) >= GRAM_READERS else None
        picks = mmr_batch(
            values[:, :head],
            pool.vectors[heads] if gram is None else np.zeros((0, 0, 0), np.float32),
            MMR_HEAD,
            MMR_LAMBDA,
            unit_rows=True,
            similarity=None if gram is None else gram[heads[:, :, None], heads[:, None, :]],
        )
        key = np.tile(np.arange(count, dtype=np.float64) + count, (len(top), 1))
        rows, steps = np.nonzero(picks >= 0)
        key[rows, picks[rows, steps]] = steps
        reorder = np.argsort(key, axis=1, kind="stable")
        top = np.take_along_axis(top, reorder, axis=1)
        values = np.take_along_axis(values, reorder, axis=1)
    return top, values
