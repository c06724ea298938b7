"""MMR: near-duplicates do not fill a page; λ = 1 is plain score order."""

from __future__ import annotations

import numpy as np

from paperwire.recommend.diversity import mmr
from paperwire.recommend.model import normalise_rows


def test_near_duplicates_give_way_to_a_different_paper() -> None:
    rng = np.random.default_rng(7)
    base = normalise_rows(rng.standard_normal((1, 384)))
    other = normalise_rows(rng.standard_normal((2, 384)))
    duplicates = normalise_rows(base + 0.01 * rng.standard_normal((4, 384)))
    vectors = np.vstack([duplicates, other])
    # The pool's lowest score rescales to 0: the last paper only anchors the scale.
    scores = np.array([1.0, 0.99, 0.98, 0.97, 0.8, 0.0])
    assert mmr(scores, vectors, 2) == [0, 4]
    assert mmr(scores, vectors, 2, lambda_=1.0) == [0, 1]


def test_every_pick_is_unique_and_k_is_bounded_by_the_pool() -> None:
    rng = np.random.default_rng(8)
    vectors = rng.standard_normal((6, 16))
    picks = mmr(rng.random(6), vectors, 10)
    assert sorted(picks) == list(range(6))
    assert mmr(np.zeros(0), np.zeros((0, 16)), 3) == []
    assert mmr(np.ones(3), vectors[:3], 0) == []
