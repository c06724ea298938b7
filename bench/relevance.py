"""Relevance benchmark on any BEIR-layout folder (default: ../shared/bench/scifact).

Ingests the corpus into a fresh catalog, embeds it, builds both indexes, then for every
query takes the top 100 of the keyword and the semantic search and reports nDCG@10,
Recall@10 and Recall@100 for keyword, semantic and hybrid (the fusion the Searcher uses),
plus a small grid of fusion settings scored with 2-fold cross-validation (tuned on one
half of the queries, scored on the other), so the tuned figure is not a fit to the test.
The corpus is evaluation-only data: it is read from its folder and never copied.

    python bench/relevance.py [--data DIR] [--split train] [--limit-queries N]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from paperwire.catalog.model import Authority, PaperRecord
from paperwire.catalog.store import Catalog
from paperwire.ingest.records import build_record
from paperwire.search import searcher as searcher_module
from paperwire.search.embed_job import embed_pending
from paperwire.search.embedder import MiniLmEmbedder, query_text
from paperwire.search.fusion import reciprocal_rank_fusion, weighted_score_fusion
from paperwire.search.keyword import FieldWeights, KeywordIndex
from paperwire.search.metrics import ndcg_at_k, recall_at_k
from paperwire.search.query import parse_query
from paperwire.search.vectors import VectorIndex

HERE = Path(__file__).parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "bench" / "scifact"
DEPTH = 100
Ranked = list[tuple[str, float]]


def load_beir(
    folder: Path, split: str
) -> tuple[list[dict[str, str]], dict[str, str], dict[str, set[str]]]:
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").open()]
    queries = {}
    for line in (folder / f"queries-{split}.jsonl").open():
        item = json.loads(line)
        queries[str(item["_id"])] = item["text"]
    qrels: dict[str, set[str]] = {}
    with (folder / f"qrels-{split}.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if int(row.get("score", 1)) > 0:
                qrels.setdefault(str(row["query-id"]), set()).add(f"beir-{row['corpus-id']}")
    return corpus, {q: t for q, t in queries.items() if q in qrels}, qrels


def to_record(doc: dict[str, str]) -> PaperRecord:
    title = (doc.get("title") or "").strip() or doc["text"][:120]
    record = build_record(
        source="beir",
        source_record_id=str(doc["_id"]),
        authority=Authority.ARXIV,
        raw_id=None,
        title=title,
        abstract=doc["text"],
    )
    record.paper_id = f"beir-{doc['_id']}"
    return record


def evaluate(
    runs: dict[str, Ranked], qrels: dict[str, set[str]], queries: Sequence[str]
) -> dict[str, float]:
    figures = {"ndcg@10": [], "recall@10": [], "recall@100": []}
    for query_id in queries:
        ranked = [paper_id for paper_id, _ in runs[query_id]]
        relevant = qrels[query_id]
        figures["ndcg@10"].append(ndcg_at_k(ranked, relevant, 10))
        figures["recall@10"].append(recall_at_k(ranked, relevant, 10))
        figures["recall@100"].append(recall_at_k(ranked, relevant, 100))
    return {name: round(statistics.fmean(values), 4) for name, values in figures.items()}


Fuse = Callable[[Ranked, Ranked], Ranked]


def fusion_grid() -> dict[str, Fuse]:
    grid: dict[str, Fuse] = {}
    for k in (10, 30, 60, 100):
        for semantic_weight in (0.5, 0.75, 1.0, 1.5, 2.0):
            grid[f"rrf k={k} w_sem={semantic_weight}"] = lambda kw, sem, k=k, w=semantic_weight: (
                reciprocal_rank_fusion([kw, sem], k=k, weights=[1.0, w])
            )
    for semantic_weight in (0.3, 0.4, 0.5, 0.6, 0.7):
        grid[f"scores w_sem={semantic_weight}"] = lambda kw, sem, w=semantic_weight: (
            weighted_score_fusion([kw, sem], [1 - w, w])
        )
    return grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="train")
    parser.add_argument("--limit-queries", type=int, default=None)
    parser.add_argument(
        "--weights",
        type=float,
        nargs=3,
        metavar=("TITLE", "ABSTRACT", "AUTHORS"),
        help="keyword field weights to try instead of the shipped ones",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="keep the catalog and vectors here between runs (embedding is the slow part; "
        "the embed job is incremental, so a re-run embeds nothing)",
    )
    args = parser.parse_args()
    weights = FieldWeights(*args.weights) if args.weights else None
    corpus, queries, qrels = load_beir(args.data, args.split)
    query_ids = sorted(queries)[: args.limit_queries]
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cache = args.cache or workdir
        cache.mkdir(parents=True, exist_ok=True)
        catalog = Catalog.open(f"sqlite:///{cache / 'catalog.db'}")
        started = time.perf_counter()
        records = [to_record(doc) for doc in corpus]
        for start in range(0, len(records), 2000):
            catalog.upsert(records[start : start + 2000])
        timings["ingest_s"] = time.perf_counter() - started
        embedder = MiniLmEmbedder()
        started = time.perf_counter()
        embed_pending(catalog, embedder)
        timings["embed_s"] = time.perf_counter() - started
        started = time.perf_counter()
        keyword = KeywordIndex.open(workdir / "keyword", weights)
        keyword.rebuild(catalog)
        vectors = VectorIndex.open(workdir / "vectors")
        vectors.rebuild(catalog)
        timings["index_s"] = time.perf_counter() - started

        keyword_runs: dict[str, Ranked] = {}
        semantic_runs: dict[str, Ranked] = {}
        for query_id in query_ids:
            parsed = parse_query(queries[query_id])
            keyword_runs[query_id] = [
                (hit.id, hit.score) for hit in keyword.search(parsed, limit=DEPTH)
            ]
            vector = embedder.embed([query_text(queries[query_id])])[0]
            semantic_runs[query_id] = vectors.search(vector, k=DEPTH)

    def fused(fuse: Fuse) -> dict[str, Ranked]:
        return {q: fuse(keyword_runs[q], semantic_runs[q]) for q in query_ids}

    shipped: Fuse = lambda kw, sem: weighted_score_fusion(  # noqa: E731 - the Searcher's own
        [kw, sem], [searcher_module.KEYWORD_WEIGHT, searcher_module.SEMANTIC_WEIGHT]
    )
    plain_rrf: Fuse = lambda kw, sem: reciprocal_rank_fusion([kw, sem], k=60)  # noqa: E731
    results = {
        "keyword": evaluate(keyword_runs, qrels, query_ids),
        "semantic": evaluate(semantic_runs, qrels, query_ids),
        "plain RRF (k=60)": evaluate(fused(plain_rrf), qrels, query_ids),
        "hybrid (shipped)": evaluate(fused(shipped), qrels, query_ids),
    }
    grid = fusion_grid()
    scored = {name: evaluate(fused(fuse), qrels, query_ids) for name, fuse in grid.items()}
    halves = [query_ids[0::2], query_ids[1::2]]
    cross_validated = []
    for tune, test in (halves, halves[::-1]):
        best = max(grid, key=lambda name: evaluate(fused(grid[name]), qrels, tune)["ndcg@10"])
        cross_validated.append((best, evaluate(fused(grid[best]), qrels, test)["ndcg@10"]))
    best_overall = max(scored, key=lambda name: scored[name]["ndcg@10"])

    print(f"{len(corpus)} documents, {len(query_ids)} {args.split} queries")
    print(
        f"ingest {timings['ingest_s']:.1f} s, embed {timings['embed_s']:.1f} s, "
        f"index {timings['index_s']:.1f} s"
    )
    print(f"{'mode':32} {'nDCG@10':>8} {'R@10':>8} {'R@100':>8}")
    for name, figures in results.items():
        print(
            f"{name:32} {figures['ndcg@10']:>8} {figures['recall@10']:>8} "
            f"{figures['recall@100']:>8}"
        )
    print(f"best grid setting on all queries: {best_overall} -> {scored[best_overall]}")
    for best, score in cross_validated:
        print(f"2-fold CV: tuned {best!r} on one half, nDCG@10 {score:.4f} on the other")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "relevance.json").write_text(
        json.dumps(
            {
                "data": str(args.data),
                "split": args.split,
                "queries": len(query_ids),
                "documents": len(corpus),
                "timings": timings,
                "results": results,
                "grid": scored,
                "cross_validated": cross_validated,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
