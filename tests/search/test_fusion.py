"""Fusion of keyword and semantic rankings."""

from __future__ import annotations

import pytest

from paperwire.search.fusion import reciprocal_rank_fusion, weighted_score_fusion


def test_rrf_rewards_agreement_and_breaks_ties_by_id() -> None:
    keyword = [("a", 12.0), ("b", 9.0), ("c", 1.0)]
    semantic = [("b", 0.9), ("d", 0.8), ("a", 0.1)]
    fused = reciprocal_rank_fusion([keyword, semantic], k=60)
    assert [paper_id for paper_id, _ in fused] == ["b", "a", "d", "c"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    tie = reciprocal_rank_fusion([[("y", 1.0)], [("x", 1.0)]])
    assert [paper_id for paper_id, _ in tie] == ["x", "y"]


def test_rrf_weights_shift_the_balance() -> None:
    keyword = [("k", 1.0)]
    semantic = [("s", 1.0)]
    fused = reciprocal_rank_fusion([keyword, semantic], weights=[1.0, 2.0])
    assert fused[0][0] == "s"
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([keyword], weights=[1.0, 2.0])


def test_weighted_scores_are_normalised_per_list() -> None:
    keyword = [("a", 30.0), ("b", 10.0)]  # BM25 scale
    semantic = [("b", 0.80), ("a", 0.75)]  # cosine scale
    fused = dict(weighted_score_fusion([keyword, semantic], [0.5, 0.5]))
    assert fused["a"] == pytest.approx(0.5)
    assert fused["b"] == pytest.approx(0.5)
    single = weighted_score_fusion([[("only", 3.0)], []], [1.0, 1.0])
    assert single == [("only", 1.0)]
