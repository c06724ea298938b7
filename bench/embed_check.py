"""Embedding throughput and query latency of MiniLmEmbedder on a BEIR corpus (SciFact).

    .venv/bin/python bench/embed_check.py [--corpus ../shared/bench/scifact] [--limit 1000]

Reads the corpus in place (never copied into the repository); prints the figures and writes
bench/results/embed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from paperwire.search.embedder import MiniLmEmbedder, query_text

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "bench" / "scifact"


def _percentile(values: list[float], share: float) -> float:
    return float(np.percentile(np.array(values), share * 100))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=1000, help="documents to embed")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    with (args.corpus / "corpus.jsonl").open() as handle:
        docs = [json.loads(line) for _, line in zip(range(args.limit), handle, strict=False)]
    texts = [f"{doc['title']}. {doc['text']}" for doc in docs]
    with (args.corpus / "queries-train.jsonl").open() as handle:
        queries = [json.loads(line)["text"] for line in handle][: args.queries]

    embedder = MiniLmEmbedder()
    embedder.embed(texts[:8])  # warm-up: first run allocates the session's buffers
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    embed_seconds = time.perf_counter() - started
    tokens = [len(encoding.ids) for encoding in embedder._tokenizer.encode_batch(texts)]

    latencies = []
    for query in queries:
        started = time.perf_counter()
        embedder.embed([query_text(query)])
        latencies.append((time.perf_counter() - started) * 1000)

    results = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "model_id": embedder.model_id,
        "documents": len(texts),
        "mean_tokens": round(statistics.fmean(tokens), 1),
        "embed_seconds": round(embed_seconds, 2),
        "papers_per_second": round(len(texts) / embed_seconds, 1),
        "query_ms_p50": round(_percentile(latencies, 0.50), 2),
        "query_ms_p95": round(_percentile(latencies, 0.95), 2),
        "vector_norm_min": round(float(np.linalg.norm(vectors, axis=1).min()), 5),
        "int8_vs_fp32_cosine": None,  # not measured: needs the fp32 weights (see docs)
    }
    for key, value in results.items():
        print(f"{key:>22}: {value}")
    out = ROOT / "bench" / "results" / "embed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
