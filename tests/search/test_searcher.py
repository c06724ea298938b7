"""The Searcher over real indexes built from the demo corpus (keyword, semantic, hybrid)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.catalog.store import Catalog
from paperwire.demo import load_demo
from paperwire.search.embed_job import embed_pending
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.filters import SearchFilters
from paperwire.search.keyword import KeywordIndex
from paperwire.search.query import QueryError
from paperwire.search.searcher import Searcher
from paperwire.search.vectors import VectorIndex
from tests.search.test_keyword import MEDICAL_SEGMENTATION


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    root: Path = tmp_path_factory.mktemp("searcher")
    catalog = Catalog.open(f"sqlite:///{root / 'catalog.db'}")
    load_demo(catalog)
    # 64 tokens keep the module fast; the query side uses the same embedder.
    embedder = MiniLmEmbedder(max_tokens=64)
    embed_pending(catalog, embedder)
    keyword = KeywordIndex.open(root / "keyword")
    keyword.rebuild(catalog)
    vectors = VectorIndex.open(root / "vectors")
    vectors.rebuild(catalog)
    yield Searcher(catalog, keyword, vectors, embedder)
    keyword.close()
    vectors.close()
    catalog.close()


def ids(results: list) -> list[str]:  # type: ignore[type-arg]
    return [result.id for result in results]


def test_every_mode_ranks_medical_segmentation_first(searcher: Searcher) -> None:
    for mode in ("keyword", "semantic", "hybrid"):
        top = ids(searcher.search("medical image segmentation", mode=mode, limit=4))  # type: ignore[arg-type]
        assert len(set(top) & MEDICAL_SEGMENTATION) >= 3, (mode, top)


def test_semantic_finds_meaning_without_shared_words(searcher: Searcher) -> None:
    # No query word is in these titles ("CT scans", "organs" vs "medical image segmentation").
    top = ids(searcher.search("delineating organs in CT scans", mode="semantic", limit=5))
    assert set(top) & MEDICAL_SEGMENTATION


def test_hybrid_results_carry_highlights_and_papers(searcher: Searcher) -> None:
    [first] = searcher.search("medical image segmentation", limit=1)
    marked = [
        run["text"].lower() for run in first.highlights["title"] if run["type"] == "highlight"
    ]
    assert "segmentation" in marked
    assert first.paper.id == first.id and first.title == first.paper.title


def test_filters_apply_to_semantic_candidates_too(searcher: Searcher) -> None:
    physics = SearchFilters(categories=("hep-ph",))
    for mode in ("semantic", "hybrid"):
        results = searcher.search("photon production cross sections", mode=mode, filters=physics)  # type: ignore[arg-type]
        assert results
        assert all("hep-ph" in [c.lower() for c in r.paper.categories] for r in results)
    none = searcher.search("medical image segmentation", mode="semantic", filters=physics)
    assert not set(ids(none)) & MEDICAL_SEGMENTATION


def test_sort_by_date_and_paging(searcher: Searcher) -> None:
    by_date = searcher.search("quantum", mode="keyword", limit=10, sort="date")
    dates = [r.paper.submitted for r in by_date if r.paper.submitted]
    assert dates == sorted(dates, reverse=True)
    first = ids(searcher.search("quantum", limit=4))
    second = ids(searcher.search("quantum", limit=4, offset=4))
    assert first and second and not set(first) & set(second)


def test_similar_excludes_the_paper_itself(searcher: Searcher) -> None:
    paper_id = sorted(MEDICAL_SEGMENTATION)[0]
    similar = ids(searcher.similar(paper_id, limit=5))
    assert paper_id not in similar and len(similar) == 5
    assert set(similar) & MEDICAL_SEGMENTATION
    with pytest.raises(KeyError):
        searcher.similar("9999.99999")


@pytest.mark.parametrize("query", ["", "   ", '"', "*", "NEAR ^ ((", "🧬" * 50, "x" * 10_000])
def test_hostile_or_empty_queries_never_raise(searcher: Searcher, query: str) -> None:
    assert isinstance(searcher.search(query), list)


def test_bad_arguments_are_query_errors(searcher: Searcher) -> None:
    with pytest.raises(QueryError):
        searcher.search("x", mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(QueryError):
        searcher.search("x", limit=0)


def test_sort_by_trending_follows_the_community_score(searcher: Searcher) -> None:
    from paperwire.community.trending import TrendingParams, trending_scorer, trending_scores

    searcher.trending_scorer = trending_scorer(searcher.catalog, TrendingParams())
    results = searcher.search("learning", mode="keyword", limit=30, sort="trending")
    assert len(results) >= 5
    scores = trending_scores(searcher.catalog, TrendingParams(), [r.paper for r in results])
    ordered = [scores[r.id].score for r in results]
    assert ordered == sorted(ordered, reverse=True)
    relevance = ids(searcher.search("learning", mode="keyword", limit=30))
    assert set(relevance) == set(ids(results))  # the same matches, another order


def test_sort_by_trending_needs_a_scorer(searcher: Searcher) -> None:
    bare = Searcher(searcher.catalog, searcher.keyword)
    with pytest.raises(ValueError, match="trending scorer"):
        bare.search("learning", mode="keyword", sort="trending")


def test_related_uses_vectors_and_falls_back_to_title_words(searcher: Searcher) -> None:
    paper = searcher.catalog.get(sorted(MEDICAL_SEGMENTATION)[0])
    assert paper is not None
    by_meaning, method = searcher.related(paper, 5)
    assert method == "semantic" and len(by_meaning) == 5
    assert paper.id not in ids(by_meaning)
    words_only = Searcher(searcher.catalog, searcher.keyword)  # no vectors yet
    by_words, method = words_only.related(paper, 5)
    assert method == "keyword" and by_words and paper.id not in ids(by_words)
    assert set(ids(by_words)) & MEDICAL_SEGMENTATION
    assert all(result.highlights == {"title": [], "summary": []} for result in by_words)


def test_nonsense_finds_nothing_by_meaning_below_the_floor(searcher: Searcher) -> None:
    # Before the floor the 100 nearest papers came back, however far from the query.
    for mode in ("semantic", "hybrid"):
        page = searcher.search_page("qzxvbw plorkt fenwazzle", mode=mode)  # type: ignore[arg-type]
        assert page.results == [] and page.total == 0, mode


def test_each_hit_says_how_it_was_found_and_the_page_counts_all(searcher: Searcher) -> None:
    meaning = searcher.search_page("delineating organs in CT scans", mode="semantic", limit=5)
    assert meaning.results and {r.method for r in meaning.results} == {"semantic"}
    # Hybrid: the word matches first, then papers only close in meaning, each labelled.
    mixed = searcher.search_page("quark", mode="hybrid", limit=100)
    assert {r.method for r in mixed.results} == {"keyword", "semantic"}
    words = searcher.search_page("medical image segmentation", mode="keyword", limit=3)
    assert {result.method for result in words.results} == {"keyword"}
    assert words.total > len(words.results)
    every = searcher.search("medical image segmentation", mode="keyword", limit=200)
    assert words.total == len(every)
