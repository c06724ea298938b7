"""bench/recommend.py's simulated readers, the four methods it compares, and the metrics.

Documents are rows 0..N-1 of the corpus; `order[row]` is its synthetic listing time. The
train period is the earliest TRAIN_SHARE of the listings, the test period (the candidate
pool) the rest. A reader likes 1-3 topics: their train-period stream is likes of papers in
those topics, ~10 % likes of random papers outside them, and a few dislikes of papers in
other topics; the test-period papers in their topics are what is relevant to them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from paperwire.recommend.diversity import mmr
from paperwire.recommend.model import Background
from paperwire.recommend.ranking import MMR_HEAD, MMR_LAMBDA, MMR_POOL
from paperwire.search.metrics import ndcg_at_k, recall_at_k

Rows = npt.NDArray[np.intp]
TRAIN_SHARE = 0.6
NOISE_LIKES = 0.1
DEPTH = 50  # how much of each ranking the metrics read


@dataclass(frozen=True)
class SimReader:
    topics: tuple[int, ...]
    stream: tuple[tuple[int, int], ...]  # (row, +1 like / -1 dislike), oldest first
    relevant: frozenset[int]  # test-period rows in the reader's topics

    def prefix(self, clicks: int | None) -> tuple[list[int], list[int]]:
        """Likes and dislikes up to the `clicks`-th like (all of them: None)."""
        liked: list[int] = []
        disliked: list[int] = []
        for row, value in self.stream:
            if clicks is not None and value > 0 and len(liked) == clicks:
                break
            (liked if value > 0 else disliked).append(row)
        return liked, disliked


@dataclass(frozen=True)
class Split:
    order: npt.NDArray[np.intp]  # listing time of each row
    train: Rows  # rows, oldest first
    test: Rows  # the candidate pool, oldest first


def split(count: int, seed: int) -> Split:
    order = np.random.default_rng(seed).permutation(count)
    by_time = np.argsort(order)
    cut = int(count * TRAIN_SHARE)
    return Split(order, by_time[:cut], by_time[cut:])


def simulate(
    labels: npt.NDArray[np.intp],
    times: Split,
    count: int,
    seed: int,
    likes: tuple[int, int] = (30, 60),
) -> list[SimReader]:
    rng = np.random.default_rng(seed)
    train_labels = labels[times.train]
    test_labels = labels[times.test]
    topics = np.unique(labels)
    eligible = [
        t for t in topics if (train_labels == t).sum() >= 20 and (test_labels == t).sum() >= 10
    ]
    readers = []
    for _ in range(count):
        mine = rng.choice(eligible, int(rng.integers(1, 4)), replace=False)
        inside = np.isin(train_labels, mine)
        total = int(rng.integers(likes[0], likes[1] + 1))
        noise = int(rng.binomial(total, NOISE_LIKES))
        candidates = times.train[inside]
        liked = rng.choice(candidates, min(total - noise, len(candidates)), replace=False)
        outside = times.train[~inside]
        picked = rng.choice(outside, noise + int(rng.integers(3, 11)), replace=False)
        stream = [(int(r), 1) for r in liked]
        stream += [(int(r), 1) for r in picked[:noise]]
        stream += [(int(r), -1) for r in picked[noise:]]
        stream.sort(key=lambda item: int(times.order[item[0]]))
        relevant = frozenset(int(r) for r in times.test[np.isin(test_labels, mine)])
        readers.append(SimReader(tuple(int(t) for t in mine), tuple(stream), relevant))
    return readers


def community_upvotes(
    readers: Sequence[SimReader], times: Split, seed: int
) -> npt.NDArray[np.float32]:
    """Upvotes of the test-period papers by a separate population (no leak into the readers
    scored): 8 % of the papers in one's topics, 0.2 % of the rest. Scaled so the top is 1."""
    rng = np.random.default_rng(seed)
    votes = np.zeros(len(times.test), np.float32)
    position = {int(row): i for i, row in enumerate(times.test)}
    for reader in readers:
        mine = np.zeros(len(times.test), bool)
        mine[[position[row] for row in reader.relevant]] = True
        chance = np.where(mine, 0.08, 0.002)
        votes += rng.random(len(times.test)) < chance
    # Ties (many papers share a count) break by a fixed jitter, not by row order.
    votes += 0.01 * rng.random(len(votes)).astype(np.float32)
    return np.asarray(votes / max(float(votes.max()), 1.0), np.float32)


# -- methods: each returns pool positions, best first, and the seconds the page took ------


def ours(
    background: Background,
    vectors: npt.NDArray[np.float32],
    pool: Rows,
    liked: list[int],
    disliked: list[int],
    *,
    diverse: bool,
) -> tuple[Rows, float]:
    started = time.perf_counter()
    model = background.fit(vectors[liked], vectors[disliked])
    candidates = vectors[pool]
    scores = model.scores(candidates)
    ranked = np.argsort(-scores, kind="stable")[:DEPTH]
    if diverse:
        ranked = with_mmr(scores, candidates, ranked)
    return ranked, time.perf_counter() - started


def with_mmr(
    scores: npt.NDArray[np.float32], candidates: npt.NDArray[np.float32], ranked: Rows
) -> Rows:
    """As the engine does it: MMR picks the first MMR_HEAD of the best MMR_POOL."""
    head = ranked[:MMR_POOL]
    picks = head[mmr(scores[head], candidates[head], MMR_HEAD, MMR_LAMBDA)]
    rest = ranked[~np.isin(ranked, picks)]
    return np.concatenate([picks, rest])[: len(ranked)].astype(np.intp)


def svm(tfidf: sp.csr_matrix, pool: Rows, liked: list[int], C: float = 0.01) -> tuple[Rows, float]:
    """arxiv-sanity-lite's serve.py: a LinearSVC per request over every paper's tf-idf, the
    reader's tagged papers positive and every other paper negative (dislikes unused)."""
    started = time.perf_counter()
    target = np.zeros(tfidf.shape[0], np.int8)
    target[liked] = 1
    classifier = LinearSVC(class_weight="balanced", verbose=0, max_iter=10000, tol=1e-6, C=C)
    classifier.fit(tfidf, target)
    scores = classifier.decision_function(tfidf)[pool]
    ranked = np.argsort(-scores, kind="stable")[:DEPTH]
    return ranked.astype(np.intp), time.perf_counter() - started


# -- metrics --------------------------------------------------------------------------------


def metrics(ranked: Rows, pool: Rows, relevant: frozenset[int]) -> dict[str, float]:
    ids = [str(int(pool[i])) for i in ranked]
    wanted = {str(row) for row in relevant}
    hits = sum(1 for doc in ids[:10] if doc in wanted)
    return {
        "precision@10": hits / 10,
        "ndcg@10": ndcg_at_k(ids, wanted, 10),
        "recall@50": recall_at_k(ids, wanted, 50),
    }


def intra_list_similarity(unit: npt.NDArray[np.float32], top: Rows) -> float:
    """Mean cosine between the pairs of a page's first ten (embedding space)."""
    page = unit[top[:10]]
    cosines = page @ page.T
    pairs = len(page) * (len(page) - 1)
    return float((cosines.sum() - np.trace(cosines)) / pairs) if pairs else 0.0
