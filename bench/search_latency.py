"""Search latency at scale: synthetic corpora of 100k and 1M papers, 200 queries each.

Reports index build time and size, process RSS, and p50/p95/p99 for keyword, semantic,
hybrid and hybrid+filter (the query embedding excluded, and measured on its own), the
recall@10 of the vector index against exact search, and - for the smaller corpus - the
same queries answered by a plain per-query scan over every paper (what arxiv-sanity-lite
does), with the ratio. Text has a Zipf vocabulary; vectors are drawn around clusters so
that neighbours exist (uniform random vectors have no structure and make recall
meaningless). Prints a table and writes bench/results/search_latency.json.

    python bench/search_latency.py [--sizes 100000 1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from paperwire.catalog.model import Authority, Link, Paper
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.filters import SearchFilters
from paperwire.search.fusion import weighted_score_fusion
from paperwire.search.keyword import KeywordIndex
from paperwire.search.query import parse_query
from paperwire.search.searcher import CANDIDATES, KEYWORD_WEIGHT, SEMANTIC_WEIGHT
from paperwire.search.vectors import VectorIndex, exact_search

HERE = Path(__file__).parent
DIMENSIONS = 384
CLUSTERS = 2000
CATEGORIES = ["cs.cv", "cs.lg", "cs.cl", "hep-th", "quant-ph", "math.ap", "astro-ph.ga", "q-bio"]


def vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)}
    return sorted(words)


class ZipfText:
    def __init__(self, words: list[str], rng: np.random.Generator) -> None:
        self.words = words
        ranks = np.arange(1, len(words) + 1)
        weights = 1.0 / ranks**1.07
        self.cumulative = np.cumsum(weights / weights.sum())
        self.rng = rng

    def sample(self, count: int) -> list[str]:
        picks = np.searchsorted(self.cumulative, self.rng.random(count))
        return [self.words[min(i, len(self.words) - 1)] for i in picks]


def papers(count: int, text: ZipfText, rng: random.Random, offset: int = 0) -> list[Paper]:
    result = []
    title_words = text.sample(count * 9)
    abstract_words = text.sample(count * 120)
    for index in range(count):
        title = " ".join(title_words[index * 9 : index * 9 + rng.randint(5, 9)])
        abstract = " ".join(abstract_words[index * 120 : index * 120 + rng.randint(60, 120)])
        result.append(
            Paper(
                id=f"{1501 + (offset + index) // 99_999:04d}.{(offset + index) % 99_999 + 1:05d}",
                title=title,
                abstract=abstract,
                authors=[f"Author {rng.randint(1, 50_000)}" for _ in range(rng.randint(1, 5))],
                categories=[rng.choice(CATEGORIES)],
                version=1,
                submitted=dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3650)),
                updated=None,
                doi=None,
                journal_ref=None,
                comments=None,
                license=None,
                links=[Link("code", "https://github.com/o/r")] if rng.random() < 0.1 else [],
                listed_on=None,
                extras={},
                authority=Authority.ARXIV,
                withdrawn=False,
            )
        )
    return result


def clustered_vectors(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    centers = rng.standard_normal((CLUSTERS, DIMENSIONS)).astype(np.float32)
    assignment = rng.integers(0, CLUSTERS, count)
    vectors = centers[assignment] + 0.35 * rng.standard_normal((count, DIMENSIONS)).astype(
        np.float32
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, centers


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def timed(run: Callable[[int], object], count: int) -> dict[str, float]:
    samples = []
    for index in range(count):
        started = time.perf_counter()
        run(index)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def scan_keyword(corpus: list[Paper], words: list[str], limit: int = 10) -> list[str]:
    """The per-query scan: score every paper by counting query words (no index)."""
    wanted = set(words)
    scored = []
    for paper in corpus:
        tokens = (paper.title + " " + paper.abstract).split()
        score = sum(1 for token in tokens if token in wanted)
        if score:
            scored.append((score, paper.id))
    scored.sort(reverse=True)
    return [paper_id for _, paper_id in scored[:limit]]


def run_size(size: int, query_count: int, workdir: Path) -> dict[str, object]:
    rng = random.Random(size)
    numpy_rng = np.random.default_rng(size)
    text = ZipfText(vocabulary(rng), numpy_rng)
    vectors, centers = clustered_vectors(size, numpy_rng)
    figures: dict[str, object] = {"papers": size}

    # Papers are generated and indexed a chunk at a time (1 M at once would not fit); only
    # the 100k corpus is kept, for the scan baseline.
    started = time.perf_counter()
    keyword = KeywordIndex.open(workdir / f"keyword-{size}")
    ids: list[str] = []
    category: dict[str, str] = {}
    corpus: list[Paper] = []
    for start in range(0, size, 50_000):
        chunk = papers(min(50_000, size - start), text, rng, offset=start)
        keyword.add(chunk)
        ids.extend(paper.id for paper in chunk)
        category.update((paper.id, paper.categories[0]) for paper in chunk)
        if size <= 100_000:
            corpus.extend(chunk)
    keyword.commit()
    figures["keyword_build_s"] = round(time.perf_counter() - started, 1)
    figures["keyword_mb"] = round(_size(workdir / f"keyword-{size}") / 1e6, 1)

    started = time.perf_counter()
    index = VectorIndex.open(workdir / f"vectors-{size}")
    for start in range(0, size, 100_000):
        index.add(ids[start : start + 100_000], vectors[start : start + 100_000])
    index.save()
    figures["vector_build_s"] = round(time.perf_counter() - started, 1)
    figures["vector_mb"] = round(_size(workdir / f"vectors-{size}") / 1e6, 1)

    query_words = [text.sample(rng.randint(2, 3)) for _ in range(query_count)]
    queries = [parse_query(" ".join(words)) for words in query_words]
    picks = numpy_rng.integers(0, CLUSTERS, query_count)
    query_vectors = centers[picks] + 0.35 * numpy_rng.standard_normal((query_count, DIMENSIONS))
    query_vectors = (query_vectors / np.linalg.norm(query_vectors, axis=1, keepdims=True)).astype(
        np.float32
    )
    physics = SearchFilters(categories=("hep-th",))

    def keyword_query(i: int) -> object:
        return keyword.search(queries[i], limit=CANDIDATES)

    def semantic_query(i: int) -> object:
        return index.search(query_vectors[i], k=CANDIDATES)

    def hybrid_query(i: int) -> object:
        hits = [(h.id, h.score) for h in keyword.search(queries[i], limit=CANDIDATES)]
        near = index.search(query_vectors[i], k=CANDIDATES)
        return weighted_score_fusion([hits, near], [KEYWORD_WEIGHT, SEMANTIC_WEIGHT])

    def hybrid_filtered(i: int) -> object:
        hits = [
            (h.id, h.score) for h in keyword.search(queries[i], limit=CANDIDATES, filters=physics)
        ]
        near = [
            (p, s)
            for p, s in index.search(query_vectors[i], k=CANDIDATES * 4)
            if category[p] == "hep-th"
        ][:CANDIDATES]
        return weighted_score_fusion([hits, near], [KEYWORD_WEIGHT, SEMANTIC_WEIGHT])

    for name, run in (
        ("keyword", keyword_query),
        ("semantic", semantic_query),
        ("hybrid", hybrid_query),
        ("hybrid+filter", hybrid_filtered),
    ):
        run(0)  # warm caches
        figures[name] = timed(run, query_count)

    exact_sample = min(query_count, 100)
    hits = 0
    for i in range(exact_sample):
        truth = {p for p, _ in exact_search(ids, vectors, query_vectors[i], 10)}
        hits += len(truth & {p for p, _ in index.search(query_vectors[i], k=10)})
    figures["vector_recall@10"] = round(hits / (10 * exact_sample), 4)
    figures["similar"] = timed(lambda i: index.similar(ids[i * 7 % size], 10), query_count)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    if size <= 100_000:
        scan_runs = min(query_count, 50)
        scan = timed(lambda i: scan_keyword(corpus, query_words[i]), scan_runs)
        figures["scan_keyword"] = scan
        figures["scan_vs_hybrid_p50"] = round(
            scan["p50_ms"] / max(figures["hybrid"]["p50_ms"], 1e-6), 1
        )  # type: ignore[index]
    keyword.close()
    index.close()
    return figures


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    embedder = MiniLmEmbedder()
    phrases = [
        " ".join(
            random.Random(i).sample(
                [
                    "graph",
                    "neural",
                    "segmentation",
                    "protein",
                    "diffusion",
                    "quantum",
                    "language",
                    "model",
                    "medical",
                    "images",
                ],
                4,
            )
        )
        for i in range(args.queries)
    ]
    embedder.embed(phrases[:1])
    embedding = timed(lambda i: embedder.embed([phrases[i]]), args.queries)
    results: dict[str, object] = {"query_embedding": embedding}
    print(f"query embedding: {embedding}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            figures = run_size(size, args.queries, Path(tmp))
            results[str(size)] = figures
            print(json.dumps(figures, indent=1), flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "search_latency.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
