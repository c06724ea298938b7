"""nDCG@k and Recall@k against hand-computed values."""

from __future__ import annotations

import math

import pytest

from paperwire.search.metrics import ndcg_at_k, recall_at_k


def test_ndcg_perfect_partial_and_empty() -> None:
    assert ndcg_at_k(["a", "b", "x"], {"a", "b"}) == pytest.approx(1.0)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "a", "y"], {"a", "b"}) == pytest.approx(expected)
    assert ndcg_at_k(["a"], set()) == 0.0
    assert ndcg_at_k(["x"] * 10 + ["a"], {"a"}, k=10) == 0.0


def test_recall_at_k() -> None:
    assert recall_at_k(["a", "x", "b"], {"a", "b", "c", "d"}, k=2) == pytest.approx(0.25)
    assert recall_at_k(["a", "x", "b"], {"a", "b"}, k=10) == pytest.approx(1.0)
