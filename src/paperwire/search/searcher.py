"""The Searcher: one query in, fused, filtered, highlighted results out.

What the CLI, the pages and the API call. Keyword hits come from tantivy (BM25), semantic
hits from the vector index, and hybrid fuses the two lists (search/fusion.py, parameters
tuned on SciFact train queries: docs/search.md). Filters apply to both halves: the keyword
index filters natively, semantic candidates are over-fetched and filtered here.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, Unpack

from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog
from paperwire.search.embedder import Embedder, query_text
from paperwire.search.filters import SearchFilters
from paperwire.search.fusion import weighted_score_fusion
from paperwire.search.keyword import Highlights, KeywordIndex
from paperwire.search.query import ParsedQuery, QueryError, parse_query
from paperwire.search.vectors import VectorIndex

# Scores papers for sort="trending" (higher first): the community room's trending score,
# handed in by whoever opens the searcher (search knows nothing of votes).
TrendingScorer = Callable[[Sequence[Paper]], Mapping[str, float]]

Mode = Literal["hybrid", "keyword", "semantic"]
Sort = Literal["relevance", "date", "trending"]
MODES: tuple[Mode, ...] = ("hybrid", "keyword", "semantic")
SORTS: tuple[Sort, ...] = ("relevance", "date", "trending")
MAX_LIMIT = 200

# Fusion, tuned on SciFact train queries (bench/relevance.py, docs/search.md): min-max
# normalised scores, weighted 0.6 keyword / 0.4 semantic, beat reciprocal-rank fusion
# (nDCG@10 0.729 vs 0.711) and were chosen by both halves of a 2-fold cross-validation.
KEYWORD_WEIGHT = 0.6
SEMANTIC_WEIGHT = 0.4
RRF_K = 60.0  # for callers that fuse by rank (the latency benchmark measures both)
# Each half contributes this many candidates to the fusion (more than the page asked for:
# a paper ranked 30th by both halves can beat one ranked 5th by only one).
CANDIDATES = 100
# A search by meaning always has k nearest papers, however far; hits below this cosine
# similarity are dropped, so a query that means nothing here finds nothing by meaning.
# Measured on SciFact (bench/search_floor.py, docs/search.md): no relevance lost.
SEMANTIC_FLOOR = 0.3
# Query embeddings kept (a few MB): repeated queries skip the model.
QUERY_VECTOR_CACHE = 1024
_WORD = re.compile(r"\w+")
Method = Literal["semantic", "keyword"]


class SearchOptions(TypedDict, total=False):
    """search_page's keyword options, for callers that pass them on."""

    mode: Mode
    limit: int
    offset: int
    filters: SearchFilters | None
    sort: Sort
    highlight: bool


@dataclass(frozen=True, slots=True)
class SearchResult:
    id: str
    title: str
    score: float
    highlights: Highlights
    paper: Paper
    # How it was found: "keyword" when the words matched (in hybrid too), "semantic" when
    # only its meaning is close to the query's.
    method: Method = "keyword"


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results and how many the query found in all: exact up to `cap`
    (the candidates each half contributes), at least `cap` when `total == cap`."""

    results: list[SearchResult]
    total: int
    cap: int


class Searcher:
    def __init__(
        self,
        catalog: Catalog,
        keyword: KeywordIndex,
        vectors: VectorIndex | None = None,
        embedder: Embedder | None = None,
        *,
        trending_scorer: TrendingScorer | None = None,
    ) -> None:
        self.catalog = catalog
        self.keyword = keyword
        self.vectors = vectors
        self.embedder = embedder
        self._query_vectors: dict[str, Any] = {}
        self._query_lock = threading.Lock()
        self.trending_scorer = trending_scorer

    def _query_vector(self, text: str) -> Any:
        """The query's embedding; the same query (page 2, the API, the feed) embeds once."""
        with self._query_lock:
            cached = self._query_vectors.get(text)
        if cached is None:
            assert self.embedder is not None
            cached = self.embedder.embed([query_text(text)])[0]
            with self._query_lock:
                self._query_vectors[text] = cached
                if len(self._query_vectors) > QUERY_VECTOR_CACHE:
                    del self._query_vectors[next(iter(self._query_vectors))]
        return cached

    def _by_trending(
        self, ranked: list[tuple[str, float]], papers: dict[str, Paper]
    ) -> list[tuple[str, float]]:
        """The matches in trending order (the scorer handed in), relevance breaking ties."""
        if self.trending_scorer is None:
            raise ValueError("sort='trending' needs a searcher opened with a trending scorer")
        scores = self.trending_scorer([papers[paper_id] for paper_id, _ in ranked])
        return sorted(ranked, key=lambda item: -scores[item[0]])

    @property
    def semantic_available(self) -> bool:
        return self.vectors is not None and self.embedder is not None

    def search(self, query: str, **options: Unpack[SearchOptions]) -> list[SearchResult]:
        """The results of search_page (same options), without the count."""
        return self.search_page(query, **options).results

    def search_page(
        self,
        query: str,
        *,
        mode: Mode = "hybrid",
        limit: int = 20,
        offset: int = 0,
        filters: SearchFilters | None = None,
        sort: Sort = "relevance",
        highlight: bool = True,
    ) -> SearchPage:
        """search(), with the number of papers found and each hit's method."""
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}")
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            raise QueryError(f"limit must be 1..{MAX_LIMIT} and offset >= 0")
        parsed = parse_query(query)
        wanted = max(CANDIDATES, offset + limit)
        if parsed.is_empty:
            return SearchPage([], 0, wanted)
        if mode != "keyword" and not self.semantic_available:
            mode = "keyword"  # no vectors yet: still answer, by words
        ranked, by_words = self._ranked(parsed, mode, wanted, filters)
        # Relevance order needs only the requested page's papers (the candidates beyond it
        # matter for re-sorting by date or trending).
        needed = ranked[: offset + limit] if sort == "relevance" else ranked
        papers = {
            paper.id: paper
            for paper in self.catalog.get_many([i for i, _ in needed], with_sources=False)
        }
        ordered = [(i, score) for i, score in ranked if i in papers]
        if sort == "trending":
            ordered = self._by_trending(ordered, papers)
        else:
            ordered = _sorted(ordered, papers, sort)
        page = ordered[offset : offset + limit]
        highlights = self.keyword.highlighter(parsed) if highlight else None
        results = [
            SearchResult(
                id=paper_id,
                title=papers[paper_id].title,
                score=score,
                highlights=(
                    highlights(papers[paper_id]) if highlights is not None else _no_highlights()
                ),
                paper=papers[paper_id],
                method="keyword" if paper_id in by_words else "semantic",
            )
            for paper_id, score in page
        ]
        # Relevance order loads only the page's papers: the ranking's length is the count.
        total = len(ordered) if sort != "relevance" else max(len(ranked), offset + len(results))
        return SearchPage(results, total, wanted)

    def _ranked(
        self, parsed: ParsedQuery, mode: Mode, wanted: int, filters: SearchFilters | None
    ) -> tuple[list[tuple[str, float]], set[str]]:
        """The fused ranking and the ids the keyword half found."""
        keyword, semantic = self._halves(parsed, mode, wanted, filters)
        by_words = {paper_id for paper_id, _ in keyword}
        if mode == "keyword":
            return keyword, by_words
        if mode == "semantic":
            return semantic, by_words
        fused = weighted_score_fusion([keyword, semantic], [KEYWORD_WEIGHT, SEMANTIC_WEIGHT])
        return fused, by_words

    def _halves(
        self, parsed: ParsedQuery, mode: Mode, wanted: int, filters: SearchFilters | None
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        keyword: list[tuple[str, float]] = []
        semantic: list[tuple[str, float]] = []
        if mode in ("keyword", "hybrid"):
            hits = self.keyword.search(parsed, limit=wanted, filters=filters)
            keyword = [(hit.id, hit.score) for hit in hits]
        if mode in ("semantic", "hybrid"):
            semantic = self._semantic(parsed, wanted, filters)
        return keyword, semantic

    def _semantic(
        self, parsed: ParsedQuery, wanted: int, filters: SearchFilters | None
    ) -> list[tuple[str, float]]:
        assert self.vectors is not None and self.embedder is not None
        text = semantic_text(parsed)
        if not text:
            return []
        vector = self._query_vector(text)
        constrained = bool(parsed.categories or parsed.ids or (filters and not filters.is_empty))
        hits = self.vectors.search(vector, k=wanted * 4 if constrained else wanted)
        hits = [(paper_id, score) for paper_id, score in hits if score >= SEMANTIC_FLOOR]
        if not constrained:
            return hits
        papers = {p.id: p for p in self.catalog.get_many([i for i, _ in hits], with_sources=False)}
        kept = [
            (i, score) for i, score in hits if i in papers and passes(papers[i], parsed, filters)
        ]
        return kept[:wanted]

    def related(self, paper: Paper, limit: int = 10) -> tuple[list[SearchResult], Method]:
        """Papers like `paper`, never itself: by meaning when it has a vector, else (before
        `paperwire embed` reaches it) the papers that best match its title's words. Returns
        the results and which of the two answered."""
        if self.vectors is not None:
            found = self._nearest(paper.id, limit)
            if found:
                return found, "semantic"
        # Only the title's words: no quote, colon or minus in a title becomes query syntax.
        words = parse_query(" ".join(_WORD.findall(paper.title))).terms
        if not words:
            return [], "keyword"
        # Straight to the keyword index for just the hits shown: a search page would rank
        # (and count) a hundred candidates, and a paper page is the site's commonest page.
        by_words = self.keyword.sharing_words(words, limit + 1)
        hits = [hit for hit in by_words if hit.id != paper.id]
        shown = self.catalog.get_many([hit.id for hit in hits[:limit]], with_sources=False)
        papers = {each.id: each for each in shown}
        results = [
            SearchResult(
                id=hit.id,
                title=papers[hit.id].title,
                score=hit.score,
                highlights=_no_highlights(),
                paper=papers[hit.id],
                method="keyword",
            )
            for hit in hits[:limit]
            if hit.id in papers
        ]
        return results, "keyword"

    def similar(self, paper_id: str, limit: int = 10) -> list[SearchResult]:
        """Nearest papers by meaning, excluding the paper itself (empty without vectors)."""
        if self.vectors is None:
            return []
        paper = self.catalog.get(paper_id)
        if paper is None:
            raise KeyError(paper_id)
        return self._nearest(paper.id, limit)

    def _nearest(self, paper_id: str, limit: int) -> list[SearchResult]:
        """similar() for a paper known to exist (no second read of it)."""
        assert self.vectors is not None
        hits = self.vectors.similar(paper_id, k=limit)
        papers = {p.id: p for p in self.catalog.get_many([i for i, _ in hits], with_sources=False)}
        return [
            SearchResult(i, papers[i].title, score, _no_highlights(), papers[i])
            for i, score in hits
            if i in papers
        ]


def _no_highlights() -> Highlights:
    return {"title": [], "summary": []}


def semantic_text(parsed: ParsedQuery) -> str:
    """The words of a query that carry meaning (filters like cat: and id: do not)."""
    words = [*parsed.terms, *(w for phrase in parsed.phrases for w in phrase), *parsed.prefixes]
    words += [w for fielded in parsed.fielded if fielded.field != "author" for w in fielded.words]
    return " ".join(words)


def passes(paper: Paper, parsed: ParsedQuery, filters: SearchFilters | None) -> bool:
    """Whether a semantic candidate meets the query's structured parts and the filters."""
    categories = [c.lower() for c in paper.categories]
    if parsed.ids and paper.id not in parsed.ids:
        return False
    if parsed.categories and not any(_in_category(categories, c) for c in parsed.categories):
        return False
    if filters is None:
        return True
    if filters.categories and not any(_in_category(categories, c) for c in filters.categories):
        return False
    if not _within(paper.submitted, filters.submitted_from, filters.submitted_to):
        return False
    if not _within(paper.listed_on, filters.listed_from, filters.listed_to):
        return False
    if filters.has_code is not None and bool(paper.links_of("code")) != filters.has_code:
        return False
    upvotes = paper.extras.get("upvotes", 0)
    return filters.min_upvotes is None or (
        isinstance(upvotes, int) and upvotes >= filters.min_upvotes
    )


def _in_category(categories: Sequence[str], wanted: str) -> bool:
    return any(c == wanted or c.startswith(wanted + ".") for c in categories)


def _within(day: dt.date | None, low: dt.date | None, high: dt.date | None) -> bool:
    if low is None and high is None:
        return True
    if day is None:
        return False
    return (low is None or day >= low) and (high is None or day <= high)


def _sorted(
    ranked: list[tuple[str, float]], papers: dict[str, Paper], sort: Sort
) -> list[tuple[str, float]]:
    if sort == "date":
        return sorted(
            ranked,
            key=lambda item: (papers[item[0]].submitted or dt.date.min, item[1]),
            reverse=True,
        )
    return ranked
