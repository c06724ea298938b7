"""bench/recommend.py's scale figures: many readers at once, and one reader's page.

`scale` runs the engine's own numpy core (ranking.rank_chunk: stacked ridge fits through
Background.fit_many, one matmul per chunk of readers, top-k, MMR over each head) over
SciFact vectors and keyword features (fitted on the new papers, as load_pool does; the time
includes that fit), without the database: the DB-backed `Recommender.refresh_all` is
measured by bench/recommend_scale.py. Peak memory is sampled while it runs.
"""

from __future__ import annotations

import datetime as dt
import resource
import threading
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import psutil

from paperwire.recommend.diversity import mmr
from paperwire.recommend.engine import READER_CHUNK
from paperwire.recommend.interests import Interests
from paperwire.recommend.keywords import KeywordSpace, terms
from paperwire.recommend.model import Background, ModelParams, fit
from paperwire.recommend.ranking import (
    MMR_HEAD,
    MMR_LAMBDA,
    MMR_POOL,
    TOP_N,
    Pool,
    ReaderInput,
    model_features,
    rank_chunk,
)
from paperwire.recommend.signals import Signal

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MiB = 1024 * 1024


class PeakRss:
    """The process's resident set size, sampled every 10 ms while in the `with` block."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.before = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def _pool(
    unit: npt.NDArray[np.float32],
    rows: npt.NDArray[np.intp],
    seed: int,
    keywords: npt.NDArray[np.float32],
    space: KeywordSpace,
) -> Pool:
    count = len(rows)
    return Pool(
        ids=[str(int(row)) for row in rows],
        vectors=unit[rows],
        has_vector=np.ones(count, bool),
        ages=np.random.default_rng(seed).uniform(0, 7, count).astype(np.float32),
        categories=[[] for _ in range(count)],
        authors=[[] for _ in range(count)],
        trending=np.random.default_rng(seed + 1).random(count).astype(np.float32),
        keywords=keywords,
        keyword_space=space,
    )


def scale(
    unit: npt.NDArray[np.float32], texts: list[str], readers: int, papers: int, seed: int
) -> dict[str, Any]:
    """`readers` readers x `papers` new papers: 9 in 10 readers rated 20 older papers (16
    liked), 1 in 10 liked one (the cold-start blend); each keeps its top TOP_N."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(unit))
    new, old = order[:papers], order[papers:]
    documents = [terms(text) for text in texts]
    rated_vectors = {str(int(row)): unit[row] for row in old}
    entries = []
    for number in range(readers):
        picks = rng.choice(old, 1 if number % 10 == 0 else 20, replace=False)
        signals = [
            Signal(str(int(row)), "digest", 1 if i % 5 else -1, EPOCH)
            for i, row in enumerate(picks, start=1)
        ]
        entries.append(ReaderInput(signals, Interests(), frozenset()))
    with PeakRss() as memory:
        started = time.perf_counter()
        space, keywords = KeywordSpace.fit_project([documents[row] for row in new])
        pool = _pool(unit, new, seed, keywords, space)
        # The rated papers' keywords, as the engine projects them once per pool (cached).
        projected = space.project([documents[row] for row in old])
        rated_keywords = {str(int(row)): projected[i] for i, row in enumerate(old)}
        keyword_seconds = time.perf_counter() - started
        background = pool.background(ModelParams(), unit.shape[1])
        served = 0
        for start in range(0, readers, READER_CHUNK):
            chunk = entries[start : start + READER_CHUNK]
            results = rank_chunk(
                pool, background, chunk, rated_vectors, limit=TOP_N, rated_keywords=rated_keywords
            )
            served += sum(1 for result in results if len(result.ids) == TOP_N)
        seconds = time.perf_counter() - started
    return {
        "readers": readers,
        "new_papers": papers,
        "readers_with_full_list": served,
        "seconds": round(seconds, 2),
        "keyword_fit_and_projection_seconds": round(keyword_seconds, 2),
        "model_dimensions": int(pool.features().shape[1]),
        "readers_per_second": round(readers / seconds),
        "rss_before_mib": round(memory.before / MiB),
        "rss_peak_mib": round(memory.peak / MiB),
        "rss_added_mib": round((memory.peak - memory.before) / MiB),
        "process_max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def page_latency(
    unit: npt.NDArray[np.float32], texts: list[str], papers: int, seed: int, trials: int = 1000
) -> dict[str, Any]:
    """One reader's refit: fit + score + top + MMR over the model's features (embedding +
    keywords), over `papers` new papers and over the whole corpus; with the background
    factored once per pool (as the engine caches it) and with `model.fit` factoring it
    every time."""
    rng = np.random.default_rng(seed)
    documents = [terms(text) for text in texts]
    figures: dict[str, Any] = {}
    for label, size in (("new_papers", papers), ("whole_corpus", len(unit))):
        rows = rng.permutation(len(unit))[:size]
        space = KeywordSpace.fit([documents[row] for row in rows])
        features = model_features(unit, space.project(documents))
        candidates = features[rows]
        width = features.shape[1]
        background_rows = rng.choice(size, min(500, size), replace=False)
        background = Background(candidates[background_rows], width, ModelParams())
        for variant in ("cached_background", "fit_from_scratch"):
            timings = []
            for _ in range(trials if variant == "cached_background" else trials // 10):
                rated = rng.choice(len(unit), 20, replace=False)
                started = time.perf_counter()
                if variant == "cached_background":
                    model = background.fit(features[rated[:16]], features[rated[16:]])
                else:
                    model = fit(
                        features[rated[:16]], features[rated[16:]], candidates[background_rows]
                    )
                scores = model.scores(candidates)
                head = np.argpartition(-scores, MMR_POOL)[:MMR_POOL]
                mmr(scores[head], candidates[head], MMR_HEAD, MMR_LAMBDA)
                timings.append(time.perf_counter() - started)
            timings.sort()
            figures[f"{label}_{variant}"] = {
                "papers": size,
                "dimensions": width,
                "p50_ms": round(1000 * timings[len(timings) // 2], 2),
                "p95_ms": round(1000 * timings[int(0.95 * len(timings))], 2),
            }
    return figures
