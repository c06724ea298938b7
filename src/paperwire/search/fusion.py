"""Fusing ranked lists from the keyword and semantic searches into one ranking.

Two methods, both measured on SciFact (bench/relevance.py, docs/search.md):
- reciprocal-rank fusion: score = sum of weight / (k + rank); needs no score calibration;
- weighted scores: each list's scores min-max normalised to [0, 1], then a weighted sum.
Ties are broken by id so that the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[str, float]]  # (paper id, score), best first


def reciprocal_rank_fusion(
    lists: Sequence[Ranked], *, k: float = 60.0, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    weights = weights or [1.0] * len(lists)
    if len(weights) != len(lists):
        raise ValueError("one weight per list")
    fused: dict[str, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        for rank, (paper_id, _) in enumerate(ranked, start=1):
            fused[paper_id] = fused.get(paper_id, 0.0) + weight / (k + rank)
    return _sorted(fused)


def weighted_score_fusion(
    lists: Sequence[Ranked], weights: Sequence[float]
) -> list[tuple[str, float]]:
    """Min-max normalise each list, then add them up with `weights` (missing = 0)."""
    if len(weights) != len(lists):
        raise ValueError("one weight per list")
    fused: dict[str, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        if not ranked:
            continue
        scores = [score for _, score in ranked]
        low, high = min(scores), max(scores)
        span = high - low
        for paper_id, score in ranked:
            normalised = (score - low) / span if span > 0 else 1.0
            fused[paper_id] = fused.get(paper_id, 0.0) + weight * normalised
    return _sorted(fused)


def _sorted(scores: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
