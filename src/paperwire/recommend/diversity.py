"""Maximal marginal relevance: a page of ten is not ten versions of one paper.

Each pick maximises `λ·relevance - (1-λ)·max cosine to what was already picked`. Scores are
rescaled to 0..1 over the pool first, so λ means the same whatever scale the model's scores
have. Pure numpy; the pairwise cosines are one matmul, each pick is O(pool).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from paperwire.recommend.model import normalise_rows

DEFAULT_LAMBDA = 0.7


def mmr(
    scores: npt.ArrayLike, vectors: npt.ArrayLike, k: int, lambda_: float = DEFAULT_LAMBDA
) -> list[int]:
    """Indices into `scores` of up to `k` picks, in pick order."""
    relevance = np.asarray(scores, dtype=np.float32)
    count = len(relevance)
    if min(k, count) <= 0:
        return []
    unit = np.asarray(vectors, dtype=np.float32).reshape(1, count, -1)
    picks = mmr_batch(relevance[None, :], unit, k, lambda_)[0]
    return [int(pick) for pick in picks if pick >= 0]


def mmr_batch(
    scores: npt.NDArray[np.float32],
    vectors: npt.NDArray[np.float32],
    k: int,
    lambda_: float = DEFAULT_LAMBDA,
    *,
    unit_rows: bool = False,
    similarity: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.intp]:
    """MMR for many readers at once: `scores` (readers, pool), `vectors` (readers, pool, d).

    Returns (readers, k) indices into each reader's pool in pick order; -1 where a reader's
    pool ran out (-inf scores are never picked). All readers pick in lockstep, so the cost
    is k vectorised steps, not k steps per reader. `similarity` (readers, pool, pool), when
    the caller has the cosines already (gathered from a pool's Gram matrix), skips the
    batched matmul: many small products are slow when BLAS threads compete for cores.
    """
    relevance = np.asarray(scores, dtype=np.float32)
    readers, count = relevance.shape
    k = min(k, count)
    picks = np.full((readers, max(k, 0)), -1, dtype=np.intp)
    if k <= 0 or readers == 0:
        return picks
    available = np.isfinite(relevance)
    finite = np.where(available, relevance, np.nan)
    low = np.nan_to_num(np.nanmin(finite, axis=1, keepdims=True), nan=0.0)
    high = np.nan_to_num(np.nanmax(finite, axis=1, keepdims=True), nan=0.0)
    span = high - low
    scaled = np.where(span > 0, (relevance - low) / np.where(span > 0, span, 1.0), 1.0)
    if similarity is None:
        unit = vectors if unit_rows else normalise_rows(vectors)  # unit_rows: already unit
        similarity = np.matmul(unit, unit.transpose(0, 2, 1))
    closest = np.zeros((readers, count), dtype=np.float32)
    rows = np.arange(readers)
    for step in range(k):
        penalty = closest if step else 0.0
        value = np.where(available, lambda_ * scaled - (1.0 - lambda_) * penalty, -np.inf)
        pick = np.argmax(value, axis=1)
        valid = available[rows, pick]
        picks[:, step] = np.where(valid, pick, -1)
        available[rows, pick] = False
        closest = np.maximum(closest, similarity[rows, pick]) if step else similarity[rows, pick]
    return picks
