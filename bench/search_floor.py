"""Similarity floor for semantic hits, measured on a BEIR folder (default: SciFact).

A search by meaning always returns the k nearest papers, however far they are, so a query of
random words still "finds" papers. The Searcher drops semantic hits whose cosine similarity
is below SEMANTIC_FLOOR. This script shows what that floor costs and buys:

- nDCG@10 / Recall@100 of the semantic and the hybrid (shipped fusion) runs on the real
  queries, with and without the floor (the cost: should be ~0);
- for nonsense queries (random dictionary-free pseudo-words and random corpus words shuffled
  into word salad), the share whose semantic list the floor empties (the gain);
- the distribution of the best semantic similarity for real and nonsense queries.

    python bench/search_floor.py [--data DIR] [--split train] [--cache DIR] [--floor 0.3]

Embedding the 5,183 SciFact abstracts is the slow part (minutes on 2 cores); --cache keeps
the catalog and vectors between runs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from pathlib import Path

from paperwire.catalog.store import Catalog
from paperwire.search import searcher as searcher_module
from paperwire.search.embed_job import embed_pending
from paperwire.search.embedder import MiniLmEmbedder, query_text
from paperwire.search.fusion import weighted_score_fusion
from paperwire.search.keyword import KeywordIndex
from paperwire.search.query import parse_query
from paperwire.search.vectors import VectorIndex

# Run as `python bench/search_floor.py`: bench/ is on the path, its harness importable.
from relevance import DEFAULT_DATA, DEPTH, HERE, Ranked, evaluate, load_beir, to_record

NONSENSE_QUERIES = 300
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def pseudo_words(rng: random.Random, count: int) -> str:
    return " ".join(
        "".join(rng.choice(_LETTERS) for _ in range(rng.randint(4, 9))) for _ in range(count)
    )


def nonsense_queries(rng: random.Random, vocabulary: list[str]) -> dict[str, list[str]]:
    """Two kinds: letters that form no word, and real words of the corpus in random order
    (word salad: each word matches by keyword, the whole means nothing)."""
    return {
        "pseudo-words": [pseudo_words(rng, rng.randint(2, 5)) for _ in range(NONSENSE_QUERIES)],
        "word salad": [
            " ".join(rng.sample(vocabulary, rng.randint(2, 5))) for _ in range(NONSENSE_QUERIES)
        ],
    }


def floored(ranked: Ranked, floor: float) -> Ranked:
    return [(paper_id, score) for paper_id, score in ranked if score >= floor]


def hybrid(keyword: Ranked, semantic: Ranked) -> Ranked:
    return weighted_score_fusion(
        [keyword, semantic], [searcher_module.KEYWORD_WEIGHT, searcher_module.SEMANTIC_WEIGHT]
    )


def quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda share: round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 4)  # noqa: E731
    return {"min": round(ordered[0], 4), "p05": pick(0.05), "median": pick(0.5),
            "p95": pick(0.95), "max": round(ordered[-1], 4)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="train")
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--floor", type=float, default=searcher_module.SEMANTIC_FLOOR)
    args = parser.parse_args()
    corpus, queries, qrels = load_beir(args.data, args.split)
    query_ids = sorted(queries)
    rng = random.Random(12)
    vocabulary = sorted({w for doc in corpus[:500] for w in doc["text"].lower().split()
                         if w.isalpha() and len(w) > 3})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        cache = args.cache or workdir
        cache.mkdir(parents=True, exist_ok=True)
        catalog = Catalog.open(f"sqlite:///{cache / 'catalog.db'}")
        if catalog.count() < len(corpus):
            records = [to_record(doc) for doc in corpus]
            for start in range(0, len(records), 2000):
                catalog.upsert(records[start : start + 2000])
        embedder = MiniLmEmbedder()
        embed_pending(catalog, embedder)
        keyword = KeywordIndex.open(workdir / "keyword")
        keyword.rebuild(catalog)
        vectors = VectorIndex.open(workdir / "vectors")
        vectors.rebuild(catalog)

        def runs(text: str) -> tuple[Ranked, Ranked]:
            words = [(hit.id, hit.score) for hit in keyword.search(parse_query(text), limit=DEPTH)]
            vector = embedder.embed([query_text(text)])[0]
            return words, vectors.search(vector, k=DEPTH)

        real = {query_id: runs(queries[query_id]) for query_id in query_ids}
        junk = {kind: [runs(text) for text in texts]
                for kind, texts in nonsense_queries(rng, vocabulary).items()}  # fmt: skip

    def scored(floor: float | None) -> dict[str, dict[str, float]]:
        cut = (lambda ranked: ranked) if floor is None else (lambda ranked: floored(ranked, floor))
        semantic = {q: cut(real[q][1]) for q in query_ids}
        fused = {q: hybrid(real[q][0], semantic[q]) for q in query_ids}
        return {"semantic": evaluate(semantic, qrels, query_ids),
                "hybrid": evaluate(fused, qrels, query_ids)}  # fmt: skip

    top = lambda ranked: ranked[0][1] if ranked else 0.0  # noqa: E731
    report = {
        "data": str(args.data),
        "split": args.split,
        "queries": len(query_ids),
        "documents": len(corpus),
        "floor": args.floor,
        "without_floor": scored(None),
        "with_floor": scored(args.floor),
        "best_semantic_similarity": {
            "real queries": quantiles([top(real[q][1]) for q in query_ids]),
            **{kind: quantiles([top(sem) for _, sem in pairs]) for kind, pairs in junk.items()},
        },
        "real queries whose semantic list the floor empties": round(
            statistics.fmean(not floored(real[q][1], args.floor) for q in query_ids), 4
        ),
        "nonsense emptied by the floor (semantic)": {
            kind: round(statistics.fmean(not floored(sem, args.floor) for _, sem in pairs), 4)
            for kind, pairs in junk.items()
        },
        "nonsense with no result at all (keyword empty too)": {
            kind: round(
                statistics.fmean(not kw and not floored(sem, args.floor) for kw, sem in pairs), 4
            )
            for kind, pairs in junk.items()
        },
    }
    print(json.dumps(report, indent=2))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "search_floor.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
