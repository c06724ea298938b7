"""Recommendation quality and speed on SciFact with simulated readers (issue 11).

Topics are k-means clusters of tf-idf + LSA features; readers like 1-3 topics (with noise),
are trained on the earlier listings and scored on the later ones. Four methods: paperwire's
model (recommend/model.py, with and without MMR), the cold-start path (declared topics
only), trending (no personalisation) and arxiv-sanity-lite's tf-idf + per-reader LinearSVC.
Then the learning curve (1, 3, 10, 30 clicks) and the scale run (recommend_bulk.py).
Prints tables, writes bench/results/recommend.json. The corpus is read from ../shared and
never copied; its vectors are cached in bench/results/ (first run: embedding, minutes).

    OPENBLAS_NUM_THREADS=1 python bench/recommend.py [--readers 200] [--seed 11] [--skip-scale]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.decomposition import TruncatedSVD

from paperwire.recommend.interests import Interests
from paperwire.recommend.keywords import DIMENSIONS as SHIPPED_KEYWORDS
from paperwire.recommend.keywords import KeywordSpace
from paperwire.recommend.model import Background, ModelParams, normalise_rows
from paperwire.recommend.ranking import (
    BACKGROUND_SAMPLE,
    Pool,
    ReaderInput,
    model_features,
    rank_chunk,
)
from paperwire.recommend.signals import Signal
from recommend_bulk import page_latency, scale
from recommend_data import DEFAULT_DATA, RESULTS, Topics, embed_segment, embeddings, load_corpus
from recommend_data import make_topics as cluster
from recommend_keywords import product_features, summary, sweep
from recommend_page import measure
from recommend_sim import (
    DEPTH,
    Rows,
    SimReader,
    community_upvotes,
    intra_list_similarity,
    metrics,
    ours,
    simulate,
    split,
    svm,
)

CURVE = (1, 3, 10, 30)
LSA_DIMENSIONS = 256  # the bench-only reference the product's keyword features are held to
# The model as it shipped before the keyword features (ridge 1 suited embeddings alone).
EMBEDDING_ONLY = ModelParams(ridge=1.0, background_mass=50.0)
SVM = "arxiv-sanity-lite (tf-idf + LinearSVC)"
QUERY_HITS = 100  # what a saved search contributes to the cold-start blend
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def make_pool(
    ids: list[str],
    vectors: npt.NDArray[np.float32],
    trending: Any,
    keywords: npt.NDArray[np.float32],
    space: KeywordSpace,
) -> Pool:
    """The engine's candidate pool over the test period: all listed 'today' (no recency
    effect: the split already makes them the newest), no categories or authors (SciFact
    has none: the readers' topics are saved searches), keyword features as load_pool
    makes them."""
    count = len(ids)
    return Pool(
        ids=ids,
        vectors=vectors,
        has_vector=np.ones(count, bool),
        ages=np.zeros(count, np.float32),
        categories=[[] for _ in ids],
        authors=[[] for _ in ids],
        trending=np.asarray(trending, np.float32),
        keywords=keywords,
        keyword_space=space,
    )


def keyword_features(topics: Topics, seed: int, dimensions: int = LSA_DIMENSIONS) -> Any:
    """Unit LSA rows of the tf-idf matrix (another rank than the clustering's 100)."""
    reduced = TruncatedSVD(dimensions, random_state=seed + 5).fit_transform(topics.tfidf)
    return normalise_rows(reduced)


def background_rows(pool: Pool) -> Rows:
    """The rows Pool.background samples (the engine's fixed-seed 500)."""
    rows = np.flatnonzero(pool.has_vector)
    if len(rows) > BACKGROUND_SAMPLE:
        rows = np.random.default_rng(0).choice(rows, BACKGROUND_SAMPLE, replace=False)
    return rows.astype(np.intp)


def query_matches(topics: Topics, pool_rows: Rows) -> dict[str, list[str]]:
    """Each topic's name searched by keyword (tf-idf cosine) over the pool, best first."""
    queries = [topics.query(t) for t in range(len(topics.names))]
    scores = (topics.vectoriser.transform(queries) @ topics.tfidf[pool_rows].T).toarray()
    found = {}
    for query, row in zip(queries, scores, strict=True):
        best = np.argsort(-row)[:QUERY_HITS]
        found[query] = [str(int(pool_rows[i])) for i in best if row[i] > 0]
    return found


def served(
    pool: Pool,
    background: Any,
    reader: SimReader,
    topics: Topics,
    matches: dict[str, list[str]],
    unit: npt.NDArray[np.float32],
    words: npt.NDArray[np.float32],
    clicks: int | None,
    *,
    declared: bool = True,
) -> Rows:
    """What the engine's ranking (ranking.rank_chunk) serves this reader: the cold-start
    blend below 3 liked papers, the personal model (embedding + keyword features) with MMR
    from 3 on. `clicks` None: all of the reader's history."""
    liked, disliked = reader.prefix(clicks) if clicks != 0 else ([], [])
    signals = [
        Signal(str(row), "digest", value, EPOCH)
        for row, value in reader.stream
        if row in set(liked) | set(disliked)
    ]
    queries = tuple(topics.query(t) for t in reader.topics) if declared else ()
    entry = ReaderInput(signals, Interests(queries=queries), frozenset(), matches)
    rated = {str(row): unit[row] for row in liked + disliked}
    keywords = {str(row): words[row] for row in liked + disliked}
    (result,) = rank_chunk(
        pool, background, [entry], rated, limit=DEPTH, recency_weight=0.0, rated_keywords=keywords
    )
    return np.array([pool.index[i] for i in result.ids], dtype=np.intp)


def summarise(values: list[dict[str, float]]) -> dict[str, float]:
    return {name: round(statistics.fmean(v[name] for v in values), 4) for name in values[0]}


def ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": round(1000 * ordered[len(ordered) // 2], 2),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    corpus = load_corpus(args.data)
    unit = embeddings(corpus, threads=2)
    started = time.perf_counter()
    topics = cluster(corpus.texts, args.topics, args.seed)
    print(f"topics: {args.topics} k-means clusters in {time.perf_counter() - started:.1f} s")
    times = split(len(corpus.ids), args.seed)
    readers = simulate(topics.labels, times, args.readers, args.seed + 1)
    community = simulate(topics.labels, times, 1000, args.seed + 2)
    trending = community_upvotes(community, times, args.seed + 3)
    pool_rows = times.test
    # The product's keyword features: fitted on the pool, every paper projected into them.
    space, words, keyword_seconds = product_features(
        corpus.texts, pool_rows, args.keyword_dimensions
    )
    pool = make_pool(
        [str(int(r)) for r in pool_rows], unit[pool_rows], trending, words[pool_rows], space
    )
    background = pool.background(ModelParams(), unit.shape[1])
    features = model_features(unit, words)  # what rank_chunk fits and scores
    matches = query_matches(topics, pool_rows)
    trending_order = np.argsort(-trending, kind="stable")[:DEPTH].astype(np.intp)
    sample = background_rows(pool)
    embedding_only = Background(unit[pool_rows][sample], unit.shape[1], EMBEDDING_ONLY)
    # The bench-only reference: arxiv-sanity-lite's tf-idf reduced by scikit-learn's LSA,
    # both fitted on the whole corpus (the product fits on the pool only).
    lsa = keyword_features(topics, args.seed)
    hybrid = np.hstack([unit, lsa])
    hybrid_background = Background(hybrid[pool_rows][sample], hybrid.shape[1], ModelParams())
    swept = sweep(corpus.texts, unit, lsa, pool_rows, sample, readers) if args.sweep else {}

    def shipped(reader: SimReader, clicks: int | None = None) -> tuple[Rows, float]:
        return _timed(
            lambda: served(
                pool, background, reader, topics, matches, unit, words, clicks, declared=False
            )
        )

    methods: dict[str, Callable[[SimReader], tuple[Rows, float]]] = {
        "ours as shipped (embedding + keywords) + MMR": shipped,
        "ours as shipped, no MMR": lambda r: ours(
            background, features, pool_rows, *r.prefix(None), diverse=False
        ),
        "ours, embedding only (before) + MMR": lambda r: ours(
            embedding_only, unit, pool_rows, *r.prefix(None), diverse=True
        ),
        "ours + bench-only LSA (reference) + MMR": lambda r: ours(
            hybrid_background, hybrid, pool_rows, *r.prefix(None), diverse=True
        ),
        "cold start (declared topics only)": lambda r: _timed(
            lambda: served(pool, background, r, topics, matches, unit, words, 0)
        ),
        "trending (same for everyone)": lambda r: (trending_order, 0.0),
        SVM: lambda r: svm(topics.tfidf, pool_rows, r.prefix(None)[0]),
    }
    table: dict[str, Any] = {}
    for name, method in methods.items():
        started = time.perf_counter()
        rows, seconds, diversity = [], [], []
        for reader in readers:
            ranked, took = method(reader)
            rows.append(metrics(ranked, pool_rows, reader.relevant))
            seconds.append(took)
            diversity.append(intra_list_similarity(unit[pool_rows], ranked))
        table[name] = {
            **summarise(rows),
            **ms(seconds),
            "intra_list_similarity@10": round(statistics.fmean(diversity), 4),
        }
        print(f"{name}: {table[name]} ({time.perf_counter() - started:.0f} s)", flush=True)

    curve: dict[str, dict[str, float]] = {}
    for clicks in CURVE:
        rows_of: dict[str, list[float]] = {}
        for reader in readers:
            liked, disliked = reader.prefix(clicks)
            pages = {
                "ours (model + MMR)": ours(
                    background, features, pool_rows, liked, disliked, diverse=True
                )[0],
                "ours as served (cold-start blend below 3 likes)": served(
                    pool, background, reader, topics, matches, unit, words, clicks
                ),
                "ours, embedding only": ours(
                    embedding_only, unit, pool_rows, liked, disliked, diverse=True
                )[0],
                "ours + bench-only LSA": ours(
                    hybrid_background, hybrid, pool_rows, liked, disliked, diverse=True
                )[0],
                "arxiv-sanity-lite": svm(topics.tfidf, pool_rows, liked)[0],
            }
            for name, page in pages.items():
                score = metrics(page, pool_rows, reader.relevant)["ndcg@10"]
                rows_of.setdefault(name, []).append(score)
        curve[str(clicks)] = {
            name: round(statistics.fmean(values), 4) for name, values in rows_of.items()
        }
        print(f"after {clicks} clicks: {curve[str(clicks)]}", flush=True)
    relevant = [len(reader.relevant) for reader in readers]
    setup = {
        "papers": len(corpus.ids),
        "train_period": len(times.train),
        "candidate_pool": len(pool_rows),
        "topics": args.topics,
        "topic_sizes": sorted(int(n) for n in np.bincount(topics.labels)),
        "topic_names_sample": [topics.query(t) for t in range(5)],
        "readers": args.readers,
        "likes_per_reader_mean": round(
            statistics.fmean(len(r.prefix(None)[0]) for r in readers), 1
        ),
        "dislikes_per_reader_mean": round(
            statistics.fmean(len(r.prefix(None)[1]) for r in readers), 1
        ),
        "relevant_per_reader_median": int(statistics.median(relevant)),
        "recall@50_ceiling": round(statistics.fmean(min(1.0, 50 / n) for n in relevant), 4),
        "seed": args.seed,
        "keywords": summary(space, keyword_seconds),
    }
    return {
        "setup": setup,
        "methods": table,
        "learning_curve_ndcg@10": curve,
        "keyword_sweep": swept,
        "unit": unit,
        "texts": corpus.texts,
        "readers": readers,
        "times": times,
    }


def _timed(call: Callable[[], Rows]) -> tuple[Rows, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def print_tables(result: dict[str, Any]) -> None:
    columns = ("P@10", "nDCG@10", "R@50", "p50 ms", "p95 ms", "ILS@10")
    print(f"\n{'method':<42} " + " ".join(f"{name:>8}" for name in columns))
    for name, row in result["methods"].items():
        print(
            f"{name:<42} {row['precision@10']:>8.3f} {row['ndcg@10']:>8.3f} "
            f"{row['recall@50']:>8.3f} {row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} "
            f"{row['intra_list_similarity@10']:>8.3f}"
        )
    print("\nnDCG@10 after N liked papers")
    for clicks, row in result["learning_curve_ndcg@10"].items():
        print(f"  {clicks:>3}: " + "  ".join(f"{name} {value:.3f}" for name, value in row.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--topics", type=int, default=30)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scale-readers", type=int, default=10_000)
    parser.add_argument("--scale-papers", type=int, default=2_000)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-page", action="store_true", help="no SQLite page timing")
    parser.add_argument("--sweep", action="store_true", help="keyword LSA size x weight")
    parser.add_argument("--keyword-dimensions", type=int, default=SHIPPED_KEYWORDS)
    parser.add_argument("--out", type=Path, default=RESULTS / "recommend.json")
    parser.add_argument(
        "--embed-from",
        type=int,
        default=None,
        help="only embed rows from here on into the cache (a second process can share the work)",
    )
    args = parser.parse_args()
    if args.embed_from is not None:
        corpus = load_corpus(args.data)
        embed_segment(corpus, args.embed_from, len(corpus.ids), threads=1)
        return
    result = evaluate(args)
    unit = result.pop("unit")
    texts, readers, times = result.pop("texts"), result.pop("readers"), result.pop("times")
    if not args.skip_page:
        result["product_page"] = page = measure(args.data, unit, times, readers)
        svm_ms = result["methods"][SVM]["p50_ms"]
        page["svm_request_over_page_p50"] = round(svm_ms / page["page_recommend_20"]["p50_ms"], 1)
        page["svm_request_over_ranking_read_p50"] = round(
            svm_ms / page["ranking_read"]["p50_ms"], 1
        )
        page["svm_request_over_refit_p50"] = round(
            svm_ms / page["refit_refresh_reader"]["p50_ms"], 1
        )
        print(json.dumps({"product_page": page}, indent=2), flush=True)
    if not args.skip_scale:
        result["scale"] = scale(unit, texts, args.scale_readers, args.scale_papers, args.seed)
        result["one_reader_refit"] = page_latency(unit, texts, args.scale_papers, args.seed)
        print(json.dumps({k: result[k] for k in ("scale", "one_reader_refit")}, indent=2))
    result["machine"] = {
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "load_average_at_end": round(os.getloadavg()[0], 1),
    }
    print_tables(result)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
