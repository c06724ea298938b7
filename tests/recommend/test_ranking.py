"""ranking.rank_chunk: personal rows still hear the reader's declared interests, fading as
likes accumulate (the learning curve in docs/recommend.md)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from paperwire.recommend import ranking
from paperwire.recommend.interests import Interests
from paperwire.recommend.model import ModelParams
from paperwire.recommend.ranking import Pool, ReaderInput, rank_chunk
from paperwire.recommend.signals import Signal

WHEN = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
DIMENSIONS = 16


def make_pool(papers: int = 60) -> Pool:
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(papers, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # Every third paper is in hep-ph; the others in cs.CL.
    categories = [["hep-ph"] if row % 3 == 0 else ["cs.CL"] for row in range(papers)]
    return Pool(
        ids=[f"2603.{row:05d}" for row in range(papers)],
        vectors=vectors,
        has_vector=np.ones(papers, np.bool_),
        ages=np.zeros(papers, np.float32),
        categories=categories,
        authors=[[] for _ in range(papers)],
    )


def reader(likes: list[str], categories: tuple[str, ...]) -> ReaderInput:
    signals = [Signal(paper_id, "card", 1, WHEN) for paper_id in likes]
    return ReaderInput(signals, Interests(categories=categories), frozenset())


def hep_share(pool: Pool, ids: list[str]) -> float:
    top = ids[:10]
    return sum(pool.categories[pool.index[i]] == ["hep-ph"] for i in top) / len(top)


def test_declared_interests_lift_a_young_personal_model_and_fade_with_likes() -> None:
    pool = make_pool()
    background = pool.background(ModelParams(), DIMENSIONS)
    rated = {paper_id: pool.vectors[pool.index[paper_id]] for paper_id in pool.ids}
    liked_few = [pool.ids[row] for row in (1, 2, 4)]  # three cs.CL papers
    liked_many = [pool.ids[row] for row in range(60) if row % 3 != 0][:30]
    with_topic, without, many_with, many_without = rank_chunk(
        pool,
        background,
        [
            reader(liked_few, ("hep-ph",)),
            reader(liked_few, ()),
            reader(liked_many, ("hep-ph",)),
            reader(liked_many, ()),
        ],
        rated,
        limit=30,
    )
    assert {r.basis for r in (with_topic, without, many_with, many_without)} == {"personal"}
    # Three likes: the followed category still shapes the page.
    assert hep_share(pool, with_topic.ids) > hep_share(pool, without.ids)
    assert hep_share(pool, with_topic.ids) >= 0.5
    # Thirty likes: the declared interest weighs a tenth as much; the likes lead.
    lift_few = hep_share(pool, with_topic.ids) - hep_share(pool, without.ids)
    lift_many = hep_share(pool, many_with.ids) - hep_share(pool, many_without.ids)
    assert lift_many < lift_few


def test_the_blend_weight_is_what_carries_the_interests(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = make_pool()
    background = pool.background(ModelParams(), DIMENSIONS)
    rated = {paper_id: pool.vectors[pool.index[paper_id]] for paper_id in pool.ids}
    liked = [pool.ids[row] for row in (1, 2, 4)]
    monkeypatch.setattr(ranking, "PERSONAL_INTEREST_WEIGHT", 0.0)
    with_topic, without = rank_chunk(
        pool, background, [reader(liked, ("hep-ph",)), reader(liked, ())], rated, limit=30
    )
    assert with_topic.ids == without.ids
