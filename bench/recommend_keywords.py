"""bench/recommend.py's keyword features: the product's tf-idf LSA over SciFact, and the
sweep that chose its size and weight (`--sweep`).

The features are made exactly as the engine makes them (recommend/keywords.py): vocabulary,
idf and SVD from the candidate pool's papers, every paper (rated or candidate) projected into
that space. The sweep fits the product's ridge (recommend/model.py) on [embedding | weight x
keywords] for a grid of sizes and weights, beside the bench-only reference (scikit-learn's
LSA of arxiv-sanity-lite's tf-idf, fitted on the whole corpus).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from paperwire.recommend.keywords import KeywordSpace, terms
from paperwire.recommend.model import Background, ModelParams
from recommend_sim import Rows, SimReader, metrics, ours

Matrix = npt.NDArray[np.float32]


def product_features(
    texts: list[str], pool_rows: Rows, dimensions: int
) -> tuple[KeywordSpace, Matrix, float]:
    """The pool's keyword space and every corpus paper's features in it (and the seconds
    the pool's part took: what load_pool adds to a pool load)."""
    documents = [terms(text) for text in texts]
    started = time.perf_counter()
    pool_documents = [documents[row] for row in pool_rows]
    space, pool_features = KeywordSpace.fit_project(pool_documents, dimensions=dimensions)
    seconds = time.perf_counter() - started
    features = space.project(documents)
    assert np.allclose(features[pool_rows], pool_features, atol=1e-5)
    return space, features, seconds


def sweep(
    texts: list[str],
    unit: Matrix,
    lsa: Matrix,
    pool_rows: Rows,
    sample: Rows,
    readers: list[SimReader],
) -> dict[str, dict[str, float]]:
    """nDCG@10 (all clicks, MMR) and fit + rank p50 for sizes x weights, and the reference."""
    results: dict[str, dict[str, float]] = {}
    variants: list[tuple[str, Matrix]] = [("bench-only LSA 256, weight 1", lsa)]
    for dimensions in (128, 256):
        _, features, _ = product_features(texts, pool_rows, dimensions)
        for weight in (0.5, 1.0, 1.5):
            variants.append((f"product LSA {dimensions}, weight {weight}", weight * features))
    for name, extra in variants:
        features = np.hstack([unit, extra]).astype(np.float32)
        background = Background(features[pool_rows][sample], features.shape[1], ModelParams())
        scores, seconds = [], []
        for reader in readers:
            ranked, took = ours(background, features, pool_rows, *reader.prefix(None), diverse=True)
            scores.append(metrics(ranked, pool_rows, reader.relevant)["ndcg@10"])
            seconds.append(took)
        results[name] = {
            "ndcg@10": round(statistics.fmean(scores), 4),
            "p50_ms": round(1000 * sorted(seconds)[len(seconds) // 2], 2),
        }
        print(f"sweep {name}: {results[name]}", flush=True)
    return results


def summary(space: KeywordSpace, seconds: float) -> dict[str, Any]:
    return {
        "dimensions": space.dimensions,
        "pool_documents": space.documents,
        "terms_kept": len(space.vocabulary),
        "pool_fit_and_project_seconds": round(seconds, 2),
    }
